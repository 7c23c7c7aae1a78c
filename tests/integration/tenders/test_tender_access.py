"""Walk every tender route as every kind of visitor: the status must be exactly the expected."""

import io
from zoneinfo import ZoneInfo

import pytest
from matrix import walk
from matrix_tenders import MATRIX, PUBLISHED, WHO
from sqlalchemy import func, select

from lpse import clock
from lpse.audit import AuditEvent
from lpse.auth import operations as auth_ops
from lpse.extensions import db
from lpse.tenders import questions
from lpse.tenders.documents import Document
from lpse.tenders.models import ScheduleChange, Tender
from lpse.tenders.questions import Question
from lpse.tenders.stages import Phase, Stage

from .factories import PDF, T0, login


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


def test_another_agencys_pokja_changes_nothing_through_the_pages(
    client, create_tender, cast, as_user
):
    """Real bodies, not empty ones: each refusal is a 403 with its reason, and nothing about
    the tender changes — status, schedule, documents, answers, audit log."""
    live = create_tender(Stage.clarification)
    clock.set_now(T0)
    question = questions.ask_question(live, body='Apakah ada survei?', actor=cast['vendor'], now=T0)
    db.session.commit()

    def state():
        db.session.expire_all()
        tender = db.session.get(Tender, live.id)
        counts = [
            db.session.scalar(select(func.count()).select_from(model))
            for model in (Document, ScheduleChange)
        ]
        # Every event but logins (switching users below is not an act on the tender).
        counts.append(
            db.session.scalar(
                select(func.count())
                .select_from(AuditEvent)
                .where(AuditEvent.action.not_like('auth.%'))
            )
        )
        return tender.status, tender.schedule, counts, db.session.get(Question, question.id).answer

    before = state()
    as_user(cast['pokja_agency'])
    later = {
        f'{s.value}_{edge}': (w.start if edge == 'start' else w.end)
        .astimezone(ZoneInfo(live.timezone))
        .strftime('%Y-%m-%dT%H:%M')
        for s, w in live.schedule.items()
        for edge in ('start', 'end')
    }
    posts = {
        f'/tenders/{live.code}/cancel': {'reason': 'Anggaran dialihkan'},
        f'/tenders/{live.code}/fail': {'reason': 'Tidak ada penawaran'},
        f'/tenders/{live.code}/schedule': later | {'reason': 'Perubahan jadwal'},
        f'/tenders/{live.code}/questions/{question.id}/answer': {'answer': 'Tidak ada survei.'},
        f'/tenders/{live.code}/documents/new': {
            'kind': 'kak',
            'title': 'KAK',
            'reason': 'Perbaikan',
            'file': (io.BytesIO(PDF), 'kak.pdf'),
        },
    }
    for url, data in posts.items():
        response = client.post(url, data=data)
        assert response.status_code == 403, url
        # The reason, not a bare 403.
        assert 'Hanya Pokja (atau PPK, bila disebutkan) tender ini' in response.get_data(
            as_text=True
        ), url
    assert state() == before
    # Its own Pokja editing it once published: told why, not "only the Pokja".
    as_user(cast['pokja'])
    response = client.post(f'/tenders/{live.code}/edit', data={'title': 'Judul baru'})
    assert response.status_code == 403
    assert 'tidak tersedia untuk tender ini pada tahapnya' in response.get_data(as_text=True)
    # Its PPK changing the schedule of a running tender: a Pokja action, so told who may (not
    # "not at this stage", although the PPK could change it as a draft).
    as_user(cast['ppk'])
    response = client.post(f'/tenders/{live.code}/schedule', data=later | {'reason': 'PPK'})
    assert response.status_code == 403
    assert 'Hanya Pokja (atau PPK, bila disebutkan)' in response.get_data(as_text=True)
    assert state() == before
