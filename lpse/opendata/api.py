"""API: OCDS release packages paged by date, one contracting process's record. Public (no
token): what they hold is what the public pages showed at each moment."""

from datetime import datetime

from flask import jsonify, request
from flask_babel import gettext as _

from lpse import clock
from lpse.api.base import bp
from lpse.errors import DomainError, NotFound
from lpse.opendata import feed
from lpse.opendata.api_docs import describe
from lpse.opendata.releases import stamp, url

DEFAULT_LIMIT = 100
MAX_LIMIT = 1000


def _cursor() -> feed.Cursor:
    since, after = request.args.get('since'), request.args.get('after', '0')
    at = None
    if since is not None:
        try:
            at = datetime.fromisoformat(since)
        except ValueError:
            at = None
        if at is None or at.tzinfo is None:
            raise DomainError(
                _('Parameter "since" harus berupa waktu RFC 3339 dengan zona waktu.'),
                field='since',
            )
    if not (after.isdigit() and len(after) <= 18):
        raise DomainError(_('Parameter "after" harus berupa bilangan bulat.'), field='after')
    return feed.Cursor(at, int(after))


def _limit() -> int:
    text = request.args.get('limit', str(DEFAULT_LIMIT))
    if not text.isdigit() or not 1 <= int(text) <= MAX_LIMIT:
        raise DomainError(
            _('Parameter "limit" harus antara 1 dan %(max)d.', max=MAX_LIMIT), field='limit'
        )
    return int(text)


def _tender(ocid):
    tender = feed.tender_for_ocid(ocid)
    if tender is None:
        raise NotFound(_('Proses pengadaan dengan ocid ini tidak ditemukan.'))
    return tender


def _published_date() -> str:
    return stamp(clock.now(), 'Asia/Jakarta')


@bp.get('/ocds/releases')
def ocds_releases():
    ocid = request.args.get('ocid')
    if ocid is not None:
        releases = feed.releases_of(_tender(ocid))
        uri = url('api.ocds_releases', ocid=ocid)
        return jsonify(feed.release_package(releases, uri=uri, published_date=_published_date()))
    start, limit = _cursor(), _limit()
    releases, cursor = feed.page(start, limit)
    package = feed.release_package(
        releases, uri=_page_url(start, limit), published_date=_published_date()
    )
    if cursor is not None:
        package['links'] = {'next': _page_url(cursor, limit)}
    return jsonify(package)


def _page_url(cursor, limit) -> str:
    since = {'since': cursor.since.isoformat()} if cursor.since else {}
    return url('api.ocds_releases', **since, after=cursor.after, limit=limit)


@bp.get('/ocds/records/<ocid>')
def ocds_record(ocid):
    return jsonify(feed.record_package(_tender(ocid), published_date=_published_date()))


describe()
