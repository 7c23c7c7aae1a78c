"""End to end through the real bid path: sealed bids submitted, a real opening ceremony, the
Pokja's entries over the API, the decision, and the export recomputed by `lpse evaluate`."""

import json
from datetime import timedelta
from decimal import Decimal

import opening_helpers
from bidding.conftest import OTHER_KEY, VENDOR_KEY, bidder, rival, seal, sig_header
from tenders.factories import PDF as PDF_BYTES

from lpse import clock, statelog
from lpse.auth import operations as auth_ops
from lpse.bids import sealing
from lpse.bids.models import EnvelopeKind
from lpse.bids.package import build_package
from lpse.console import main
from lpse.evaluation import service
from lpse.extensions import db
from lpse.tenders.stages import Stage
from lpse.vendors import verification

__all__ = ['bidder', 'rival']
OK = {'passed': True}


def _token(client, user):
    _row, value = auth_ops.create_token(user, 'uji', now=clock.now())
    db.session.commit()
    return {'Authorization': f'Bearer {value}'}


def _submit(client, tender, user, key, prices):
    vendor = verification.vendor_of(user)
    document = sealing.bid_document(
        tender, vendor, EnvelopeKind.single, prices=prices, tkdn='30', validity_days=90
    )
    package = build_package(document, [('surat-penawaran.pdf', PDF_BYTES)])
    p7m, signature = seal(tender, user, key, package=package)
    response = client.post(
        f'/api/v1/tenders/{tender.code}/bids',
        data=p7m,
        headers={
            **_token(client, user),
            'Content-Type': 'application/pkcs7-mime',
            'X-LPSE-Submission-Signature': sig_header(signature),
        },
    )
    assert response.status_code == 201, response.get_json()


def test_real_bids_evaluated_and_recomputed(
    client, create_tender, cast, bidder, rival, pokja, tmp_path, capsys
):
    tender = create_tender(Stage.bid_submission)
    _submit(client, tender, bidder, VENDOR_KEY, {1: Decimal('450000'), 2: Decimal('480000')})
    _submit(client, tender, rival, OTHER_KEY, {1: Decimal('400000'), 2: Decimal('470000')})
    clock.set_now(tender.schedule[Stage.bid_opening].start + timedelta(minutes=30))
    opening_helpers.open_all(tender, pokja)
    db.session.refresh(tender)
    assert tender.bids_opened_at is not None

    h = _token(client, pokja[0])
    early = {'administration': OK}
    url = f'/api/v1/tenders/{tender.code}/bids/1/evaluation'
    refused = client.put(url, json=early, headers=h)  # the Evaluasi stage has not started
    assert refused.status_code == 409 and 'Tahap Evaluasi' in refused.get_json()['error']['message']
    clock.set_now(tender.schedule[Stage.evaluation].start)
    live = client.get(f'/api/v1/tenders/{tender.code}/evaluation', headers=h).get_json()
    assert sorted(b['corrected_total'] for b in live['result']['bids']) == [
        '1340000000',
        '1410000000',
    ]
    for sheet in live['worksheets']:
        body = {'administration': OK, 'qualification': OK, 'technical': OK}
        url = f'/api/v1/tenders/{tender.code}/bids/{sheet["bid"]}/evaluation'
        assert client.put(url, json=body, headers=h).status_code == 200
    winner = service.live_result(tender).winner
    url = f'/api/v1/tenders/{tender.code}/bids/{winner}/evaluation'
    assert client.put(url, json={'pembuktian': OK}, headers=h).status_code == 200
    propose = client.post(f'/api/v1/tenders/{tender.code}/result', json={}, headers=h)
    assert propose.status_code == 201
    approve = client.post(
        f'/api/v1/tenders/{tender.code}/result/approvals',
        json={'proposal': propose.get_json()['id']},
        headers=_token(client, pokja[1]),
    )
    assert approve.get_json()['status'] == 'approved'

    decided = service.decided_result(tender)
    assert decided.result_dict['bids'][0]['vendor']['name'] == 'CV Saingan'
    case = client.get(f'/api/v1/tenders/{tender.code}/evaluation/export', headers=h).get_json()
    path = tmp_path / 'case.json'
    path.write_text(json.dumps(case), encoding='utf-8')
    capsys.readouterr()
    assert main(['evaluate', str(path)]) == 0
    assert json.loads(capsys.readouterr().out) == decided.result_dict
    # Real sealing, a real ceremony, evaluation through the API: the log explains every row.
    db.session.rollback()
    assert statelog.reconcile() == []
