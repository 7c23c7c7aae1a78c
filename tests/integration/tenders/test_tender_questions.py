"""Aanwijzing: vendors ask in the window, the Pokja answers, the public sees no asker."""

from sqlalchemy import select

from lpse.audit import AuditEvent
from lpse.extensions import db
from lpse.tenders.questions import Question
from lpse.tenders.stages import Stage


def test_question_and_answer_round(client, create_tender, cast, as_user):
    tender = create_tender(Stage.clarification)
    as_user(cast['vendor'])
    response = client.post(
        f'/tenders/{tender.code}/questions', data={'body': 'Berapa tebal aspal?'}
    )
    assert response.status_code == 302
    question = db.session.scalars(select(Question)).one()
    assert question.asker_id == cast['vendor'].id
    as_user(cast['pokja_other'])
    response = client.post(
        f'/tenders/{tender.code}/questions/{question.id}/answer', data={'answer': 'x'}
    )
    assert response.status_code == 403
    as_user(cast['pokja3'])
    response = client.post(
        f'/tenders/{tender.code}/questions/{question.id}/answer',
        data={'answer': 'Tebal 5 cm, lihat adendum.', 'causes_addendum': 'y'},
    )
    assert response.status_code == 302
    db.session.refresh(question)
    assert question.causes_addendum and question.answered_by_id == cast['pokja3'].id
    actions = db.session.scalars(select(AuditEvent.action)).all()
    assert {'tender.question_asked', 'tender.question_answered'} <= set(actions)
    client.post('/auth/logout')
    public = client.get(f'/tenders/{tender.code}').get_data(as_text=True)
    assert 'Berapa tebal aspal?' in public and 'Tebal 5 cm' in public
    assert cast['vendor'].email not in public and cast['vendor'].name not in public
    as_user(cast['auditor'])
    audited = client.get(f'/tenders/{tender.code}').get_data(as_text=True)
    assert cast['vendor'].email in audited


def test_asking_outside_the_window_gets_a_clear_refusal(client, create_tender, cast, as_user):
    tender = create_tender(Stage.bid_submission)
    as_user(cast['vendor'])
    response = client.post(f'/tenders/{tender.code}/questions', data={'body': 'Terlambat?'})
    assert response.status_code == 409
    assert 'hanya dapat diajukan selama tahap Pemberian Penjelasan' in response.get_data(
        as_text=True
    )
    assert db.session.scalars(select(Question)).all() == []


def test_an_empty_question_is_refused(client, create_tender, cast, as_user):
    tender = create_tender(Stage.clarification)
    as_user(cast['vendor'])
    assert client.post(f'/tenders/{tender.code}/questions', data={'body': ''}).status_code == 422
