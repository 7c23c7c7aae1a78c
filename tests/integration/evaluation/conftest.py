"""Evaluation fixtures: a tender in its evaluation stage whose bids have been opened.

`opened_tender(bids=[...], **tender_changes)` publishes a tender (the tender tests' cast and
factory), gives each bid a verified vendor, and records the opening as the opening ceremony
does (a completed `OpeningCeremony` and an `OpenedBid` per envelope with its `bid.json`).
The envelopes themselves are not sealed here: evaluation reads only what opening recorded."""

import hashlib
import itertools
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

import pytest
from tenders.conftest import (  # noqa: F401 — fixtures shared with the tender tests
    _reused_tender_keys,
    app_config,
    as_user,
    cast,
    create_tender,
    other_agency,
)
from tenders.factories import T0
from vendor_helpers import verify_vendor

from lpse import clock
from lpse.bids import sealing
from lpse.bids.models import Bid, EnvelopeKind
from lpse.crypto.canonical import canonical_json
from lpse.extensions import db
from lpse.opening.models import OpenedBid, OpeningCeremony
from lpse.tenders.stages import Stage

_serial = itertools.count(1)
NOW = T0  # create_tender leaves the clock at T0, 30 minutes into the target stage


@dataclass
class BidSpec:
    """One bidder: company, unit prices by BoQ position (None = unpriced), TKDN, and raw
    changes to its bid.json (e.g. other price lines)."""

    company: str
    prices: dict = field(default_factory=dict)
    tkdn: str = '0'
    small: bool = False
    changes: dict = field(default_factory=dict)
    openable: bool = True


def _fake_bid(tender, vendor, user, kind) -> Bid:
    n = next(_serial)
    bid = Bid(
        tender_id=tender.id,
        vendor_id=vendor.id,
        submitted_by_id=user.id,
        kind=kind.value,
        status='current',
        sha256=hashlib.sha256(f'bid-{n}'.encode()).hexdigest(),
        size=1000 + n,
        submission_signature=b'signature',
        signer_serial=f'{n:x}',
        receipt_number=f'{tender.code}-R{n:04d}',
        received_at=tender.bid_deadline - timedelta(hours=1),
        audit_seq=0,
        receipt_json='{}',
    )
    db.session.add(bid)
    db.session.flush()
    return bid


def record_opened(tender, vendor, bid, document, *, ceremony, openable=True) -> OpenedBid:
    row = OpenedBid(
        ceremony_id=ceremony.id,
        bid_id=bid.id,
        tender_id=tender.id,
        vendor_id=vendor.id,
        result='opened' if openable else 'not_openable',
        reason=None if openable else 'signature_invalid',
        signature_valid=openable,
        bid_json=canonical_json(document) if openable else None,
        declared_total=Decimal(document['declared_total'])
        if 'declared_total' in document
        else None,
        tkdn=Decimal(document['tkdn']) if 'tkdn' in document else None,
        validity_days=document.get('validity_days'),
    )
    db.session.add(row)
    return row


def ceremony_of(tender, kind) -> OpeningCeremony:
    row = OpeningCeremony(
        tender_id=tender.id, kind=kind, started_at=clock.now(), opened_at=clock.now()
    )
    db.session.add(row)
    db.session.flush()
    return row


DEFAULT_BIDS = (
    BidSpec('PT Satu', {1: Decimal('450000'), 2: Decimal('480000')}),  # 1,410,000,000
    BidSpec('PT Dua', {1: Decimal('400000'), 2: Decimal('470000')}),  # 1,340,000,000
    BidSpec('PT Tiga', {1: Decimal('480000'), 2: Decimal('490000')}),  # 1,460,000,000
)


@pytest.fixture
def opened_tender(create_tender, person):  # noqa: F811
    """`opened_tender(bids=DEFAULT_BIDS, **changes)` → (tender, [Bid of each bidder])."""

    def make(bids=DEFAULT_BIDS, **changes):
        tender = create_tender(Stage.evaluation, **changes)
        two_files = tender.submission_files == 2
        ceremony = ceremony_of(tender, 'technical' if two_files else 'single')
        result = []
        for n, spec in enumerate(bids, start=1):
            user = person(f'penyedia{n}.{next(_serial)}@contoh.co.id', 'vendor')
            vendor = verify_vendor(user, company=spec.company)
            vendor.size_class = 'kecil' if spec.small else 'non_kecil'
            kinds = (EnvelopeKind.technical,) if two_files else (EnvelopeKind.single,)
            kind = kinds[0]
            document = sealing.bid_document(
                tender, vendor, kind, prices=spec.prices, tkdn=spec.tkdn, validity_days=90
            )
            document |= spec.changes
            bid = _fake_bid(tender, vendor, user, kind)
            record_opened(tender, vendor, bid, document, ceremony=ceremony, openable=spec.openable)
            bid.spec = spec
            result.append(bid)
        tender.bids_opened_at = clock.now()
        db.session.commit()
        return tender, result

    return make


def open_price_envelopes(tender, bids):
    """Two-file tenders: the File II ceremony, opening the price envelope of every bidder whose
    File I passed (`technical_pass`, which the evaluation sets)."""
    ceremony = ceremony_of(tender, 'price')
    for first in bids:
        opened = db.session.scalar(db.select(OpenedBid).where(OpenedBid.bid_id == first.id))
        vendor = first.vendor
        document = sealing.bid_document(
            tender, vendor, EnvelopeKind.price, prices=first.spec.prices, tkdn='0', validity_days=1
        )
        price_bid = _fake_bid(tender, vendor, first.vendor.user, EnvelopeKind.price)
        if opened.technical_pass:
            record_opened(tender, vendor, price_bid, document, ceremony=ceremony)
        else:
            db.session.add(
                OpenedBid(
                    ceremony_id=ceremony.id,
                    bid_id=price_bid.id,
                    tender_id=tender.id,
                    vendor_id=vendor.id,
                    result='not_opened',
                )
            )
    db.session.commit()


@pytest.fixture
def pokja(cast):  # noqa: F811
    return [cast['pokja'], cast['pokja2'], cast['pokja3']]


from .sanggah_fixtures import announced, decided  # noqa: E402, F401 — announcement/objection tests
