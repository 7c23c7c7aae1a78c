"""The audit bundle as a job: built by the worker with the page's progress bar, kept as the
job's result, taken by its auditor while the assignment still covers the tender (each taking
logged as `read.bundle`).

One job per auditor and state of the tender: the key names the tender's last logged change
(reads left out), so asking again before anything changed gives the bundle already built."""

from flask import abort
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from lpse import clock, jobs
from lpse.audit import AuditEvent, AuditEventTender
from lpse.auditor.bundle import service
from lpse.auth.scope import active_scope
from lpse.extensions import db
from lpse.proxies import client_ip
from lpse.tenders.models import Tender

KIND = 'audit.bundle'


def _last_change(tender) -> int:
    return (
        db.session.scalar(
            select(func.max(AuditEvent.seq))
            .join(AuditEventTender, AuditEventTender.seq == AuditEvent.seq)
            .where(AuditEventTender.tender_id == tender.id, AuditEvent.action.not_like('read.%'))
        )
        or 0
    )


def request_bundle(tender, user):
    """The bundle job of ``user`` for the tender as it is now (submitted if new; the caller
    commits, which queues it)."""
    key = f'{tender.id}:{_last_change(tender)}:{user.id}'
    return jobs.submit(KIND, key=key, actor=user, tender=tender, tender_id=tender.id)


def _may_take(job, user):
    tender = db.session.get(Tender, job.tender_id) if job.tender_id else None
    scope = active_scope(user, clock.now())
    if tender is None or scope is None or not scope.covers(tender):
        abort(403)
    service.record_download(tender, job.result_info, actor=user, now=clock.now(), ip=client_ip())


@jobs.task(KIND, label=_l('Bundel audit tender'), on_read=_may_take)
def build(job, *, tender_id):
    tender = db.session.get(Tender, tender_id)
    checkpoint = service.prepare(tender, now=clock.now())
    fh, manifest = service.build_file(tender, checkpoint, progress=job.progress)
    with fh:
        job.store_result(
            fh, service.download_name(tender), 'application/zip', service.summary(manifest)
        )
