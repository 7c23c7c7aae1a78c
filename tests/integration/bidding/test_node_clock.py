"""Every node takes the deadline clock from the database: a node whose own clock is 10 minutes
off still refuses a late bid and accepts an on-time one (ARCHITECTURE §7, docs/OPERATIONS.md)."""

from datetime import UTC, timedelta

import pytest
import tenders.conftest as tender_fixtures
from sqlalchemy import text

from lpse import clock
from lpse.bids.models import Bid
from lpse.extensions import db
from lpse.tenders.stages import Stage

from .conftest import PG_URL, VENDOR_KEY, seal

SKEW = timedelta(minutes=10)
pytestmark = pytest.mark.skipif(not PG_URL, reason='on SQLite the node clock is the clock')


def database_now():
    return db.session.scalar(text('SELECT clock_timestamp()')).astimezone(UTC)


def tender_with_deadline_in(create_tender, monkeypatch, delta):
    """A bid-submission tender whose deadline is `delta` from the database's time now."""
    # create_tender builds at T0 (+30 min into the stage); the bid stage lasts 71.5 h from there.
    start = database_now() + delta - timedelta(hours=71, minutes=30)
    monkeypatch.setattr(tender_fixtures, 'T0', start)
    return create_tender(Stage.bid_submission)


def skew_local_clock(monkeypatch, skew):
    """The process's own clock runs `skew` off the real time; the database's does not."""
    real = clock.local_now
    clock.set_now(None)
    monkeypatch.setattr(clock, 'local_now', lambda: real() + skew)


def test_an_on_time_bid_is_accepted_by_a_node_running_ahead(
    create_tender, bidder, token, post_bid, monkeypatch
):
    tender = tender_with_deadline_in(create_tender, monkeypatch, timedelta(minutes=5))
    p7m, sig = seal(tender, bidder, VENDOR_KEY)
    headers = token(bidder)
    skew_local_clock(monkeypatch, SKEW)
    assert clock.local_now() > tender.bid_deadline  # the node alone would call it late
    response = post_bid(tender, p7m, sig, headers)
    assert response.status_code == 201, response.get_data(as_text=True)
    db.session.expire_all()
    bid = db.session.scalar(db.select(Bid))
    assert abs(bid.received_at - database_now()) < timedelta(minutes=1)


def test_a_late_bid_is_refused_by_a_node_running_behind(
    create_tender, bidder, token, post_bid, monkeypatch
):
    tender = tender_with_deadline_in(create_tender, monkeypatch, -timedelta(minutes=5))
    p7m, sig = seal(tender, bidder, VENDOR_KEY)
    headers = token(bidder)
    skew_local_clock(monkeypatch, -SKEW)
    assert clock.local_now() < tender.bid_deadline  # the node alone would call it on time
    response = post_bid(tender, p7m, sig, headers)
    assert response.status_code == 409, response.get_data(as_text=True)
    assert response.get_json()['error']['code'] == 'deadline_passed'
    db.session.expire_all()
    assert db.session.scalar(db.select(Bid)) is None


def test_every_reading_in_a_request_is_the_database_time(app, monkeypatch):
    skew_local_clock(monkeypatch, SKEW)
    with app.test_request_context():
        assert abs(clock.now() - database_now()) < timedelta(seconds=5)
