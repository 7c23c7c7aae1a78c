"""A tender that went the whole way on the real paths — sealed bids submitted over the API, a
real opening ceremony, evaluation, decision, announcement, an objection answered, the award —
and its audit bundle."""

from datetime import timedelta
from decimal import Decimal

import opening_helpers
import pytest
from bidding.conftest import OTHER_KEY, VENDOR_KEY, bidder, rival  # noqa: F401
from evaluation.conftest import (  # noqa: F401 — fixtures shared with the evaluation tests
    _reused_tender_keys,
    app_config,
    as_user,
    cast,
    create_tender,
    other_agency,
    pokja,
)
from evaluation.sanggah_fixtures import announcement_time, approve, evaluate
from evaluation.test_export_after_real_opening import _submit
from tenders.conftest import token  # noqa: F401

from lpse import clock
from lpse.bids.models import Bid, BidStatus
from lpse.evaluation import announcement, award, objections
from lpse.extensions import db
from lpse.tenders.stages import Stage


@pytest.fixture
def journey(client, create_tender, cast, bidder, rival, pokja):  # noqa: F811
    """(tender, winner user, loser user): awarded, with one rejected objection."""
    tender = create_tender(Stage.bid_submission)
    _submit(client, tender, bidder, VENDOR_KEY, {1: Decimal('450000'), 2: Decimal('480000')})
    _submit(client, tender, rival, OTHER_KEY, {1: Decimal('400000'), 2: Decimal('470000')})
    clock.set_now(tender.schedule[Stage.bid_opening].start + timedelta(minutes=30))
    opening_helpers.open_all(tender, pokja)
    clock.set_now(tender.schedule[Stage.evaluation].start)
    bids = db.session.scalars(
        db.select(Bid).where(Bid.tender_id == tender.id, Bid.status == BidStatus.current.value)
    ).all()
    evaluate(tender, bids, pokja)
    approve(tender, pokja)
    row = announcement.announce_winner(tender, actor=pokja[0], now=announcement_time(tender))
    db.session.commit()
    filed = objections.file_objection(
        tender, actor=bidder, grounds='Harga pemenang tidak wajar.', now=row.announced_at
    )
    db.session.commit()
    objections.answer_objection(
        filed, actor=pokja[0], accepted=False, answer='Ditolak.', now=row.objection_ends_at
    )
    db.session.commit()
    clock.set_now(row.objection_ends_at)
    award.issue_award(tender, actor=cast['ppk'], now=row.objection_ends_at)
    db.session.commit()
    return tender, rival, bidder
