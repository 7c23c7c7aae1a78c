"""Public pages of the open data: the publication policy with the bulk files and their SHA-256,
the bulk files themselves, and the record link every tender page shows."""

from flask import Blueprint, abort, render_template, send_file

from lpse.opendata import bulk
from lpse.opendata.releases import ocid, url

bp = Blueprint('opendata', __name__, url_prefix='/ocds')


@bp.app_template_global()
def ocds_record_url(tender) -> str | None:
    """The record of a published tender's contracting process (None for a draft)."""
    return None if tender.is_draft else url('api.ocds_record', ocid=ocid(tender))


@bp.get('/')
def policy():
    """What is published when, what is withheld, the identifiers, the bulk files."""
    return render_template('opendata/policy.html', index=bulk.index())


def _bulk_file(year):
    listed = next((f for f in (bulk.index() or {}).get('files', ()) if f['year'] == year), None)
    if listed is None or not (bulk.folder() / listed['file']).exists():
        abort(404)
    return listed


@bp.get('/bulk/<int:year>.jsonl.gz')
def bulk_file(year):
    listed = _bulk_file(year)
    return send_file(
        bulk.folder() / listed['file'],
        mimetype='application/gzip',
        as_attachment=True,
        download_name=listed['file'],
        etag=listed['sha256'],
    )


@bp.get('/bulk/<int:year>.jsonl.gz.sha256')
def bulk_checksum(year):
    listed = _bulk_file(year)
    return f'{listed["sha256"]}  {listed["file"]}\n', 200, {'Content-Type': 'text/plain'}
