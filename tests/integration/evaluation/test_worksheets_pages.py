"""The evaluation pages: the worksheet form, the live ranking, propose/approve, failure."""

import json
import re

from sqlalchemy import func, select

from lpse.evaluation import decision, service
from lpse.evaluation.models import WorksheetEntry
from lpse.extensions import db
from lpse.tenders.models import TenderStatus

PASS_ALL = {
    'administration': 'pass',
    'qualification': 'pass',
    'technical': 'pass',
}


def test_pokja_evaluates_three_bids_and_decides_on_pages(opened_tender, pokja, as_user):
    tender, bids = opened_tender()
    client = as_user(pokja[0])
    page = client.get(f'/tenders/{tender.code}')
    assert 'id="evaluation-link"' in page.get_data(as_text=True)
    for bid in bids:
        url = f'/tenders/{tender.code}/evaluation/bids/{bid.id}'
        assert client.get(url).status_code == 200
        response = client.post(url, data=PASS_ALL)
        assert response.status_code == 302, response.get_data(as_text=True)
    ranking = client.get(f'/tenders/{tender.code}/evaluation/').get_data(as_text=True)
    assert re.search(rf'id="bid-{bids[1].id}" data-rank="1"', ranking)
    assert re.search(rf'id="bid-{bids[0].id}" data-rank="2"', ranking)
    assert 'PT Dua' in ranking.split('id="live-winner"')[1].split('</p>')[0]

    # Proposing before pembuktian is refused with the reason on the page.
    refused = client.post(f'/tenders/{tender.code}/evaluation/propose', data={})
    assert refused.status_code == 409
    assert 'pembuktian' in refused.get_data(as_text=True)
    url = f'/tenders/{tender.code}/evaluation/bids/{bids[1].id}'
    assert client.post(url, data={'pembuktian': 'pass'}).status_code == 302
    assert client.post(f'/tenders/{tender.code}/evaluation/propose', data={}).status_code == 302
    assert service.decided_result(tender) is None

    other = as_user(pokja[1])
    page = other.get(f'/tenders/{tender.code}/evaluation/').get_data(as_text=True)
    assert 'id="approve-result"' in page
    pending = decision.pending_proposal(tender).id
    assert f'name="proposal_id" value="{pending}"' in page
    approve = f'/tenders/{tender.code}/evaluation/approve'
    assert other.post(approve, data={'proposal_id': str(pending)}).status_code == 302
    db.session.expire_all()
    assert service.decided_result(tender).winner_bid_id == bids[1].id
    page = other.get(f'/tenders/{tender.code}/evaluation/').get_data(as_text=True)
    assert 'id="approve-result"' not in page and 'id="propose-result"' not in page

    case = other.get(f'/tenders/{tender.code}/evaluation/case.json')
    assert case.status_code == 200
    assert json.loads(case.get_data()) == service.export_case(tender)


def test_a_failed_verdict_without_reason_is_shown_on_its_field(opened_tender, pokja, as_user):
    tender, bids = opened_tender()
    client = as_user(pokja[0])
    url = f'/tenders/{tender.code}/evaluation/bids/{bids[0].id}'
    response = client.post(url, data={**PASS_ALL, 'qualification': 'fail'})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'id="qualification_reason-error"' in html
    assert db.session.scalar(select(func.count()).select_from(WorksheetEntry)) == 0


def test_a_score_outside_0_100_is_refused_on_its_field(opened_tender, pokja, as_user):
    tender, bids = opened_tender(
        evaluation_method='merit_point',
        method_params={
            'weights': {'technical': '0.7', 'price': '0.3'},
            'technical_threshold': '70',
        },
    )
    client = as_user(pokja[0])
    url = f'/tenders/{tender.code}/evaluation/bids/{bids[0].id}'
    response = client.post(url, data={**PASS_ALL, 'technical_score': '101'})
    assert response.status_code == 422
    assert 'id="technical_score-error"' in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(WorksheetEntry)) == 0
    assert client.post(url, data={**PASS_ALL, 'technical_score': '82,5'}).status_code == 302
    entry = db.session.scalar(select(WorksheetEntry).where(WorksheetEntry.kind == 'technical'))
    assert str(entry.score) == '82.50'


def test_an_unchanged_form_writes_nothing(opened_tender, pokja, as_user):
    tender, bids = opened_tender()
    client = as_user(pokja[0])
    url = f'/tenders/{tender.code}/evaluation/bids/{bids[0].id}'
    client.post(url, data=PASS_ALL)
    second = as_user(pokja[1])
    assert second.post(url, data=PASS_ALL).status_code == 302
    entries = db.session.scalars(select(WorksheetEntry)).all()
    assert {e.entered_by_id for e in entries} == {pokja[0].id}


def test_declaring_the_tender_failed(opened_tender, pokja, as_user):
    tender, _bids = opened_tender()
    client = as_user(pokja[0])
    url = f'/tenders/{tender.code}/evaluation/fail'
    assert client.post(url, data={'reason': ''}).status_code == 422
    response = client.post(url, data={'reason': 'Semua penawaran di atas HPS'})
    assert response.status_code == 302
    db.session.expire_all()
    assert tender.status == TenderStatus.failed
    assert tender.end_reason == 'Semua penawaran di atas HPS'


def test_who_may_open_the_pages(opened_tender, cast, as_user, client):
    tender, bids = opened_tender()
    index = f'/tenders/{tender.code}/evaluation/'
    sheet = f'/tenders/{tender.code}/evaluation/bids/{bids[0].id}'
    assert client.get(index).status_code == 302  # to the login page
    for who, status in [
        ('pokja', 200),
        ('ppk', 200),
        ('auditor', 200),
        ('vendor', 403),
        ('pokja_other', 403),
        ('admin', 403),
    ]:
        c = as_user(cast[who])
        assert c.get(index).status_code == status, who
        assert c.get(sheet).status_code == status, who
    auditor = as_user(cast['auditor'])
    assert auditor.post(sheet, data=PASS_ALL).status_code == 403
    assert 'id="save-worksheet"' not in auditor.get(sheet).get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(WorksheetEntry)) == 0


def test_before_evaluation_opens_the_sheet_says_when(opened_tender, pokja, cast, as_user):
    """Bids opened, the Evaluasi stage not yet begun: no form, and the page says why and when
    (a Pokja member only: an auditor sees the sheet as it is)."""
    from datetime import timedelta

    from lpse import clock
    from lpse.i18n import with_wib
    from lpse.tenders.stages import Stage

    tender, bids = opened_tender()
    start = tender.schedule[Stage.evaluation].start
    clock.set_now(start - timedelta(minutes=10))
    sheet = f'/tenders/{tender.code}/evaluation/bids/{bids[0].id}'
    page = as_user(pokja[0]).get(sheet).get_data(as_text=True)
    assert 'id="save-worksheet"' not in page
    closed = page.split('id="worksheet-closed">')[1].split('</p>')[0]
    assert 'Tahap Evaluasi dijadwalkan mulai' in closed
    assert with_wib(start, tender.timezone) in closed
    assert 'id="worksheet-closed"' not in as_user(cast['auditor']).get(sheet).get_data(as_text=True)
    clock.set_now(start)
    assert 'id="save-worksheet"' in as_user(pokja[0]).get(sheet).get_data(as_text=True)


def test_a_draft_has_no_evaluation(create_tender, cast, as_user):
    draft = create_tender('draft')
    client = as_user(cast['pokja'])
    assert client.get(f'/tenders/{draft.code}/evaluation/').status_code == 403
    assert client.get(f'/tenders/{draft.code}/evaluation/case.json').status_code == 403
