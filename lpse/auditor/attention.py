"""What the auditor's home page says needs attention, inside the auditor's scope: tenders with
objections still unanswered, failed tenders, and reconciliation drift (national readers)."""

from dataclasses import dataclass

from sqlalchemy import func, select

from lpse import statelog
from lpse.evaluation.objection_models import Objection, ObjectionStatus
from lpse.extensions import db
from lpse.tenders.models import Tender, TenderStatus

LIMIT = 50  # rows per list; the log search finds the rest


@dataclass(frozen=True)
class Attention:
    open_objections: list  # (tender, number of pending objections, oldest filing)
    failed: list  # tenders
    drift: object  # the latest finished ReconcileRun when it found differences, else None


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
    """The newest finished reconciliation, when it found differences (whole-log readers only)."""
    if not scope.national:
        return None
    run = db.session.scalars(
        select(statelog.ReconcileRun)
        .where(statelog.ReconcileRun.status.in_(('agree', 'differ')))
        .order_by(statelog.ReconcileRun.id.desc())
        .limit(1)
    ).first()
    return run if run is not None and run.status == 'differ' else None


def for_scope(scope) -> Attention:
    return Attention(open_objections(scope), failed_tenders(scope), drift(scope))
