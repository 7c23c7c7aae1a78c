"""Seleksi Prakualifikasi (issue 18.1 and 18.2) through the API: four consultancy firms send
their qualification forms, the Pokja scores them and one fails; the three best are the
shortlist; they send two-file sealed bids (File I technical, File II price); File I is opened
and scored, File II opened; the QCBS ranking invites the first-ranked firm to negotiate, which
fails; the second-ranked firm agrees and is awarded at its negotiated price (HN); `lpse
evaluate` on the exported case recomputes the same result. The seleksi with post-qualification
runs the same from the announcement (the Pokja then records qualification on the worksheet).

QCBS Wt 0.8 / Wb 0.2, threshold 70; BoQ item 1 × 1000, item 2 × 2000:
PT Satu NT 90, B 1,410,000,000 (rank 1); PT Dua NT 80, B 1,340,000,000 (rank 2);
PT Tiga NT 75, B 1,460,000,000 (rank 3). PT Dua's HN: item 1 at 380,000 → 1,320,000,000."""

import json
from datetime import timedelta
from decimal import Decimal

import opening_helpers
from bidding.conftest import seal, sig_header
from evaluation.sanggah_fixtures import announcement_time
from evaluation.test_award import pdf_text
from evaluation.test_export_after_real_opening import _token
from tenders.factories import PDF as PDF_BYTES

from lpse import clock
from lpse.bids import sealing
from lpse.bids.models import Bid, EnvelopeKind
from lpse.bids.package import build_package
from lpse.console import main
from lpse.documents.models import IssuedDocument
from lpse.evaluation import service
from lpse.evaluation.announcement import current_announcement
from lpse.extensions import db
from lpse.tenders.stages import Stage
from lpse.vendors import verification

from .prequal_api_steps import approve_all, evaluate, send
from .prequal_helpers import FIRST_FIRM_KEY, firm

OK = {'passed': True}
NAMES = {1: 'PT Satu', 2: 'PT Dua', 3: 'PT Tiga', 4: 'PT Empat'}
QUALIFICATION_SCORES = {'PT Satu': '90', 'PT Dua': '85', 'PT Tiga': '80', 'PT Empat': '40'}
TECHNICAL_SCORES = {'PT Satu': '90', 'PT Dua': '80', 'PT Tiga': '75'}
PRICES = {
    1: {1: Decimal('450000'), 2: Decimal('480000')},
    2: {1: Decimal('400000'), 2: Decimal('470000')},
    3: {1: Decimal('480000'), 2: Decimal('490000')},
}
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


def submit_two_files(client, tender, user, key, prices):
    """File I (technical) and File II (price), each sealed and uploaded through the API."""
    vendor = verification.vendor_of(user)
    for kind in (EnvelopeKind.technical, EnvelopeKind.price):
        document = sealing.bid_document(
            tender, vendor, kind, prices=prices, tkdn='30', validity_days=90
        )
        package = build_package(document, [('dokumen.pdf', PDF_BYTES)])
        p7m, signature = seal(tender, user, key, package=package)
        response = client.post(
            f'/api/v1/tenders/{tender.code}/bids?envelope={kind.value}',
            data=p7m,
            headers={
                **_token(client, user),
                'Content-Type': 'application/pkcs7-mime',
                'X-LPSE-Submission-Signature': sig_header(signature),
            },
        )
        assert response.status_code == 201, response.get_json()


def test_seleksi_prakualifikasi_negotiation_fails_then_the_second_is_awarded(
    client, seleksi, person, pokja, cast, tmp_path, capsys
):
    firms = {n: firm(person, n, company=name) for n, name in NAMES.items()}
    for n, user in firms.items():
        send(client, seleksi, user, desk=n if n == 3 else None)
    evaluate(
        client,
        seleksi,
        pokja[0],
        failing={'PT Empat': ('tenaga_ahli',)},
        scores=QUALIFICATION_SCORES,
    )
    announced = approve_all(client, seleksi, pokja)
    shortlist = [(s['rank'], s['vendor']['name'], s['score']) for s in announced['shortlist']]
    assert shortlist == [(1, 'PT Satu', '90.00'), (2, 'PT Dua', '85.00'), (3, 'PT Tiga', '80.00')]
    assert announced['announced']['result']['shortlist_bounds'][0] == 3

    bid_negotiate_award(client, seleksi, firms, pokja, cast, tmp_path, capsys, prequalified=True)


def bid_negotiate_award(client, tender, firms, pokja, cast, tmp_path, capsys, *, prequalified):
    """From the bid submission on, the same for both seleksi: three two-file bids, File I
    opened and scored, File II opened, the first-ranked firm's negotiation fails, the second
    agrees at its HN, is decided (the export recomputes it), announced and awarded at its HN.
    Qualification is the Pokja's worksheet entry after post-qualification, the shortlist's
    verdict after prakualifikasi."""
    clock.set_now(tender.schedule[Stage.bid_submission].start + timedelta(hours=1))
    for n in (1, 2, 3):
        submit_two_files(client, tender, firms[n], FIRST_FIRM_KEY + n, PRICES[n])
    clock.set_now(tender.schedule[Stage.bid_opening].start + timedelta(minutes=30))
    first = opening_helpers.open_all(tender, pokja)
    assert first.kind == 'technical'
    clock.set_now(tender.schedule[Stage.evaluation].start)
    code, h1, h2 = tender.code, _token(client, pokja[0]), _token(client, pokja[1])
    live = client.get(f'/api/v1/tenders/{code}/evaluation', headers=h1).get_json()
    bid_of = {}
    for sheet in live['worksheets']:
        name = db.session.get(Bid, sheet['bid']).vendor.company_name
        bid_of[name] = sheet['bid']
        body = {
            'administration': OK,
            'technical': {'passed': True, 'score': TECHNICAL_SCORES[name]},
        }
        if not prequalified:
            body |= {'qualification': OK, 'pembuktian': OK}
        entered = client.put(
            f'/api/v1/tenders/{code}/bids/{sheet["bid"]}/evaluation', json=body, headers=h1
        )
        assert entered.status_code == 200, entered.get_json()
    second = opening_helpers.open_all(tender, pokja)
    assert second.kind == 'price'
    db.session.expire_all()

    live = service.live_result(tender)
    assert live.winner == str(bid_of['PT Satu'])
    assert live.reserves == (str(bid_of['PT Dua']), str(bid_of['PT Tiga']))

    def negotiate(name, body, headers):
        return client.put(
            f'/api/v1/tenders/{code}/bids/{bid_of[name]}/negotiation', json=body, headers=headers
        )

    failed = negotiate('PT Satu', FAILED_TALK, h1)
    assert failed.status_code == 200, failed.get_json()
    assert failed.get_json()['invited'] == bid_of['PT Dua']
    agreed = negotiate('PT Dua', AGREED_TALK, h2)
    assert agreed.status_code == 200, agreed.get_json()
    assert agreed.get_json()['negotiated_total'] == '1320000000'

    proposed = client.post(
        f'/api/v1/tenders/{code}/result', json={'winner': bid_of['PT Dua']}, headers=h1
    )
    assert proposed.status_code == 201, proposed.get_json()
    approved = client.post(
        f'/api/v1/tenders/{code}/result/approvals',
        json={'proposal': proposed.get_json()['id']},
        headers=h2,
    )
    assert approved.status_code == 200, approved.get_json()

    # The exported case recomputes the decided result, negotiation and shortlist included.
    case = client.get(f'/api/v1/tenders/{code}/evaluation/export', headers=h1).get_json()
    for bid in case['bids']:
        assert bid['verdicts']['qualification']['passed']
    path = tmp_path / 'case.json'
    path.write_text(json.dumps(case), encoding='utf-8')
    capsys.readouterr()
    assert main(['evaluate', str(path)]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed == service.decided_result(tender).result_dict
    assert (printed['winner'], printed['negotiated_total']) == (str(bid_of['PT Dua']), '1320000000')

    announcement_time(tender)
    announced = client.post(f'/api/v1/tenders/{code}/announce', headers=h1)
    assert announced.status_code == 201, announced.get_json()
    by_id = {b['bid_id']: b for b in announced.get_json()['result']['bidders']}
    assert by_id[bid_of['PT Dua']]['winner'] is True
    assert by_id[bid_of['PT Dua']]['columns']['HN'] == '1320000000'
    # The pages and the announced PDFs name the negotiated price, not the corrected one.
    for path in (f'/tenders/{code}', f'/tenders/{code}/results'):
        page = client.get(path).get_data(as_text=True)
        assert 'arga negosiasi' in page and 'Rp1.320.000.000' in page, path
    row = current_announcement(tender)
    notice, bahp = (
        pdf_text(db.session.get(IssuedDocument, d))
        for d in (row.notice_document_id, row.bahp_document_id)
    )
    assert 'Harga hasil negosiasi (HN) Rp1.320.000.000' in notice
    assert 'Harga negosiasi (HN)' in bahp and 'Rp1.320.000.000' in bahp
    clock.set_now(tender.schedule[Stage.award].start + timedelta(minutes=1))
    awarded = client.post(f'/api/v1/tenders/{code}/award', headers=_token(client, cast['ppk']))
    assert awarded.status_code == 201, awarded.get_json()
    assert awarded.get_json()['vendor'] == 'PT Dua'
    assert Decimal(awarded.get_json()['amount']) == Decimal('1320000000')


def test_seleksi_pascakualifikasi_from_announcement_to_award_at_the_negotiated_price(
    client, seleksi_pasca, person, pokja, cast, tmp_path, capsys
):
    assert seleksi_pasca.method.key == 'seleksi' and seleksi_pasca.method.negotiates
    firms = {n: firm(person, n, company=name) for n, name in NAMES.items() if n < 4}
    bid_negotiate_award(
        client, seleksi_pasca, firms, pokja, cast, tmp_path, capsys, prequalified=False
    )
