"""A submission holds two database connections at once — its session's and, for a moment, one
of its own (the upload lock, its heartbeat) — so the pool needs two per thread
(LPSE_DB_POOL_*, docs/OPERATIONS.md). With two it is received; with one left it is refused
with 503 `busy` and nothing of it is kept, instead of waiting on itself until a 500."""

from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from lpse.bids.models import Bid, BidUploadLock
from lpse.extensions import db

from .conftest import OTHER_KEY, VENDOR_KEY, seal, stored_files


@pytest.fixture
def app_config(app_config):
    return {
        **app_config,
        'LPSE_DB_POOL_SIZE': 2,
        'LPSE_DB_POOL_OVERFLOW': 0,
        'LPSE_DB_POOL_TIMEOUT': 1,
    }


def test_two_connections_receive_a_bid_one_is_a_clean_503(
    app, tender, bidder, rival, token, post_bid
):
    first, second = seal(tender, bidder, VENDOR_KEY), seal(tender, rival, OTHER_KEY)
    headers = token(bidder), token(rival)
    tender = SimpleNamespace(code=tender.code)  # the test's session lets its connection go
    db.session.remove()
    assert post_bid(tender, *first, headers[0]).status_code == 201
    files = stored_files(app)

    with db.engine.connect():  # one of the two taken: the request has one, needs a second
        refused = post_bid(tender, *second, headers[1])
    assert refused.status_code == 503
    assert refused.get_json()['error']['code'] == 'busy'
    assert refused.headers['Retry-After']
    assert db.session.scalar(select(func.count(Bid.id))) == 1
    assert db.session.scalar(select(func.count()).select_from(BidUploadLock)) == 0
    assert stored_files(app) == files

    db.session.remove()
    assert post_bid(tender, *second, headers[1]).status_code == 201  # and once it is free
