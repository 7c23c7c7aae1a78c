"""Red flags kept up to date: each tender's flags are recomputed when something they read has
changed, and stored (lpse.redflags.models) so an agency's page, ranking and network read rows
instead of recomputing every tender.

What can change a tender's flags, and how a refresh finds it since its last mark:
- an event about the tender or one of its objects (bids, opening, evaluation, announcement,
  schedule changes, dismissals) — the log's tender index (`audit_event_tender`);
- a change to the data of a vendor that bid in it (vendor events in the log);
- its bid deadline passing (bid metadata becomes visible to the rules then).
A refresh recomputes exactly those tenders (the incremental update), `refresh_all` every tender
(a rebuild, e.g. after a rule changed). Both run from the clock (`flask lpse tick`)."""

import json
from itertools import combinations

from sqlalchemy import func, select

from lpse.audit import AuditEvent, AuditEventTender
from lpse.bids.models import Bid, BidStatus
from lpse.extensions import db
from lpse.opening.models import OpenedBid, OpenResult
from lpse.redflags import pdfmeta, report
from lpse.redflags.catalog import RULES
from lpse.redflags.models import RedFlagMark, RedFlagSummary
from lpse.tenders.models import Tender

VENDOR_OBJECTS = ('vendor', 'vendor_director', 'vendor_licence', 'vendor_document')
BATCH = 200


def _mark() -> RedFlagMark:
    mark = db.session.get(RedFlagMark, 1, with_for_update=True)
    if mark is None:
        mark = RedFlagMark(id=1, last_seq=0, last_run_at=None)
        db.session.add(mark)
        db.session.flush()
    return mark


def _last_seq() -> int:
    return db.session.scalar(select(func.max(AuditEvent.seq))) or 0


def changed_tenders(since_seq: int, since_at, now) -> set[int]:
    """Ids of the tenders whose flags may have changed after log seq ``since_seq`` / time
    ``since_at`` (None: ever)."""
    ids = set(
        db.session.scalars(
            select(AuditEventTender.tender_id).where(AuditEventTender.seq > since_seq).distinct()
        )
    )
    vendor_events = (
        select(AuditEvent.object_id)
        .where(AuditEvent.seq > since_seq, AuditEvent.object_type == 'vendor')
        .distinct()
    )
    vendor_ids = [int(v) for v in db.session.scalars(vendor_events) if str(v).isdigit()]
    if vendor_ids:
        ids |= set(
            db.session.scalars(
                select(Bid.tender_id)
                .where(Bid.vendor_id.in_(vendor_ids), Bid.status == BidStatus.current)
                .distinct()
            )
        )
    deadlines = select(Tender.id).where(Tender.bid_deadline <= now)
    if since_at is not None:
        deadlines = deadlines.where(Tender.bid_deadline > since_at)
    ids |= set(db.session.scalars(deadlines))
    return ids


def refresh_tender(tender, *, now, basis_seq) -> RedFlagSummary | None:
    """Recompute and store one tender's flags (None, and no row, for a superseded tender or
    one without a deadline: nothing to flag)."""
    row = db.session.get(RedFlagSummary, tender.id)
    if tender.superseded or tender.bid_deadline is None:
        if row is not None:
            db.session.delete(row)
        return None
    if tender.bids_opened_at is not None:
        pdfmeta.keep(
            db.session.scalars(
                select(OpenedBid).where(
                    OpenedBid.tender_id == tender.id, OpenedBid.result == OpenResult.opened
                )
            ).all()
        )
    result = report.tender_report(tender, now)
    standing = result.standing
    edges = sorted(
        {
            (a, b, flag.rule)
            for flag in standing
            for evidence in flag.evidence
            if result.key(flag, evidence) not in result.dismissed
            for a, b in combinations(sorted(evidence.vendors), 2)
        }
    )
    if row is None:
        row = RedFlagSummary(tender_id=tender.id)
        db.session.add(row)
    row.agency_id = tender.agency_id
    row.flag_count = len(standing)
    row.weight = sum(RULES[f.rule].weight for f in standing)
    row.rules = ' '.join(f.rule for f in standing)
    row.edges = json.dumps([list(e) for e in edges])
    row.bidders = json.dumps(sorted({b.vendor_id for b in result.facts.bids}))
    row.winner_vendor_id = result.facts.winner_vendor_id
    row.computed_at = now
    row.basis_seq = basis_seq
    return row


def _refresh(ids, *, now, basis_seq) -> int:
    ids = sorted(ids)
    for start in range(0, len(ids), BATCH):
        chunk = ids[start : start + BATCH]
        for tender in db.session.scalars(select(Tender).where(Tender.id.in_(chunk))):
            refresh_tender(tender, now=now, basis_seq=basis_seq)
        db.session.flush()
    return len(ids)


def refresh(*, now) -> int:
    """The incremental update: recompute the tenders changed since the last mark, move the mark
    and commit. Returns how many tenders were recomputed."""
    mark = _mark()
    basis = _last_seq()
    ids = changed_tenders(mark.last_seq, mark.last_run_at, now)
    count = _refresh(ids, now=now, basis_seq=basis)
    mark.last_seq, mark.last_run_at = basis, now
    db.session.commit()
    return count


def refresh_all(*, now) -> int:
    """Recompute every tender's flags (a rebuild) and move the mark."""
    mark = _mark()
    basis = _last_seq()
    count = _refresh(db.session.scalars(select(Tender.id)).all(), now=now, basis_seq=basis)
    mark.last_seq, mark.last_run_at = basis, now
    db.session.commit()
    return count
