"""Walk every contract route as every kind of visitor (tests/integration/matrix_contracts.py):
the status must be exactly the expected one."""

import pytest
from matrix import walk
from matrix_contracts import DRAFT_PDF, MATRIX, WHO_C
from tenders.factories import login

from lpse import clock
from lpse.auth import operations as auth_ops
from lpse.contracts import operations as contracts
from lpse.extensions import db

from .conftest import TERMS


@pytest.mark.parametrize('who', WHO_C)
def test_contract_access_matrix(client, awarded, cast, who):
    tender, winner, loser = awarded
    contracts.draft_contract(tender, TERMS, actor=cast['ppk'], now=clock.now())
    db.session.commit()
    user = {'winner': winner, 'bidder': loser}.get(who) or cast.get(who)
    headers = {}
    if who != 'anonymous':
        assert login(client, user.email).status_code == 302
        _row, token = auth_ops.create_token(user, 'matrix', now=clock.now())
        db.session.commit()
        headers = {'Authorization': f'Bearer {token}'}
    assert walk(client, DRAFT_PDF, who, headers, code=tender.code) == {}
    assert walk(client, MATRIX, who, headers, code=tender.code) == {}, f'(got, expected) {who}'
