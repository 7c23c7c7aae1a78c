"""The result pages and API: nothing before the announcement outside the Pokja, the PPK and
auditors; afterwards everyone sees every bidder with the SPSE legend and failure reasons."""

import io

import pytest
from tenders.factories import PDF, login

from lpse import clock
from lpse.evaluation.objection_models import Objection
from lpse.extensions import db

from .sanggah_fixtures import (
    LOSER,
    TECHNICAL_FAILURE,
    announcement_time,
    vendor_user,
    written,
)


def page_as(client, user, url):
    client.post('/auth/logout')
    if user is not None:
        assert login(client, user.email).status_code == 302
    return client.get(url)


@pytest.mark.parametrize(
    ('who', 'status'),
    [
        (None, 404),
        ('vendor', 404),
        ('pokja_other', 404),
        ('pokja', 200),
        ('ppk', 200),
        ('auditor', 200),
    ],
)
def test_before_the_announcement_only_pokja_ppk_auditors_see_the_result(
    client, decided, cast, who, status
):
    tender, _bids = decided
    user = cast[who] if who else None
    response = page_as(client, user, f'/tenders/{tender.code}/results')
    assert response.status_code == status
    if status == 200:
        assert 'Belum diumumkan' in response.get_data(as_text=True)
    api = client.get(f'/api/v1/tenders/{tender.code}/results', headers=token_headers(user))
    assert api.status_code == status


def token_headers(user):
    if user is None:
        return {}
    from lpse.auth import operations as auth_ops

    _row, value = auth_ops.create_token(user, 'uji', now=clock.now())
    db.session.commit()
    return {'Authorization': f'Bearer {value}'}


def test_a_bidder_of_the_decided_tender_sees_nothing_before_the_announcement(client, decided):
    tender, bids = decided
    response = page_as(client, vendor_user(bids[LOSER]), f'/tenders/{tender.code}/results')
    assert response.status_code == 404
    detail = client.get(f'/tenders/{tender.code}').get_data(as_text=True)
    assert 'PT Dua' not in detail and 'results-link' not in detail


def test_after_the_announcement_everyone_sees_the_legend_and_reasons(client, announced):
    tender, _bids, _row = announced
    response = page_as(client, None, f'/tenders/{tender.code}/results')
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    for column in ('>A<', '>K<', '>T<', '>ST<', '>P<', '>PT<', '>SH<', '>SA<', '>B<'):
        assert column in html
    assert html.count('>P</abbr>') == 1 and 'P = Pemenang' not in html  # one P: the price
    for name in ('PT Satu', 'PT Dua', 'PT Tiga'):
        assert name in html
    assert TECHNICAL_FAILURE in html
    assert 'Rp1.340.000.000' in html
    body = client.get(f'/api/v1/tenders/{tender.code}/results').get_json()
    assert body['announced'] is True
    assert [b['vendor']['name'] for b in body['result']['bidders'] if b['winner']] == ['PT Dua']
    pdf = client.get(f'/tenders/{tender.code}/results/{body["announcement"]["id"]}/pengumuman.pdf')
    assert pdf.status_code == 200 and pdf.get_data().startswith(b'%PDF-')
    pdf.close()


def test_api_journey_announce_object_answer(client, decided, cast, pokja):
    tender, bids = decided
    pokja_h = token_headers(pokja[0])
    announcement_time(tender)
    response = client.post(f'/api/v1/tenders/{tender.code}/announce', headers=pokja_h)
    assert response.status_code == 201, response.get_json()
    again = client.post(f'/api/v1/tenders/{tender.code}/announce', headers=pokja_h)
    assert again.status_code == 409
    loser_h = token_headers(vendor_user(bids[LOSER]))
    filed = client.post(
        f'/api/v1/tenders/{tender.code}/objections',
        headers=loser_h,
        data={'grounds': 'Nilai teknis kami keliru.', 'attachments': (io.BytesIO(PDF), 'b.pdf')},
        content_type='multipart/form-data',
    )
    assert filed.status_code == 201, filed.get_json()
    body = filed.get_json()
    assert body['status'] == 'pending' and body['attachments'][0]['filename'] == 'b.pdf'
    url = f'/api/v1/tenders/{tender.code}/objections/{body["id"]}/answer'
    bad = client.post(url, headers=pokja_h, json={'accepted': True, 'answer': 'Benar.'})
    assert bad.status_code == 422 and bad.get_json()['error']['code'] == 'validation_failed'
    answered = client.post(url, headers=pokja_h, json={'accepted': False, 'answer': 'Sesuai.'})
    assert answered.status_code == 200, answered.get_json()
    public = client.get(f'/api/v1/tenders/{tender.code}/objections').get_json()
    assert public['objections'][0]['answer'] == 'Sesuai.'
    assert public['objections'][0]['status'] == 'rejected'
    html = client.get(f'/tenders/{tender.code}').get_data(as_text=True)
    assert 'Nilai teknis kami keliru.' in html and 'Sesuai.' in html


def test_api_refusals_are_clear_and_write_nothing(client, announced, cast):
    tender, bids, row = announced
    outsider_h, loser_h, pokja_h = (
        token_headers(u) for u in (cast['vendor'], vendor_user(bids[LOSER]), cast['pokja'])
    )
    before = written()
    outsider = client.post(
        f'/api/v1/tenders/{tender.code}/objections',
        headers=outsider_h,
        json={'grounds': 'Keberatan.'},
    )
    assert outsider.status_code == 403
    assert outsider.get_json()['error']['code'] == 'forbidden'
    clock.set_now(row.objection_ends_at)
    late = client.post(
        f'/api/v1/tenders/{tender.code}/objections',
        headers=loser_h,
        json={'grounds': 'Keberatan.'},
    )
    assert late.status_code == 409 and late.get_json()['error']['code'] == 'stage_closed'
    award = client.post(f'/api/v1/tenders/{tender.code}/award', headers=pokja_h)
    assert award.status_code == 403
    assert written() == before
    assert db.session.scalar(db.select(db.func.count()).select_from(Objection)) == 0


def test_pages_file_and_answer_an_objection(client, announced, cast, pokja):
    tender, bids, _row = announced
    page_as(client, vendor_user(bids[LOSER]), f'/tenders/{tender.code}')
    html = client.get(f'/tenders/{tender.code}').get_data(as_text=True)
    assert 'objection-form' in html
    response = client.post(
        f'/tenders/{tender.code}/objections',
        data={'grounds': 'Kami keberatan atas hasil teknis.'},
        content_type='multipart/form-data',
    )
    assert response.status_code == 302
    objection = db.session.scalar(db.select(Objection))
    page_as(client, pokja[0], f'/tenders/{tender.code}')
    response = client.post(
        f'/tenders/{tender.code}/objections/{objection.id}/answer',
        data={
            f'o{objection.id}-decision': 'accepted',
            f'o{objection.id}-answer': 'Diterima, tetapi tanpa akibat.',
        },
    )
    assert response.status_code == 422
    assert 'akibatnya' in response.get_data(as_text=True)
    response = client.post(
        f'/tenders/{tender.code}/objections/{objection.id}/answer',
        data={
            f'o{objection.id}-decision': 'rejected',
            f'o{objection.id}-answer': 'Ditolak karena sesuai dokumen.',
        },
    )
    assert response.status_code == 302
    db.session.refresh(objection)
    assert objection.status == 'rejected'


def test_ppk_issues_the_award_from_the_tender_page_after_the_period(client, announced, cast):
    tender, _bids, row = announced
    page_as(client, cast['ppk'], f'/tenders/{tender.code}')
    refused = client.post(f'/tenders/{tender.code}/award', data={})
    assert refused.status_code == 409
    refusal = refused.get_data(as_text=True)
    assert 'masa sanggah masih berjalan' in refusal
    # The same last minute as the objections panel says ("sampai" is inclusive), not the
    # exclusive end a minute later.
    from lpse.i18n import with_wib

    last = with_wib(row.objection_last_minute, tender.timezone)
    assert f'masih berjalan sampai {last}' in refusal
    assert f'Masa sanggah: sampai {last}' in client.get(f'/tenders/{tender.code}').get_data(
        as_text=True
    )
    clock.set_now(row.objection_ends_at)
    issued = client.post(
        f'/tenders/{tender.code}/award', data={'contract_deadline': '2026-04-01T10:00'}
    )
    assert issued.status_code == 302
    html = client.get(f'/tenders/{tender.code}').get_data(as_text=True)
    assert 'SPPBJ nomor' in html and 'Unduh SPPBJ (PDF)' in html
    from lpse.evaluation.award import award_of

    db.session.expire_all()
    letter = award_of(tender)
    # 10:00 WITA (the tender's zone) is 02:00 UTC.
    assert letter.contract_deadline.isoformat() == '2026-04-01T02:00:00+00:00'
    assert tender.award_issued_at == row.objection_ends_at


def test_after_a_failing_objection_auditors_still_reach_the_withdrawn_result(
    client, announced, cast, pokja
):
    from lpse.evaluation import objections

    tender, bids, row = announced
    filed = objections.file_objection(
        tender, actor=vendor_user(bids[LOSER]), grounds='Persekongkolan.', now=clock.now()
    )
    objections.answer_objection(
        filed,
        actor=pokja[0],
        accepted=True,
        consequence='fail',
        answer='Terbukti; tender gagal.',
        now=clock.now(),
    )
    db.session.commit()
    public = page_as(client, None, f'/tenders/{tender.code}/results')
    # The public learns that the announcement was withdrawn and the tender failed, not the
    # withdrawn result itself.
    assert public.status_code == 200
    assert 'Tender dinyatakan gagal.' in public.get_data(as_text=True)
    assert 'PT Dua' not in public.get_data(as_text=True)
    assert (
        page_as(client, None, f'/tenders/{tender.code}/results?announcement={row.id}').status_code
        == 404
    )
    page_as(client, cast['auditor'], f'/tenders/{tender.code}')
    html = client.get(f'/tenders/{tender.code}').get_data(as_text=True)
    assert f'/tenders/{tender.code}/results?announcement={row.id}' in html
    old = client.get(f'/tenders/{tender.code}/results?announcement={row.id}')
    assert old.status_code == 200 and 'telah ditarik' in old.get_data(as_text=True)
