"""Who is on a tender's shortlist (the gate the prequalified methods keep) and the announced
result in force — read by the gate, the bundle and the open data."""

from sqlalchemy import select

from lpse.extensions import db
from lpse.tenders import news, schedule
from lpse.tenders.models import QualificationMethod
from lpse.tenders.prequalification.models import QualificationResult, QualificationSubmission
from lpse.tenders.stages import Stage
from lpse.vendors.models import Vendor


def is_shortlisted(tender, vendor) -> bool:
    if tender.shortlist_announced_at is None or vendor is None:
        return False
    return (
        db.session.scalar(
            select(QualificationSubmission.id).where(
                QualificationSubmission.tender_id == tender.id,
                QualificationSubmission.vendor_id == vendor.id,
                QualificationSubmission.shortlisted.is_(True),
            )
        )
        is not None
    )


def shortlisted(tender) -> list[QualificationSubmission]:
    """The shortlist in rank order (empty until a result is announced)."""
    return list(
        db.session.scalars(
            select(QualificationSubmission)
            .where(
                QualificationSubmission.tender_id == tender.id,
                QualificationSubmission.shortlisted.is_(True),
            )
            .order_by(QualificationSubmission.shortlist_rank)
        )
    )


def results_of(tender) -> list[QualificationResult]:
    """Every announced result, oldest first (withdrawn ones too)."""
    return list(
        db.session.scalars(
            select(QualificationResult)
            .where(QualificationResult.tender_id == tender.id)
            .order_by(QualificationResult.id)
        )
    )


def current_result(tender) -> QualificationResult | None:
    """The announced result in force (not withdrawn), or None."""
    results = [r for r in results_of(tender) if not r.is_withdrawn]
    return results[-1] if results else None


@schedule.register_frozen_stages
def _announced_objection_period(tender) -> set[Stage]:
    """The prakualifikasi sanggah period announced with the shortlist keeps its announced end."""
    return {Stage.qualification_objection} if current_result(tender) is not None else set()


@news.deadline_audience
def _only_the_shortlist(tender, people):
    """Only the shortlisted firms may bid on a prequalified tender: the other firms hear nothing
    of its bid deadline (nor does any firm before the shortlist); officials keep hearing."""
    if tender.qualification_method != QualificationMethod.prakualifikasi:
        return people
    ids = [u.id for u in people]
    firms = set(db.session.scalars(select(Vendor.user_id).where(Vendor.user_id.in_(ids))))
    listed = set()
    if tender.shortlist_announced_at is not None:
        listed = set(
            db.session.scalars(
                select(Vendor.user_id)
                .join(QualificationSubmission, QualificationSubmission.vendor_id == Vendor.id)
                .where(
                    QualificationSubmission.tender_id == tender.id,
                    QualificationSubmission.shortlisted.is_(True),
                )
            )
        )
    return [u for u in people if u.id not in firms or u.id in listed]


def ranked(result: dict) -> list[dict]:
    """The shortlist inside an announced result's JSON (`QualificationResult.result`), best rank
    first — what the public saw, the bundle carries and the verifier recomputes."""
    return sorted((v for v in result['vendors'] if v['shortlisted']), key=lambda v: v['rank'])
