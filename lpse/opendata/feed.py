"""Releases across tenders in the log's order, one tender's releases, its record, and the
packages that carry them (what the API serves and the bulk files hold).

The feed is paged by audit seq, not by date: seqs are handed out under the log head's row lock,
so they follow commit order and a reader following `links.next` never skips a release that was
committed after its last page (two writers' clocks may not). `since` filters by date."""

import re
from dataclasses import dataclass, replace
from datetime import datetime

from flask import current_app
from sqlalchemy import select

from lpse.audit import AuditEvent, AuditEventTender
from lpse.extensions import db
from lpse.opendata import history, standard
from lpse.opendata.releases import build_releases, documents_of, ocid, url
from lpse.tenders.models import Tender, TenderStatus

BATCH = 500


@dataclass(frozen=True)
class Cursor:
    """A position in the feed: releases logged at or after ``since`` (any time when None), after
    the audit seq ``after`` (the last one seen)."""

    since: datetime | None = None
    after: int = 0


def releases_of(tender) -> list[dict]:
    """Every release of one tender, oldest first."""
    events = history.events_of([tender.id])[tender.id]
    return build_releases(tender, history.snapshots(events))


def tender_for_ocid(value) -> Tender | None:
    prefix = current_app.config['LPSE_OCID_PREFIX'] + '-'
    if not isinstance(value, str) or not value.startswith(prefix):
        return None
    match = re.fullmatch(
        r'(?P<code>.+?)(?:-v(?P<version>[2-9]|[1-9]\d{1,5}))?', value[len(prefix) :]
    )
    tender = db.session.scalar(
        select(Tender).where(
            Tender.code == match['code'],
            Tender.version == int(match['version'] or 1),
            Tender.status != TenderStatus.draft,
        )
    )
    return tender if tender is not None and ocid(tender) == value else None


def page(cursor: Cursor, limit: int) -> tuple[list[dict], Cursor | None]:
    """Up to ``limit`` releases from ``cursor`` in log order, and the cursor of the next page
    (None at the end)."""
    found = []
    while len(found) < limit:
        events = _public_events(cursor, BATCH)
        if not events:
            return found, None
        built = _releases_by_seq({e.tender_id for e in events})
        for event in events:
            cursor = replace(cursor, after=event.seq)
            if event.seq in built:
                found.append(built[event.seq])
                if len(found) == limit:
                    break
        if len(events) < BATCH and events[-1].seq == cursor.after:
            return found, None
    return found, cursor


def public_events():
    """The public changes (seq, tender id): of the tenders and of their contracts."""
    return (
        select(AuditEvent.seq, AuditEventTender.tender_id)
        .join(AuditEventTender, AuditEventTender.seq == AuditEvent.seq)
        .where(AuditEvent.action.in_(history.PUBLIC))
    )


def _public_events(cursor, limit):
    query = public_events().where(AuditEvent.seq > cursor.after)
    if cursor.since is not None:
        query = query.where(AuditEvent.occurred_at >= cursor.since)
    return db.session.execute(query.order_by(AuditEvent.seq).limit(limit)).all()


def _releases_by_seq(tender_ids) -> dict[int, dict]:
    tenders = db.session.scalars(select(Tender).where(Tender.id.in_(tender_ids))).all()
    events = history.events_of([t.id for t in tenders])
    documents = documents_of([t.id for t in tenders])
    return {
        release_seq(release): release
        for tender in tenders
        for release in build_releases(
            tender, history.snapshots(events[tender.id]), documents=documents.get(tender.id, [])
        )
    }


def release_seq(release) -> int:
    """The audit seq a release was made from (the last part of its id)."""
    return int(release['id'].rsplit('-', 1)[1])


def _publisher() -> dict:
    return {'name': current_app.config['LPSE_OCDS_PUBLISHER'], 'uri': url('main.index')}


def release_package(releases, *, uri, published_date) -> dict:
    return {
        'uri': uri,
        'version': standard.OCDS_VERSION,
        'extensions': standard.EXTENSIONS,
        'publishedDate': published_date,
        'publisher': _publisher(),
        'publicationPolicy': url('opendata.policy'),
        'releases': releases,
    }


def record_package(tender, *, published_date) -> dict:
    """The record of one tender's contracting process: links to its releases (in the release
    package of that ocid) and the compiled release."""
    releases = releases_of(tender)
    source = url('api.ocds_releases', ocid=ocid(tender))
    record = {
        'ocid': ocid(tender),
        'releases': [
            {'url': f'{source}#{r["id"]}', 'date': r['date'], 'tag': r['tag']} for r in releases
        ],
        'compiledRelease': standard.compile_releases(releases),
    }
    return {
        'uri': url('api.ocds_record', ocid=ocid(tender)),
        'version': standard.OCDS_VERSION,
        'extensions': standard.EXTENSIONS,
        'publishedDate': published_date,
        'publisher': _publisher(),
        'publicationPolicy': url('opendata.policy'),
        'packages': [source],
        'records': [record],
    }
