"""Sealing, opening and verifying bids, and refusing every kind of altered or foreign one."""

import datetime as dt
import io

import pytest
from asn1crypto import cms
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives.serialization import pkcs7

from lpse.crypto import envelope, pki
from lpse.crypto.errors import (
    CertificateExpired,
    EnvelopeTampered,
    KeyMismatch,
    NotAnEnvelope,
    NotIssuedByCa,
    SealSelfCheckFailed,
    SignatureInvalid,
    UnsupportedAlgorithm,
    WrongContentType,
    WrongKeyUsage,
    WrongRecipient,
)

from .conftest import NOW

BID = b'PK\x03\x04 bid.json {"tender": "10001", "total": "1500000000.00"}'


@pytest.fixture(scope='module')
def sealed(vendor, tender):
    return envelope.seal(
        BID, signer_key=vendor.key, signer_cert=vendor.cert, recipient_cert=tender.cert
    )


def parts(der: bytes):
    """The AuthEnvelopedData pieces the tests alter."""
    aed = cms.ContentInfo.load(der)['content']
    ktri = aed['recipient_infos'][0].chosen
    return aed, ktri


def flip(der: bytes, needle: bytes, delta: int = 0) -> bytes:
    """A copy with one bit changed in the (unique) occurrence of needle."""
    at = der.index(needle) + delta
    assert der.count(needle) == 1
    return der[:at] + bytes([der[at] ^ 0x01]) + der[at + 1 :]


def test_a_sealed_bid_opens_and_verifies_to_the_same_content(sealed, ca, vendor, tender):
    inner = envelope.open_envelope(sealed, tender.key)
    verified = envelope.verify_signed_data(inner, ca_cert=ca.cert, now=NOW)
    assert verified.content == BID
    assert verified.signer_cert == vendor.cert


def test_the_envelope_uses_gcm_with_the_tag_in_mac_and_oaep_sha256(sealed, tender):
    aed, ktri = parts(sealed)
    eci = aed['auth_encrypted_content_info']
    assert eci['content_encryption_algorithm']['algorithm'].native == 'aes256_gcm'
    assert len(aed['mac'].native) == 16
    inner = envelope.open_envelope(sealed, tender.key)
    assert len(eci['encrypted_content'].native) == len(inner)
    oaep = ktri['key_encryption_algorithm']
    assert oaep['algorithm'].native == 'rsaes_oaep'
    assert oaep['parameters']['hash_algorithm']['algorithm'].native == 'sha256'
    assert ktri['rid'].chosen['serial_number'].native == tender.cert.serial_number


def test_the_inner_signature_is_rsa_pss_sha256(sealed, tender):
    signed = cms.ContentInfo.load(envelope.open_envelope(sealed, tender.key))['content']
    algorithm = signed['signer_infos'][0]['signature_algorithm']
    assert algorithm['algorithm'].native == 'rsassa_pss'
    assert algorithm['parameters']['hash_algorithm']['algorithm'].native == 'sha256'


def test_each_seal_uses_a_fresh_key_and_nonce(sealed, vendor, tender):
    again = envelope.seal(
        BID, signer_key=vendor.key, signer_cert=vendor.cert, recipient_cert=tender.cert
    )
    assert parts(again)[0]['mac'].native != parts(sealed)[0]['mac'].native


def test_an_altered_ciphertext_is_refused(sealed, tender):
    ciphertext = parts(sealed)[0]['auth_encrypted_content_info']['encrypted_content'].native
    with pytest.raises(EnvelopeTampered):
        envelope.open_envelope(flip(sealed, ciphertext[100:140]), tender.key)


def test_an_altered_mac_is_refused(sealed, tender):
    with pytest.raises(EnvelopeTampered):
        envelope.open_envelope(flip(sealed, parts(sealed)[0]['mac'].native), tender.key)


def test_an_altered_key_block_is_refused(sealed, tender):
    encrypted_key = parts(sealed)[1]['encrypted_key'].native
    with pytest.raises(WrongRecipient):
        envelope.open_envelope(flip(sealed, encrypted_key, 10), tender.key)


def test_an_altered_recipient_no_longer_matches_the_tender(sealed, tender):
    serial = tender.cert.serial_number.to_bytes(20, 'big').lstrip(b'\0')
    altered = flip(sealed, serial, len(serial) - 1)
    assert not envelope.recipient_matches(envelope.scan_envelope(io.BytesIO(altered)), tender.cert)


def test_a_bid_for_another_tender_cannot_be_opened_with_this_key(sealed, tender, other_tender):
    info = envelope.scan_envelope(io.BytesIO(sealed))
    assert envelope.recipient_matches(info, tender.cert)
    assert not envelope.recipient_matches(info, other_tender.cert)
    with pytest.raises(WrongRecipient, match='not addressed to this key'):
        envelope.open_envelope(sealed, other_tender.key)


def test_opening_something_that_is_not_an_envelope_says_so(sealed, tender):
    with pytest.raises(NotAnEnvelope):
        envelope.open_envelope(b'PK\x03\x04 a zip, not a p7m', tender.key)
    inner = envelope.open_envelope(sealed, tender.key)
    with pytest.raises(WrongContentType):
        envelope.open_envelope(inner, tender.key)


def test_a_signer_from_another_ca_is_refused(foreign_vendor, tender, ca):
    sealed = envelope.seal(
        BID,
        signer_key=foreign_vendor.key,
        signer_cert=foreign_vendor.cert,
        recipient_cert=tender.cert,
    )
    inner = envelope.open_envelope(sealed, tender.key)
    with pytest.raises(NotIssuedByCa):
        envelope.verify_signed_data(inner, ca_cert=ca.cert)


def test_a_signer_certificate_expired_at_the_given_time_is_refused(sealed, tender, ca):
    inner = envelope.open_envelope(sealed, tender.key)
    with pytest.raises(CertificateExpired):
        envelope.verify_signed_data(inner, ca_cert=ca.cert, now=NOW + dt.timedelta(days=400))


def test_a_pkcs1_v15_signature_is_refused(vendor, ca):
    signed = pkcs7.PKCS7SignatureBuilder(
        data=BID, signers=[(vendor.cert, vendor.key, hashes.SHA256(), padding.PKCS1v15())]
    ).sign(serialization.Encoding.DER, [pkcs7.PKCS7Options.Binary])
    with pytest.raises(UnsupportedAlgorithm, match='RSA-PSS required'):
        envelope.verify_signed_data(signed, ca_cert=ca.cert)


def test_a_signature_by_a_non_signing_certificate_is_refused(tender, ca):
    signed = pkcs7.PKCS7SignatureBuilder(
        data=BID, signers=[(tender.cert, tender.key, hashes.SHA256(), pki.PSS_SHA256)]
    ).sign(serialization.Encoding.DER, [pkcs7.PKCS7Options.Binary])
    with pytest.raises(WrongKeyUsage, match='not a signing certificate'):
        envelope.verify_signed_data(signed, ca_cert=ca.cert)


def test_altered_signed_content_is_refused(sealed, tender, ca):
    inner = envelope.open_envelope(sealed, tender.key)
    with pytest.raises(SignatureInvalid, match='digest does not match'):
        envelope.verify_signed_data(flip(inner, b'1500000000'), ca_cert=ca.cert)


def test_an_altered_signature_value_is_refused(sealed, tender, ca):
    inner = envelope.open_envelope(sealed, tender.key)
    signature = cms.ContentInfo.load(inner)['content']['signer_infos'][0]['signature'].native
    with pytest.raises(SignatureInvalid, match='does not verify'):
        envelope.verify_signed_data(flip(inner, signature, 50), ca_cert=ca.cert)


def test_sealing_with_a_key_that_is_not_the_certificates_is_refused(vendor, pokja, tender):
    with pytest.raises(KeyMismatch, match='signing key'):
        envelope.seal(
            BID, signer_key=pokja.key, signer_cert=vendor.cert, recipient_cert=tender.cert
        )


def test_sealing_to_a_certificate_without_key_encipherment_is_refused(vendor):
    with pytest.raises(WrongKeyUsage):
        envelope.seal(
            BID, signer_key=vendor.key, signer_cert=vendor.cert, recipient_cert=vendor.cert
        )


def test_the_self_check_catches_corrupted_ciphertext(monkeypatch, vendor, tender):
    build = envelope._build_envelope

    def corrupting(cert, encrypted_key, nonce, sealed):
        return build(cert, encrypted_key, nonce, bytes([sealed[0] ^ 1]) + sealed[1:])

    monkeypatch.setattr(envelope, '_build_envelope', corrupting)
    with pytest.raises(SealSelfCheckFailed, match='altered'):
        envelope.seal(
            BID, signer_key=vendor.key, signer_cert=vendor.cert, recipient_cert=tender.cert
        )


def test_the_self_check_catches_a_wrong_recipient(monkeypatch, vendor, tender, other_tender):
    build = envelope._build_envelope
    monkeypatch.setattr(
        envelope, '_build_envelope', lambda cert, *rest: build(other_tender.cert, *rest)
    )
    with pytest.raises(SealSelfCheckFailed, match='does not name the tender'):
        envelope.seal(
            BID, signer_key=vendor.key, signer_cert=vendor.cert, recipient_cert=tender.cert
        )
