"""The report rows kept fresh: a tender's row and bidder rows are rebuilt when the log shows an
event about it (its tender index, `audit_event_tender`) — publication, bids, opening, decision,
announcement, objections, award, contract, failure, cancellation, retender all log one — and
when its bid deadline passes (the bids count from then). `refresh` folds in what changed since
its mark and runs from the clock (`flask lpse tick`); `refresh_all` rebuilds every row
(`flask lpse reports-refresh --all`). Either re-sums the rows' totals it changed
(lpse.auditor.reports.sums) in the same transaction."""

from zoneinfo import ZoneInfo

from sqlalchemy import delete, func, insert, select

from lpse.audit import AuditEvent, AuditEventTender
from lpse.auditor.reports import sums
from lpse.auditor.reports.models import TenderReportBid, TenderReportMark, TenderReportRow
from lpse.bids.models import Bid, BidStatus
from lpse.evaluation.decision import approved_proposal
from lpse.evaluation.objection_models import AwardLetter, Objection, ObjectionStatus
from lpse.extensions import db
from lpse.opening.models import OpenedBid
from lpse.tenders.models import Tender, TenderStatus

BATCH = 200
# The tender's filter columns each bid row carries (lpse.auditor.reports.models).
BID_COLUMNS = (
    'code',
    'agency_id',
    'work_unit_id',
    'fiscal_year',
    'category',
    'selection_method',
    'status',
    'superseded',
    'hps',
)
OUTCOMES = ('running', 'decided', 'awarded', 'contracted', 'completed', 'failed', 'cancelled')


def outcome_of(tender) -> str:
    """Where the tender's recorded decisions put it (not the clock)."""
    if tender.status in (TenderStatus.cancelled, TenderStatus.failed):
        return str(tender.status)
    for name, milestone in (
        ('completed', tender.handed_over_at),
        ('contracted', tender.contract_signed_at),
        ('awarded', tender.award_issued_at),
        ('decided', tender.winner_decided_at),
    ):
        if milestone is not None:
            return name
    return 'running'


def days_between(start, end, zone) -> int | None:
    """Calendar days from ``start`` to ``end`` in the tender's zone (None while not reached)."""
    if start is None or end is None:
        return None
    tz = ZoneInfo(zone)
    return (end.astimezone(tz).date() - start.astimezone(tz).date()).days


def _winner(tender):
    """(vendor id, price): the SPPBJ's once issued, else the approved result's winner at its
    opened price."""
    award = db.session.scalar(select(AwardLetter).where(AwardLetter.tender_id == tender.id))
    if award is not None:
        return award.vendor_id, award.amount
    if tender.winner_decided_at is None:
        return None, None
    proposal = approved_proposal(tender)
    if proposal is None:
        return None, None
    bid = db.session.get(Bid, proposal.winner_bid_id)
    price = db.session.scalar(
        select(func.max(OpenedBid.declared_total)).where(OpenedBid.bid_id == bid.id)
    )
    return bid.vendor_id, price


def row_values(tender, *, now) -> tuple[dict, list[dict]]:
    """The report row of ``tender`` and its bidder rows, as column mappings."""
    counted = tender.bid_deadline is not None and now >= tender.bid_deadline
    vendors = (
        sorted(
            set(
                db.session.scalars(
                    select(Bid.vendor_id).where(
                        Bid.tender_id == tender.id, Bid.status == BidStatus.current
                    )
                )
            )
        )
        if counted
        else []
    )
    winner, price = _winner(tender)
    objections = db.session.execute(
        select(Objection.status, func.count())
        .where(Objection.tender_id == tender.id)
        .group_by(Objection.status)
    ).all()
    by_status = dict(objections)
    row = {
        'tender_id': tender.id,
        'code': tender.code,
        'version': tender.version,
        'title': tender.title[:300],
        'agency_id': tender.agency_id,
        'work_unit_id': tender.work_unit_id,
        'fiscal_year': tender.fiscal_year,
        'category': tender.category,
        'selection_method': tender.selection_method,
        'status': tender.status,
        'superseded': bool(tender.superseded),
        'outcome': outcome_of(tender),
        'hps': tender.hps,
        'winning_price': price,
        'winner_vendor_id': winner,
        'bidder_count': len(vendors),
        'bid_deadline': tender.bid_deadline,
        'announced_at': tender.published_at,
        'awarded_at': tender.award_issued_at,
        'contract_signed_at': tender.contract_signed_at,
        'days_to_award': days_between(tender.published_at, tender.award_issued_at, tender.timezone),
        'days_to_contract': days_between(
            tender.published_at, tender.contract_signed_at, tender.timezone
        ),
        'objections_filed': sum(by_status.values()),
        'objections_accepted': by_status.get(ObjectionStatus.accepted.value, 0),
        'end_reason': tender.end_reason,
        'computed_at': now,
    }
    copied = {name: row[name] for name in BID_COLUMNS}
    bids = [{'tender_id': tender.id, 'vendor_id': v, 'won': v == winner} | copied for v in vendors]
    return row, bids


def refresh_tenders(ids, *, now) -> int:
    """Rebuild the rows of these tenders (a draft has none) and re-sum the slices they left
    and entered (lpse.auditor.reports.sums); flushes."""
    ids = sorted(set(ids))
    slices = set()
    for start in range(0, len(ids), BATCH):
        chunk = ids[start : start + BATCH]
        slices |= sums.slices_of(chunk)
        db.session.execute(delete(TenderReportBid).where(TenderReportBid.tender_id.in_(chunk)))
        db.session.execute(delete(TenderReportRow).where(TenderReportRow.tender_id.in_(chunk)))
        rows, bids = [], []
        for tender in db.session.scalars(select(Tender).where(Tender.id.in_(chunk))):
            if tender.published_at is None:
                continue
            row, bidders = row_values(tender, now=now)
            rows.append(row)
            bids += bidders
        if rows:
            db.session.execute(insert(TenderReportRow), rows)
            slices |= {(r['agency_id'], r['fiscal_year']) for r in rows}
        if bids:
            db.session.execute(insert(TenderReportBid), bids)
    mark = db.session.get(TenderReportMark, 1)
    if mark is not None and slices:
        sums.resum(slices, mark)
    db.session.flush()
    return len(ids)


def _mark() -> TenderReportMark:
    mark = db.session.get(TenderReportMark, 1, with_for_update=True)
    if mark is None:
        mark = TenderReportMark(id=1, last_seq=0, last_run_at=None)
        db.session.add(mark)
        db.session.flush()
    return mark


def changed_tenders(since_seq: int, since_at, now) -> set[int]:
    """Ids of the tenders with an event after ``since_seq`` or whose deadline passed since
    ``since_at`` (None: ever)."""
    ids = set(
        db.session.scalars(
            select(AuditEventTender.tender_id).where(AuditEventTender.seq > since_seq).distinct()
        )
    )
    deadlines = select(Tender.id).where(Tender.bid_deadline <= now)
    if since_at is not None:
        deadlines = deadlines.where(Tender.bid_deadline > since_at)
    return ids | set(db.session.scalars(deadlines))


def refresh(*, now) -> int:
    """Fold in the tenders changed since the mark, move the mark, commit; how many rebuilt.

    The totals move to ``now`` with it: the tenders whose deadline passed since the last run
    are among those rebuilt, so re-summing their slices as of ``now`` leaves every slice right
    as of ``now``. Totals never summed, or summed for another moment than the last run (or one
    after ``now``), are summed afresh."""
    mark = _mark()
    basis = db.session.scalar(select(func.max(AuditEvent.seq))) or 0
    ids = changed_tenders(mark.last_seq, mark.last_run_at, now)
    moving = mark.summed_at is not None and mark.summed_at == mark.last_run_at <= now
    mark.summed_at = now if moving else None
    count = refresh_tenders(ids, now=now)
    if not moving:
        sums.sum_all(mark, at=now)
    mark.last_seq, mark.last_run_at = basis, now
    db.session.commit()
    return count


def refresh_all(*, now) -> int:
    """Rebuild every tender's rows and their totals and move the mark; commits."""
    mark = _mark()
    basis = db.session.scalar(select(func.max(AuditEvent.seq))) or 0
    mark.summed_at = None  # summed once, after the rows
    count = refresh_tenders(db.session.scalars(select(Tender.id)).all(), now=now)
    sums.sum_all(mark, at=now)
    mark.last_seq, mark.last_run_at = basis, now
    db.session.commit()
    return count
