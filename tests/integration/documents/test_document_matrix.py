"""Walk every checkpoint, verification and document route as everyone who matters."""

import pytest
from helpers import PASSWORD
from matrix import walk
from matrix_documents import ANON, MATRIX, WHO

from lpse import clock
from lpse.auth import operations as auth_ops
from lpse.extensions import db


@pytest.mark.parametrize('who', WHO)
def test_document_access_matrix(client, cast, issued, who):
    headers = {}
    if who != ANON:
        user = cast[who]
        response = client.post('/auth/login', data={'email': user.email, 'password': PASSWORD})
        assert response.status_code == 302
        _row, token = auth_ops.create_token(user, 'matrix', now=clock.now())
        db.session.commit()
        headers = {'Authorization': f'Bearer {token}'}
    wrong = walk(client, MATRIX, who, headers, doc=issued.id)
    assert wrong == {}, f'(got, expected) for {who}'
