"""Receipts checked by anyone, on the /verify page and through the API."""

import copy
import json

import pytest

from lpse.crypto import receipts
from lpse.documents import operations

ENVELOPE = 'ab' * 32


def fields(**changes):
    return {
        'format': receipts.FORMAT,
        'receipt_number': 'KOTAUJI-2026-00001/1/000001',
        'tender_code': 'KOTAUJI-2026-00001',
        'tender_version': 1,
        'envelope_kind': 'single',
        'vendor_name': 'PT Maju Jaya',
        'vendor_npwp': '012345678901000',
        'envelope_sha256': ENVELOPE,
        'envelope_size': 1234,
        'received_at': '2026-03-05T02:00:00.000Z',
        'tender_timezone': 'Asia/Makassar',
        'received_at_tender_zone': '2026-03-05 10:00:00.000 WITA',
        'received_at_wib': '2026-03-05 09:00:00.000 WIB',
        'audit_seq': 7,
        'audit_checkpoint': {'seq': 7, 'hash': 'cd' * 32},
    } | changes


@pytest.fixture
def receipt(ca_pki):
    return receipts.sign_receipt(fields(), key=ca_pki.system_key, cert=ca_pki.system_cert)


@pytest.fixture
def known_bids():
    """A fake bids module: registers a lookup for the receipt numbers it holds."""
    held = {}

    def lookup(found):
        return held.get(found['receipt_number'])

    operations.register_receipt_lookup(lookup)
    yield held
    operations.RECEIPT_LOOKUPS.remove(lookup)


def tampered(doc):
    doc = copy.deepcopy(doc)
    doc['receipt']['envelope_size'] = 999
    return doc


def test_api_valid_receipt_and_its_record(client, authority, receipt, known_bids):
    body = client.post('/api/v1/receipts/verify', json=receipt).get_json()
    assert body['valid'] is True and body['reason'] is None
    assert body['receipt']['receipt_number'] == fields()['receipt_number']
    assert body['recorded'] is False
    known_bids[fields()['receipt_number']] = {'status': 'current'}
    body = client.post('/api/v1/receipts/verify', json=receipt).get_json()
    assert body['recorded'] is True and body['record'] == {'status': 'current'}


def test_api_tampered_wrong_ca_and_wrong_envelope(client, authority, receipt, foreign_pki):
    body = client.post('/api/v1/receipts/verify', json=tampered(receipt)).get_json()
    assert body['valid'] is False and 'does not verify' in body['reason']
    forged = receipts.sign_receipt(
        fields(), key=foreign_pki.system_key, cert=foreign_pki.system_cert
    )
    body = client.post('/api/v1/receipts/verify', json=forged).get_json()
    assert body['valid'] is False and 'not the system certificate' in body['reason']
    body = client.post(
        '/api/v1/receipts/verify', json={**receipt, 'envelope_sha256': 'ef' * 32}
    ).get_json()
    assert body['valid'] is False and 'envelope' in body['reason']
    body = client.post(
        '/api/v1/receipts/verify', json={**receipt, 'envelope_sha256': ENVELOPE}
    ).get_json()
    assert body['valid'] is True


def test_a_receipt_signed_by_a_vendor_certificate_of_our_ca_is_refused(client, authority, ca_pki):
    forged = receipts.sign_receipt(fields(), key=ca_pki.vendor_key, cert=ca_pki.vendor_cert)
    body = client.post('/api/v1/receipts/verify', json=forged).get_json()
    assert body['valid'] is False and 'not the system certificate' in body['reason']


@pytest.mark.parametrize(
    ('kwargs', 'status'),
    [
        ({'data': 'not json', 'content_type': 'application/json'}, 400),
        ({'data': 'x', 'content_type': 'text/plain'}, 415),
        ({'json': [1, 2]}, 400),
        ({'json': {'envelope_sha256': 5}}, 422),
        ({'json': {'envelope_sha256': 'abc'}}, 422),
    ],
)
def test_api_bad_bodies(client, authority, kwargs, status):
    assert client.post('/api/v1/receipts/verify', **kwargs).status_code == status


def test_api_garbage_receipt_is_an_answer_not_a_crash(client, authority):
    for doc in ({}, {'receipt': 1, 'signature': 2}, {'receipt': {}, 'signature': {'alg': 1}}):
        body = client.post('/api/v1/receipts/verify', json=doc).get_json()
        assert body['valid'] is False and body['reason']


def test_page_pasted_and_uploaded_receipts(client, authority, receipt, foreign_pki):
    html = client.post('/verify', data={'receipt': json.dumps(receipt)}).get_data(as_text=True)
    assert 'Tanda terima sah' in html and 'tidak ditemukan di basis data' in html
    html = client.post('/verify', data={'receipt': json.dumps(tampered(receipt))}).get_data(
        as_text=True
    )
    assert 'Tanda terima tidak sah.' in html
    forged = receipts.sign_receipt(
        fields(), key=foreign_pki.system_key, cert=foreign_pki.system_cert
    )
    import io

    response = client.post(
        '/verify',
        data={'file': (io.BytesIO(json.dumps(forged).encode()), 'tanda-terima.json')},
        content_type='multipart/form-data',
    )
    assert response.status_code == 200
    assert 'Tanda terima tidak sah.' in response.get_data(as_text=True)
