"""Walk every bid route as every kind of visitor: the status must be exactly the expected."""

import pytest
from matrix import walk
from matrix_bids import BEFORE_DEADLINE, MATRIX
from matrix_tenders import WHO
from tenders.factories import login

from lpse import clock
from lpse.auth import operations as auth_ops
from lpse.bids import commitment
from lpse.extensions import db
from lpse.tenders.stages import Stage

from .conftest import T0, VENDOR_KEY, seal, sig_header


@pytest.mark.parametrize('who', WHO)
def test_bid_access_matrix(client, create_tender, cast, bidder, who):
    closed = create_tender(Stage.bid_opening)
    bidding = create_tender(Stage.bid_submission)
    clock.set_now(T0)
    _row, vendor_token = auth_ops.create_token(bidder, 'bid', now=T0)
    db.session.commit()
    p7m, sig = seal(bidding, bidder, VENDOR_KEY)
    made = client.post(
        f'/api/v1/tenders/{bidding.code}/bids',
        data=p7m,
        headers={
            'Authorization': f'Bearer {vendor_token}',
            'Content-Type': 'application/pkcs7-mime',
            'X-LPSE-Submission-Signature': sig_header(sig),
        },
    )
    assert made.status_code == 201
    from lpse.bids.models import Bid

    bid = db.session.scalar(db.select(Bid))
    headers = {}
    if who != 'anonymous':
        assert login(client, cast[who].email).status_code == 302
        _row, token = auth_ops.create_token(cast[who], 'matrix', now=T0)
        db.session.commit()
        headers = {'Authorization': f'Bearer {token}'}
    commitment.commit_due(now=T0)  # the deadline job: the closed tender's set is committed
    db.session.commit()
    values = {'bidding': bidding.code, 'closed': closed.code, 'bid': bid.id}
    assert walk(client, BEFORE_DEADLINE, who, headers, **values) == {}
    assert walk(client, MATRIX, who, headers, **values) == {}, f'(got, expected) for {who}'
