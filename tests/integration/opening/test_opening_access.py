"""Walk every opening route as every kind of visitor: the status must be exactly the expected
(tests/integration/matrix_opening.py)."""

import opening_helpers
import pytest
from matrix import walk
from matrix_opening import MATRIX, WAITING
from matrix_tenders import WHO
from tenders.factories import login

from lpse import clock
from lpse.auth import operations as auth_ops
from lpse.extensions import db
from lpse.tenders.stages import Stage

from .conftest import OTHER_KEY, VENDOR_KEY, submit_sealed


@pytest.mark.parametrize('who', WHO)
def test_opening_access_matrix(client, create_tender, cast, bidder, rival, members, who):
    waiting = create_tender(Stage.bid_submission)
    opened = create_tender(Stage.bid_submission)
    bid = submit_sealed(opened, bidder, VENDOR_KEY)
    submit_sealed(opened, rival, OTHER_KEY)
    submit_sealed(waiting, rival, OTHER_KEY)
    clock.set_now(opened.bid_deadline)
    opening_helpers.open_all(opened, members)
    headers = {}
    if who != 'anonymous':
        assert login(client, cast[who].email).status_code == 302
        _row, token = auth_ops.create_token(cast[who], 'matrix', now=clock.now())
        db.session.commit()
        headers = {'Authorization': f'Bearer {token}'}
    values = {'opened': opened.code, 'waiting': waiting.code, 'bid': bid.id}
    assert walk(client, WAITING, who, headers, **values) == {}, f'(got, expected) for {who}'
    assert walk(client, MATRIX, who, headers, **values) == {}, f'(got, expected) for {who}'
