"""The facts the rules read, loaded from the database and limited to what the moment allows:
bid metadata (IP, user agent, time) only once the deadline has passed, bid content only from
envelopes already opened, the winner only once decided (docs/RED_FLAGS.md, Visibility)."""

import json
import re
from datetime import timedelta
from decimal import Decimal

from sqlalchemy import select

from lpse.bids.models import Bid, BidStatus
from lpse.evaluation.decision import approved_proposal
from lpse.evaluation.models import EntryKind
from lpse.evaluation.worksheets import current_version
from lpse.extensions import db
from lpse.opening.models import OpenedBid, OpenResult
from lpse.redflags import pdfmeta
from lpse.redflags.rules import BidFact, OpenedFact, TenderFacts, VendorFact
from lpse.tenders.models import ScheduleChange, Tender
from lpse.tenders.rules import frozen_rules_of
from lpse.tenders.stages import Stage
from lpse.vendors.models import Vendor, VendorDirector

_SPACES = re.compile(r'\s+')
_DIGITS = re.compile(r'\D')
# The bid window's minimum: the aanwijzing gap plus the gap before the deadline (frozen rules).
WINDOW_GAPS = ('clarification_after_announcement', 'deadline_after_clarification')


def _text(value) -> str:
    return _SPACES.sub(' ', (value or '').strip().lower())


def vendor_fact(vendor: Vendor, directors) -> VendorFact:
    attributes = {
        'phone': (_DIGITS.sub('', vendor.phone or '')[-9:],),
        'email': (_text(vendor.email),),
        'address': (_text(f'{vendor.address} {vendor.city}'),),
        'bank_account': (vendor.bank_account or '',),
        'director_nik': tuple(sorted({d.nik for d in directors if d.nik})),
        'director_name': tuple(sorted({_text(d.name) for d in directors if d.name})),
    }
    return VendorFact(vendor.id, vendor.company_name, attributes)


def vendors(ids) -> dict[int, VendorFact]:
    if not ids:
        return {}
    rows = db.session.scalars(select(Vendor).where(Vendor.id.in_(ids))).all()
    directors = {}
    for d in db.session.scalars(select(VendorDirector).where(VendorDirector.vendor_id.in_(ids))):
        directors.setdefault(d.vendor_id, []).append(d)
    return {v.id: vendor_fact(v, directors.get(v.id, ())) for v in rows}


def current_bids(tender) -> list[Bid]:
    return db.session.scalars(
        select(Bid)
        .where(Bid.tender_id == tender.id, Bid.status == BidStatus.current)
        .order_by(Bid.received_at, Bid.id)
    ).all()


def _opened(tender) -> list[OpenedFact]:
    rows = db.session.scalars(
        select(OpenedBid).where(
            OpenedBid.tender_id == tender.id, OpenedBid.result == OpenResult.opened
        )
    ).all()
    kept = pdfmeta.stored(rows)
    facts = []
    for row in rows:
        data = json.loads(row.bid_json)
        facts.append(
            OpenedFact(
                bid_id=row.bid_id,
                vendor_id=row.vendor_id,
                total=row.declared_total,
                unit_prices={
                    line['item']: line['unit_price'] for line in data.get('price_lines', ())
                },
                attachments=tuple((a['name'], a['sha256']) for a in data.get('attachments', ())),
                pdf_meta=_pdf_meta(row, kept),
            )
        )
    # A two-file tender: the price envelope carries the total; one fact per vendor and envelope.
    return facts


def _pdf_meta(row, kept):
    if row.id in kept:
        return kept[row.id]
    return pdfmeta.envelope_pdfs(row.id, row.bid.sha256) if row.content_key else ()


def _min_window(tender) -> timedelta | None:
    rules = frozen_rules_of(tender)
    if rules is None:
        return None
    hours = sum(float(rules.min_gaps.get(name, 0)) for name in WINDOW_GAPS)
    return timedelta(hours=hours) if hours else None


def _admin_failed(tender, bids_by_id) -> frozenset[int]:
    version = current_version(tender)
    if version is None:
        return frozenset()
    return frozenset(
        bids_by_id[e.bid_id].vendor_id
        for e in version.entries
        if e.kind == EntryKind.administration and e.passed is False and e.bid_id in bids_by_id
    )


def tender_facts(tender: Tender, now) -> TenderFacts:
    """What the rules may see of ``tender`` at ``now``."""
    after_deadline = tender.bid_deadline is not None and now >= tender.bid_deadline
    bids = current_bids(tender) if after_deadline else []
    opened = _opened(tender) if tender.bids_opened_at is not None else []
    proposal = approved_proposal(tender) if opened else None
    bids_by_id = {b.id: b for b in bids}
    changes = db.session.scalars(
        select(ScheduleChange)
        .where(
            ScheduleChange.tender_id == tender.id,
            ScheduleChange.stage == Stage.bid_submission,
        )
        .order_by(ScheduleChange.changed_at)
    ).all()
    winner = db.session.get(Bid, proposal.winner_bid_id) if proposal else None
    return TenderFacts(
        code=tender.code,
        hps=Decimal(tender.hps),
        published_at=tender.published_at,
        deadline=tender.bid_deadline,
        min_bid_window=_min_window(tender),
        deadline_changes=tuple((c.changed_at, c.old_ends_at, c.new_ends_at) for c in changes),
        bids=tuple(BidFact(b.id, b.vendor_id, b.received_at, b.ip, b.user_agent) for b in bids),
        vendors=vendors({b.vendor_id for b in bids}),
        opened=tuple(opened),
        admin_failed=_admin_failed(tender, bids_by_id) if proposal else frozenset(),
        winner_vendor_id=winner.vendor_id if winner else None,
    )
