"""Every open data route × every role (and anonymous): public, the same for all."""

import pytest
from helpers import login
from matrix import ALL, ANON, walk
from matrix_opendata import MATRIX

from lpse import clock
from lpse.auth import operations
from lpse.extensions import db
from lpse.opendata import bulk
from lpse.opendata.releases import ocid
from lpse.tenders.stages import Phase


@pytest.mark.parametrize('who', ALL)
def test_opendata_matrix(app, client, cast, create_tender, who):
    tender = create_tender(Phase.cancelled)
    bulk.regenerate(now=clock.now())
    headers = {}
    if who != ANON:
        assert login(client, cast[who].email).status_code == 302
        _row, token = operations.create_token(cast[who], 'matrix', now=clock.now())
        db.session.commit()
        headers = {'Authorization': f'Bearer {token}'}
    assert walk(client, MATRIX, who, headers, ocid=ocid(tender)) == {}, f'(got, expected) {who}'
