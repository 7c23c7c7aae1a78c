"""Signed receipts: what the system signs verifies, and nothing else does."""

import base64
import copy
import datetime as dt
import hashlib
import io

import pytest
from ca_test_helpers import NOW
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding

from lpse.crypto import receipts
from lpse.crypto.errors import CryptoError, KeyMismatch, NotIssuedByCa, UnsupportedAlgorithm

ENVELOPE = b'0\x82sealed bid bytes' * 100


def receipt_fields(envelope: bytes = ENVELOPE) -> dict:
    return {
        'format': 'lpse-receipt/1',
        'receipt_number': 'KEMKES-2026-00001/1/000123',
        'tender_code': 'KEMKES-2026-00001',
        'tender_version': 1,
        'envelope_kind': 'single',
        'vendor_name': 'PT Maju Jaya',
        'vendor_npwp': '012345678901000',
        'envelope_sha256': hashlib.sha256(envelope).hexdigest(),
        'envelope_size': len(envelope),
        **receipts.received_times(
            dt.datetime(2026, 1, 5, 1, 0, 0, 123456, tzinfo=dt.UTC), 'Asia/Jayapura'
        ),
        'audit_seq': 4711,
        'audit_checkpoint': {'seq': 4700, 'hash': 'ab' * 32},
    }


@pytest.fixture
def signed(system) -> dict:
    return receipts.sign_receipt(receipt_fields(), key=system.key, cert=system.cert)


def test_sign_and_verify(signed, ca):
    assert signed['signature']['alg'] == 'RSA-PSS-SHA256'
    assert signed['signature']['certificate'].startswith('-----BEGIN CERTIFICATE-----')
    fields = receipts.verify_receipt(signed, ca_cert=ca.cert, envelope=ENVELOPE, now=NOW)
    assert fields == receipt_fields()
    assert receipts.verify_receipt(signed, ca_cert=ca.cert, envelope=io.BytesIO(ENVELOPE))


def test_signature_covers_the_canonical_json(signed, system):
    canonical = receipts.signed_bytes(signed['receipt'])
    assert canonical.startswith(b'{"audit_checkpoint":{"hash":')
    system.cert.public_key().verify(
        base64.b64decode(signed['signature']['value']),
        canonical,
        padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=32),
        hashes.SHA256(),
    )


def test_times_show_tender_zone_and_wib():
    times = receipt_fields()
    assert times['received_at'] == '2026-01-05T01:00:00.123Z'
    assert times['received_at_tender_zone'] == '2026-01-05 10:00:00.123 WIT'
    assert times['received_at_wib'] == '2026-01-05 08:00:00.123 WIB'


@pytest.mark.parametrize(
    ('field', 'value'),
    [('vendor_name', 'PT Lain'), ('envelope_size', len(ENVELOPE) + 1), ('audit_seq', 4712)],
)
def test_one_changed_field_is_refused(signed, ca, field, value):
    doc = copy.deepcopy(signed)
    doc['receipt'][field] = value
    with pytest.raises(receipts.ReceiptSignatureInvalid):
        receipts.verify_receipt(doc, ca_cert=ca.cert)


def test_certificate_from_another_ca_is_refused(ca, rogue_system):
    forged = receipts.sign_receipt(receipt_fields(), key=rogue_system.key, cert=rogue_system.cert)
    with pytest.raises(NotIssuedByCa):
        receipts.verify_receipt(forged, ca_cert=ca.cert)


def test_swapped_certificate_is_refused(signed, ca, rogue_system, vendor):
    from cryptography.hazmat.primitives import serialization

    for other in (rogue_system.cert, vendor.cert):
        doc = copy.deepcopy(signed)
        doc['signature']['certificate'] = other.public_bytes(serialization.Encoding.PEM).decode()
        with pytest.raises(CryptoError):
            receipts.verify_receipt(doc, ca_cert=ca.cert)


def test_pkcs1_v15_signature_is_refused(signed, system, ca):
    doc = copy.deepcopy(signed)
    v15 = system.key.sign(
        receipts.signed_bytes(doc['receipt']), padding.PKCS1v15(), hashes.SHA256()
    )
    doc['signature']['value'] = base64.b64encode(v15).decode()
    with pytest.raises(receipts.ReceiptSignatureInvalid):
        receipts.verify_receipt(doc, ca_cert=ca.cert)
    doc['signature']['alg'] = 'RSA-SHA256'
    with pytest.raises(UnsupportedAlgorithm):
        receipts.verify_receipt(doc, ca_cert=ca.cert)


def test_other_envelope_is_refused(signed, ca):
    with pytest.raises(receipts.ReceiptEnvelopeMismatch, match='not the one this receipt'):
        receipts.verify_receipt(signed, ca_cert=ca.cert, envelope=ENVELOPE + b'\x00')
    with pytest.raises(receipts.ReceiptEnvelopeMismatch):
        receipts.verify_receipt(signed, ca_cert=ca.cert, envelope=ENVELOPE[:-1] + b'X')


def test_pinned_signer(signed, ca, system, vendor):
    receipts.verify_receipt(signed, ca_cert=ca.cert, signer=system.cert)
    # A vendor certificate has the same key usage as the system's: pinning tells them apart.
    by_vendor = receipts.sign_receipt(receipt_fields(), key=vendor.key, cert=vendor.cert)
    with pytest.raises(receipts.UnexpectedSigner):
        receipts.verify_receipt(by_vendor, ca_cert=ca.cert, signer=system.cert)


def test_expired_system_certificate_is_refused_when_time_given(signed, ca):
    with pytest.raises(CryptoError, match='expired'):
        receipts.verify_receipt(signed, ca_cert=ca.cert, now=NOW + dt.timedelta(days=400))


def test_sign_checks_its_inputs(system, vendor):
    with pytest.raises(KeyMismatch):
        receipts.sign_receipt(receipt_fields(), key=vendor.key, cert=system.cert)
    with pytest.raises(receipts.MalformedReceipt, match='lacks audit_seq'):
        fields = receipt_fields()
        del fields['audit_seq']
        receipts.sign_receipt(fields, key=system.key, cert=system.cert)
    with pytest.raises(receipts.MalformedReceipt, match='float'):
        receipts.sign_receipt(
            receipt_fields() | {'tender_version': 1.0}, key=system.key, cert=system.cert
        )


@pytest.mark.parametrize(
    'doc',
    [
        {},
        {'receipt': {}, 'signature': {}, 'extra': 1},
        {'receipt': [], 'signature': {}},
        {'receipt': {}, 'signature': {'alg': 'RSA-PSS-SHA256', 'value': '!!', 'certificate': ''}},
    ],
)
def test_malformed_documents(doc, ca):
    with pytest.raises(receipts.MalformedReceipt):
        receipts.verify_receipt(doc, ca_cert=ca.cert)
