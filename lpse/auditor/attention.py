"""What the auditor's home page says needs attention, inside the auditor's scope: tenders with
objections still unanswered, failed tenders, reconciliation drift (national readers), and the
auditor's own bundles being built or ready to download."""

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import func, select

from lpse import statelog
from lpse.auditor.bundle import tasks as bundle_tasks
from lpse.evaluation.objection_models import Objection, ObjectionStatus
from lpse.extensions import db
from lpse.jobs import Job
from lpse.tenders import operations as tender_ops
from lpse.tenders.models import Tender, TenderStatus

LIMIT = 50  # rows per list; the log search finds the rest
BUNDLE_DAYS = 7


@dataclass(frozen=True)
class Attention:
    open_objections: list  # (tender, number of pending objections, oldest filing)
    failed: list  # tenders
    drift: object  # the latest finished ReconcileRun (national readers), else None
    bundles: list = ()  # the user's audit-bundle jobs of the last BUNDLE_DAYS, newest first
    agencies: list = ()  # a scoped reader's assigned agencies
    tenders: list = ()  # a scoped reader's assigned tenders (their current versions)


def _in_scope(stmt, scope):
    clause = scope.tender_clause(Tender.agency_id, Tender.code)
    return stmt if clause is None else stmt.where(clause)


def open_objections(scope) -> list:
    stmt = (
        select(Tender, func.count(Objection.id), func.min(Objection.filed_at))
        .join(Objection, Objection.tender_id == Tender.id)
        .where(Objection.status == ObjectionStatus.pending.value)
        .group_by(Tender.id)
        .order_by(func.min(Objection.filed_at), Tender.id)
        .limit(LIMIT)
    )
    return [tuple(row) for row in db.session.execute(_in_scope(stmt, scope))]


def failed_tenders(scope) -> list:
    stmt = (
        select(Tender)
        .where(Tender.status == TenderStatus.failed.value)
        .order_by(Tender.id.desc())
        .limit(LIMIT)
    )
    return db.session.scalars(_in_scope(stmt, scope)).all()


def drift(scope):
    """The newest finished reconciliation, whatever it found (whole-log readers only); None
    when none has finished yet."""
    if not scope.national:
        return None
    return db.session.scalars(
        select(statelog.ReconcileRun)
        .where(statelog.ReconcileRun.status.in_(('agree', 'differ')))
        .order_by(statelog.ReconcileRun.id.desc())
        .limit(1)
    ).first()


def bundles(user, now) -> list:
    """The user's bundle jobs (queued, running, done or failed) of the last BUNDLE_DAYS."""
    return db.session.scalars(
        select(Job)
        .where(
            Job.kind == bundle_tasks.KIND,
            Job.actor_id == user.id,
            Job.created_at >= now - timedelta(days=BUNDLE_DAYS),
        )
        .order_by(Job.id.desc())
        .limit(LIMIT)
    ).all()


def for_scope(scope, user, now) -> Attention:
    agencies, tenders = tender_ops.assigned_to(scope)
    return Attention(
        open_objections(scope),
        failed_tenders(scope),
        drift(scope),
        bundles(user, now),
        agencies,
        tenders,
    )
