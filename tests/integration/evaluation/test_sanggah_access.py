"""Walk every announcement, objection and award route as every kind of visitor (the matrix
in tests/integration/matrix_sanggah.py): the status must be exactly the expected one."""

import io

import pytest
from matrix import walk
from matrix_sanggah import ANNOUNCED, MATRIX, WHO_S
from tenders.factories import PDF, login

from lpse import clock
from lpse.auth import operations as auth_ops
from lpse.evaluation import announcement, objections
from lpse.extensions import db

from .sanggah_fixtures import LOSER, RESERVE, announcement_time, approve, evaluate, vendor_user


@pytest.mark.parametrize('who', WHO_S)
def test_sanggah_access_matrix(client, opened_tender, pokja, cast, who):
    decided, decided_bids = opened_tender()
    evaluate(decided, decided_bids, pokja)
    approve(decided, pokja)
    announced, bids = opened_tender()
    evaluate(announced, bids, pokja)
    approve(announced, pokja)
    row = announcement.announce_winner(announced, actor=pokja[0], now=announcement_time(announced))
    pending = objections.file_objection(
        announced,
        actor=vendor_user(bids[LOSER]),
        grounds='Keberatan atas hasil teknis.',
        attachments=[(io.BytesIO(PDF), 'bukti.pdf')],
        now=clock.now(),
    )
    answered = objections.file_objection(
        announced, actor=vendor_user(bids[RESERVE]), grounds='Keberatan harga.', now=clock.now()
    )
    objections.answer_objection(
        answered, actor=pokja[0], accepted=False, answer='Ditolak.', now=clock.now()
    )
    db.session.commit()
    user = vendor_user(bids[LOSER]) if who == 'bidder' else cast.get(who)
    headers = {}
    if who != 'anonymous':
        assert login(client, user.email).status_code == 302
        _row, token = auth_ops.create_token(user, 'matrix', now=clock.now())
        db.session.commit()
        headers = {'Authorization': f'Bearer {token}'}
    values = {
        'decided': decided.code,
        'announced': announced.code,
        'announcement': row.id,
        'objection': pending.id,
        'attachment': pending.attachments[0].id,
        'answered': answered.id,
    }
    assert walk(client, ANNOUNCED, who, headers, **values) == {}
    assert walk(client, MATRIX, who, headers, **values) == {}, f'(got, expected) for {who}'
