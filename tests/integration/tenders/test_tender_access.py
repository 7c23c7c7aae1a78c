"""Walk every tender route as every kind of visitor: the status must be exactly the expected."""

import pytest
from matrix import walk
from matrix_tenders import MATRIX, PUBLISHED, WHO
from sqlalchemy import select

from lpse import clock
from lpse.auth import operations as auth_ops
from lpse.extensions import db
from lpse.tenders import questions
from lpse.tenders.documents import Document
from lpse.tenders.stages import Phase, Stage

from .factories import T0, login


@pytest.mark.parametrize('who', WHO)
def test_tender_access_matrix(client, create_tender, cast, who):
    draft = create_tender('draft')
    live = create_tender(Stage.clarification)
    failed = create_tender(Phase.failed)
    clock.set_now(T0)
    question = questions.ask_question(live, body='Apakah ada survei?', actor=cast['vendor'], now=T0)
    doc = db.session.scalars(select(Document).where(Document.tender_id == live.id)).first()
    db.session.commit()
    headers = {}
    if who != 'anonymous':
        assert login(client, cast[who].email).status_code == 302
        _row, token = auth_ops.create_token(cast[who], 'matrix', now=T0)
        db.session.commit()
        headers = {'Authorization': f'Bearer {token}'}
    values = {
        'draft': draft.code,
        'live': live.code,
        'failed': failed.code,
        'doc': doc.id,
        'question': question.id,
    }
    wrong = walk(client, MATRIX, who, headers, **values)
    assert wrong == {}, f'(got, expected) for {who}'
    wrong = walk(client, PUBLISHED, who, headers, **values)
    assert wrong == {}, f'(got, expected) on a published tender for {who}'
