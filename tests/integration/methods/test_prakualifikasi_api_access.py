"""Walk every prequalification API route as every kind of visitor
(tests/integration/matrix_prequalification_api.py): the status must be exactly the expected one."""

import pytest
from matrix import walk
from matrix_prequalification_api import MATRIX, WHO_P
from matrix_tenders import ANON

from lpse import clock
from lpse.auth import operations as auth_ops
from lpse.extensions import db
from lpse.tenders.stages import Stage

from .prequal_helpers import at, firm, send


@pytest.mark.parametrize('who', WHO_P)
def test_prequalification_api_access_matrix(client, create_tender, cast, person, who):
    tender = create_tender(Stage.announcement, qualification_method='prakualifikasi')
    sender = firm(person, 1)
    row = send(tender, sender)
    at(tender, Stage.qualification_evaluation)
    headers = {}
    if who != ANON:
        user = sender if who == 'firm' else cast[who]
        _row, token = auth_ops.create_token(user, 'matrix', now=clock.now())
        db.session.commit()
        headers = {'Authorization': f'Bearer {token}'}
    wrong = walk(client, MATRIX, who, headers, code=tender.code, submission=row.id)
    assert wrong == {}, f'(got, expected) for {who}'
