"""The edge's side of a bundle: a checkpoint that covers every event so far (so each of the
tender's events has its inclusion proof), and the read event of a download."""

import tempfile
from pathlib import Path

from flask import current_app

from lpse import audit, checkpoints
from lpse.auditor.bundle import contents, writer
from lpse.extensions import db


def prepare(tender, *, now):
    """The tree checkpoint the bundle proves its log slice against: the newest one if it
    covers the whole log, else one cut now (flushed; the caller commits)."""
    latest = contents.covering_checkpoint(tender)
    head = db.session.get(audit.AuditHead, 1)
    if latest is not None and head is not None and latest.seq >= head.seq:
        return latest
    return checkpoints.create_checkpoint('bundle', now=now, tender=tender)


def summary(manifest) -> dict:
    """What a built bundle holds, as its read event says: the file count and the checkpoint."""
    return {'files': len(manifest['files']), 'tree_size': manifest['checkpoint']['tree_size']}


def record_download(tender, summary, *, actor, now, ip=None):
    """Log that `actor` took the bundle (`summary`: its file count and checkpoint), committed."""
    audit.record_read(
        'bundle',
        tender,
        actor=actor,
        now=now,
        ip=ip,
        tender=tender.code,
        version=tender.version,
        files=summary['files'],
        tree_size=summary['tree_size'],
    )


def build_file(tender, checkpoint, progress=None):
    """The bundle in an anonymous temporary file under the data folder (never in memory),
    rewound for sending; and its manifest. The file vanishes when closed."""
    folder = Path(current_app.config['LPSE_DATA_DIR'])
    folder.mkdir(parents=True, exist_ok=True)
    fh = tempfile.TemporaryFile(dir=folder)  # noqa: SIM115 — send_file closes it
    try:
        manifest = writer.build_bundle(tender, fh, progress, checkpoint=checkpoint)
    except BaseException:
        fh.close()
        raise
    fh.seek(0)
    return fh, manifest


def download_name(tender) -> str:
    return f'bundel-audit-{tender.code}-v{tender.version}.zip'
