"""Seleksi with negotiation through the API (DOMAIN §9): after the QCBS ranking the Pokja
negotiates with the first-ranked firm; it fails, the second-ranked firm is invited, agrees, is
proposed, announced and awarded at its negotiated price (HN); `lpse evaluate` on the exported
case recomputes the same winner and HN; the BA Klarifikasi dan Negosiasi says what was agreed.

BoQ of the default tender: item 1 × 1000, item 2 × 2000. QCBS Wt 0.8 / Wb 0.2, threshold 70:
PT Satu NT 90, B 1,410,000,000, NB 95.04, NK 91.01 (rank 1)
PT Dua  NT 80, B 1,340,000,000, NB 100,   NK 84.00 (rank 2)
PT Tiga NT 75, B 1,460,000,000, NB 91.78, NK 78.36 (rank 3)
PT Dua's HN: item 1 at 380,000 → 380,000 × 1000 + 470,000 × 2000 = 1,320,000,000."""

import json
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from lpse import clock
from lpse.audit import AuditEvent
from lpse.auth import operations as auth_ops
from lpse.console import main
from lpse.documents.models import IssuedDocument
from lpse.evaluation import announcement, award, decision, service
from lpse.evaluation.models import Negotiation
from lpse.extensions import db

from .conftest import open_price_envelopes
from .sanggah_fixtures import announcement_time
from .test_award import pdf_text

OK = {'passed': True}
SATU, DUA, TIGA = 0, 1, 2
SCORES = ('90', '80', '75')
FAILED_TALK = {
    'status': 'failed',
    'technical_notes': 'Tenaga ahli utama tidak dapat diganti dengan yang setara.',
    'price_notes': 'Penyedia tidak bersedia menurunkan biaya personil.',
    'reason': 'Tidak tercapai kesepakatan biaya personil.',
}
AGREED_TALK = {
    'status': 'agreed',
    'technical_notes': 'Jadwal penugasan tenaga ahli disesuaikan.',
    'price_notes': 'Biaya personil item 1 diturunkan.',
    'lines': [{'item': '1', 'unit_price': '380000'}],
}


@pytest.fixture
def token(app):
    def make(user):
        _row, value = auth_ops.create_token(user, 'uji', now=clock.now())
        db.session.commit()
        return {'Authorization': f'Bearer {value}'}

    return make


@pytest.fixture
def ranked(file_one_scored):
    """A seleksi (QCBS, two files) evaluated through the API, File II opened: (tender, bids)."""
    tender, bids = file_one_scored
    open_price_envelopes(tender, bids)
    return tender, bids


@pytest.fixture
def file_one_scored(opened_tender, pokja, token, client):
    """A seleksi (QCBS, two files) whose File I is evaluated through the API, File II still
    sealed: (tender, bids)."""
    tender, bids = opened_tender(
        category='jasa_konsultansi',
        selection_method='seleksi',
        submission_files=2,
        evaluation_method='qcbs',
        method_params={
            'weights': {'technical': '0.8', 'price': '0.2'},
            'technical_threshold': '70',
        },
    )
    headers = token(pokja[0])
    for bid, score in zip(bids, SCORES, strict=True):
        body = {
            'administration': OK,
            'qualification': OK,
            'technical': {'passed': True, 'score': score},
            'pembuktian': OK,
        }
        response = client.put(
            f'/api/v1/tenders/{tender.code}/bids/{bid.id}/evaluation', json=body, headers=headers
        )
        assert response.status_code == 200, response.get_json()
    return tender, bids


def test_before_file_two_the_price_is_pending_not_failed(file_one_scored, pokja, as_user):
    tender, _bids = file_one_scored
    client = as_user(pokja[0])
    page = client.get(f'/tenders/{tender.code}/evaluation/').get_data(as_text=True)
    assert 'id="price-sealed"' in page and page.count('File II belum dibuka') == len(SCORES)
    assert 'id="failure-reason"' not in page and 'tidak ada harga penawaran' not in page


def negotiate(client, tender, bid, body, headers):
    return client.put(
        f'/api/v1/tenders/{tender.code}/bids/{bid.id}/negotiation', json=body, headers=headers
    )


def written():
    return tuple(
        db.session.scalar(select(func.count()).select_from(model))
        for model in (AuditEvent, Negotiation, IssuedDocument)
    )


def test_first_firm_fails_second_is_awarded_at_its_negotiated_price(
    client, ranked, pokja, cast, token, tmp_path, capsys
):
    tender, bids = ranked
    h1, h2 = token(pokja[0]), token(pokja[1])
    live = service.live_result(tender)
    assert live.winner == str(bids[SATU].id)
    assert live.reserves == (str(bids[DUA].id), str(bids[TIGA].id))

    # The result cannot be proposed before the winner's negotiation is agreed.
    refused = client.post(f'/api/v1/tenders/{tender.code}/result', json={}, headers=h1)
    assert refused.status_code == 409
    assert 'Negosiasi dengan calon pemenang PT Satu' in refused.get_json()['error']['message']
    # Only the invited firm is negotiated with.
    assert negotiate(client, tender, bids[DUA], AGREED_TALK, h1).status_code == 409

    response = negotiate(client, tender, bids[SATU], FAILED_TALK, h1)
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body['status'] == 'failed'
    assert body['negotiated_total'] is None
    assert body['invited'] == bids[DUA].id
    assert body['entered_by']['id'] == pokja[0].id
    failed_minutes = db.session.get(IssuedDocument, body['document'])

    response = negotiate(client, tender, bids[DUA], AGREED_TALK, h2)
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert (body['corrected_total'], body['negotiated_total']) == ('1340000000', '1320000000')
    assert body['invited'] == bids[DUA].id
    events = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == 'evaluation.negotiation_recorded')
    ).all()
    assert [e.actor_id for e in events] == [pokja[0].id, pokja[1].id]

    proposed = client.post(
        f'/api/v1/tenders/{tender.code}/result', json={'winner': bids[DUA].id}, headers=h1
    )
    assert proposed.status_code == 201, proposed.get_json()
    assert proposed.get_json()['reserves'] == [bids[TIGA].id]
    approved = client.post(
        f'/api/v1/tenders/{tender.code}/result/approvals',
        json={'proposal': proposed.get_json()['id']},
        headers=h2,
    )
    assert approved.status_code == 200, approved.get_json()

    # The stored case carries the negotiations: `lpse evaluate` gives the decided result.
    case = client.get(f'/api/v1/tenders/{tender.code}/evaluation/export', headers=h1).get_json()
    assert case['bids'][SATU]['negotiation'] == {
        'status': 'failed',
        'lines': [],
        'reason': FAILED_TALK['reason'],
    }
    path = tmp_path / 'case.json'
    path.write_text(json.dumps(case), encoding='utf-8')
    capsys.readouterr()
    assert main(['evaluate', str(path)]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed == service.decided_result(tender).result_dict
    assert (printed['winner'], printed['negotiated_total']) == (str(bids[DUA].id), '1320000000')

    # Announced: the public HN column is the winner's negotiated total.
    db.session.expire_all()
    row = announcement.announce_winner(tender, actor=pokja[0], now=announcement_time(tender))
    db.session.commit()
    public = client.get(f'/api/v1/tenders/{tender.code}/results').get_json()
    by_id = {b['bid_id']: b for b in public['result']['bidders']}
    assert by_id[bids[DUA].id]['winner'] is True
    assert by_id[bids[DUA].id]['columns']['HN'] == '1320000000'
    assert by_id[bids[SATU].id]['columns']['HN'] is None
    assert by_id[bids[SATU].id]['rank'] == 1
    # The pages name the winner at its negotiated price too, not only at its offer.
    results = client.get(f'/tenders/{tender.code}/results').get_data(as_text=True)
    assert 'Harga negosiasi: Rp1.320.000.000</p>' in results
    assert 'negosiasi: HN = total terkoreksi' in results and 'negotiation:' not in results
    detail = client.get(f'/tenders/{tender.code}').get_data(as_text=True)
    assert 'harga negosiasi (HN) Rp1.320.000.000</p>' in detail

    # The SPPBJ (and so the contract) is at the negotiated price.
    letter = award.issue_award(tender, actor=cast['ppk'], now=row.objection_ends_at)
    db.session.commit()
    assert letter.vendor_id == bids[DUA].vendor_id
    assert letter.amount == Decimal('1320000000')

    minutes = db.session.get(IssuedDocument, body['document'])
    text = pdf_text(minutes)
    assert 'Berita Acara Klarifikasi dan Negosiasi' in text
    assert 'PT Dua' in text
    for figure in ('Rp400.000', 'Rp380.000', 'Rp470.000', 'Rp1.340.000.000', 'Rp1.320.000.000'):
        assert figure in text, figure
    assert 'Rp400.000.000' in text and 'Rp380.000.000' in text  # item 1 amounts
    assert AGREED_TALK['price_notes'] in text
    assert 'SEPAKAT' in text
    for member in pokja:
        assert member.name in text
    failed_text = pdf_text(failed_minutes)
    assert 'PT Satu' in failed_text and 'GAGAL' in failed_text
    assert FAILED_TALK['reason'] in failed_text
    assert 'Rp1.410.000.000' in failed_text


def test_a_negotiated_price_above_the_offer_is_refused_and_nothing_written(
    client, ranked, pokja, token
):
    tender, bids = ranked
    headers = token(pokja[0])
    before = written()
    above = {**AGREED_TALK, 'lines': [{'item': '1', 'unit_price': '450001'}]}
    response = negotiate(client, tender, bids[SATU], above, headers)
    assert response.status_code == 422
    assert 'melebihi harga satuan penawaran' in response.get_json()['error']['message']
    assert written() == before
    for body in (
        {'status': 'failed'},  # no reason
        {'status': 'maybe'},
        {**AGREED_TALK, 'lines': [{'item': '9', 'unit_price': '1'}]},
        {**AGREED_TALK, 'lines': [{'item': '1', 'unit_price': '1.5e3'}]},
    ):
        assert negotiate(client, tender, bids[SATU], body, headers).status_code == 422, body
    assert written() == before


@pytest.mark.parametrize('who', ['pokja_other', 'ppk'])
def test_only_the_tenders_pokja_negotiates(client, ranked, cast, token, who):
    tender, bids = ranked
    headers = token(cast[who])
    before = written()
    response = negotiate(client, tender, bids[SATU], AGREED_TALK, headers)
    assert response.status_code == 403
    assert 'error' in response.get_json()
    assert written() == before


def test_a_tender_that_does_not_negotiate_refuses(client, opened_tender, pokja, token):
    tender, bids = opened_tender()
    response = negotiate(client, tender, bids[0], AGREED_TALK, token(pokja[0]))
    assert response.status_code == 409
    assert decision.pending_proposal(tender) is None


def test_the_pokja_records_the_negotiation_on_the_worksheet_page(ranked, pokja, as_user):
    tender, bids = ranked
    client = as_user(pokja[0])
    url = f'/tenders/{tender.code}/evaluation/bids/{bids[SATU].id}'
    page = client.get(url)
    assert page.status_code == 200
    assert 'id="save-negotiation"' in page.get_data(as_text=True)
    before = written()
    form = {'status': 'agreed', 'price_notes': 'Biaya personil diturunkan.', 'hn_1': '450001'}
    refused = client.post(f'{url}/negotiation', data=form)
    assert refused.status_code == 422
    assert 'melebihi harga satuan penawaran' in refused.get_data(as_text=True)
    assert written() == before
    # Typed as on every page: Indonesian grouping.
    response = client.post(f'{url}/negotiation', data={**form, 'hn_1': 'Rp440.000'})
    assert response.status_code == 302
    row = db.session.scalar(select(Negotiation).where(Negotiation.bid_id == bids[SATU].id))
    assert (row.status, row.negotiated_lines) == ('agreed', [{'item': '1', 'unit_price': '440000'}])
    assert row.price_notes == 'Biaya personil diturunkan.'
    # The worksheet links the BA Klarifikasi dan Negosiasi it issued.
    page = client.get(url).get_data(as_text=True)
    link = f'/documents/{row.document_id}.pdf'
    assert f'href="{link}">Unduh BA Klarifikasi dan Negosiasi (PDF)' in page
    minutes = client.get(link)
    assert minutes.status_code == 200 and minutes.mimetype == 'application/pdf'
    assert 'Rp440.000' in pdf_text(db.session.get(IssuedDocument, row.document_id))
    # The page of a firm that is not invited shows no form.
    other = client.get(f'/tenders/{tender.code}/evaluation/bids/{bids[DUA].id}')
    assert 'id="save-negotiation"' not in other.get_data(as_text=True)
