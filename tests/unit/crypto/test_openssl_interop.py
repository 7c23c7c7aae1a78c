"""Cross-checks with the openssl CLI: an auditor must be able to do everything without our code."""

import io

import pytest
from cryptography.hazmat.primitives import serialization

from lpse.crypto import envelope, keystore, pki
from lpse.crypto.errors import UnsupportedAlgorithm, UnsupportedEncoding, WeakKey

from .conftest import NOW

BID = bytes(range(256)) * 40 + b'\r\n\x00 binary-safe'
ACCOUNT = {'common_name': 'PT Maju Jaya', 'email': 'bid@maju.example'}
SUBJ = '"/CN=PT Maju Jaya/emailAddress=bid@maju.example"'
PSS = '-keyopt rsa_padding_mode:pss'
OAEP = '-keyopt rsa_padding_mode:oaep -keyopt rsa_oaep_md:sha256'
ENCRYPT = 'cms -encrypt -binary -aes-256-gcm -outform DER -recip tender.crt'


def ok(result):
    assert result.returncode == 0, result.stderr.decode()
    return result.stdout


@pytest.fixture(autouse=True)
def auditor_files(write_pem, ca, vendor, tender):
    """The PEM files an auditor (and the openssl commands below) work with."""
    write_pem('ca.pem', ca.cert)
    write_pem('v.crt', vendor.cert)
    write_pem('v.key', vendor.key)
    write_pem('tender.crt', tender.cert)
    write_pem('tender.key', tender.key)


def openssl_envelope(openssl, tmp_path, sign_opts: str, encrypt_opts: str) -> bytes:
    (tmp_path / 'bid.zip').write_bytes(BID)
    ok(
        openssl(
            'cms -sign -binary -nodetach -outform DER -md sha256 -in bid.zip -out signed.der '
            f'-signer v.crt -inkey v.key {sign_opts}'
        )
    )
    ok(openssl(f'{ENCRYPT} {encrypt_opts} -in signed.der -out bid.p7m'))
    return (tmp_path / 'bid.p7m').read_bytes()


def test_openssl_opens_and_verifies_our_seal(openssl, tmp_path, vendor, tender, attime):
    sealed = envelope.seal(
        BID, signer_key=vendor.key, signer_cert=vendor.cert, recipient_cert=tender.cert
    )
    (tmp_path / 'bid.p7m').write_bytes(sealed)
    ok(
        openssl(
            'cms -decrypt -binary -inform DER -in bid.p7m -out signed.der '
            '-recip tender.crt -inkey tender.key'
        )
    )
    content = ok(
        openssl(
            'cms -verify -binary -inform DER -in signed.der '
            f'-CAfile ca.pem -purpose any -attime {attime}'
        )
    )
    assert content == BID


def test_we_open_and_verify_what_openssl_seals(openssl, tmp_path, ca, vendor, tender):
    sealed = openssl_envelope(openssl, tmp_path, PSS, OAEP)
    info = envelope.scan_envelope(io.BytesIO(sealed))
    assert envelope.recipient_matches(info, tender.cert)
    verified = envelope.verify_signed_data(
        envelope.open_envelope(sealed, tender.key), ca_cert=ca.cert, now=NOW
    )
    assert verified.content == BID
    assert verified.signer_cert == vendor.cert


def test_openssl_pkcs1_v15_key_transport_is_refused(openssl, tmp_path, tender):
    sealed = openssl_envelope(openssl, tmp_path, PSS, '')
    with pytest.raises(UnsupportedAlgorithm, match='rsaes_pkcs1v15'):
        envelope.scan_envelope(io.BytesIO(sealed))
    with pytest.raises(UnsupportedAlgorithm):
        envelope.open_envelope(sealed, tender.key)


def test_openssl_pkcs1_v15_signature_is_refused(openssl, tmp_path, ca, tender):
    sealed = openssl_envelope(openssl, tmp_path, '', OAEP)
    with pytest.raises(UnsupportedAlgorithm, match='RSA-PSS required'):
        envelope.verify_signed_data(envelope.open_envelope(sealed, tender.key), ca_cert=ca.cert)


def test_openssl_streaming_output_is_refused_with_a_hint(openssl, tmp_path):
    (tmp_path / 'signed.der').write_bytes(b'anything')
    ok(openssl(f'{ENCRYPT} {OAEP} -stream -in signed.der -out bid.p7m'))
    with pytest.raises(UnsupportedEncoding, match='without -stream'):
        envelope.scan_envelope(io.BytesIO((tmp_path / 'bid.p7m').read_bytes()))


def test_an_openssl_csr_is_certified_and_openssl_verifies_the_result(openssl, tmp_path, ca, attime):
    ok(openssl(f'req -new -newkey rsa:3072 -nodes -keyout self.key -subj {SUBJ} -out self.csr'))
    csr = pki.validate_csr((tmp_path / 'self.csr').read_bytes(), expected=ACCOUNT)
    cert = pki.issue_from_csr(
        ca.key, ca.cert, csr, profile=pki.Profile.signing, now=NOW, validity_days=365
    )
    (tmp_path / 'self.crt').write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    ok(openssl(f'verify -CAfile ca.pem -attime {attime} self.crt'))
    fingerprint = ok(openssl('x509 -in self.crt -noout -fingerprint -sha256'))
    assert fingerprint.decode().split('=')[1].strip().replace(':', '').lower() == (
        pki.certificate_fingerprint(cert)
    )


def test_an_openssl_rsa_2048_csr_is_refused(openssl, tmp_path):
    ok(openssl(f'req -new -newkey rsa:2048 -nodes -keyout weak.key -subj {SUBJ} -out weak.csr'))
    with pytest.raises(WeakKey):
        pki.validate_csr((tmp_path / 'weak.csr').read_bytes(), expected=ACCOUNT)


def test_openssl_reads_our_key_file_and_we_read_openssls(openssl, tmp_path, vendor):
    (tmp_path / 'mine.pem').write_bytes(keystore.dump_key_file(vendor.key, 'rahasia'))
    ok(openssl('pkey -in mine.pem -passin pass:rahasia -pubout -out pub.pem'))
    public_key = serialization.load_pem_public_key((tmp_path / 'pub.pem').read_bytes())
    assert public_key == vendor.key.public_key()
    assert openssl('pkey -in mine.pem -passin pass:salah').returncode != 0
    ok(openssl('pkcs8 -topk8 -scrypt -in mine.pem -passin pass:rahasia -passout pass:lain -out x'))
    key = keystore.load_key_file((tmp_path / 'x').read_bytes(), 'lain')
    assert pki.key_matches_certificate(key, vendor.cert)


def test_openssl_accepts_our_crl_and_sees_the_revocation(openssl, write_pem, ca, vendor, attime):
    crl = pki.build_crl(
        ca.key, ca.cert, [pki.Revocation(vendor.cert.serial_number, NOW)], number=7, now=NOW
    )
    write_pem('ca.crl', crl)
    checked = openssl('crl -in ca.crl -CAfile ca.pem -noout -text')
    assert checked.stderr == b'verify OK\n'  # openssl exits 0 even on 'verify failure'
    assert f'{vendor.cert.serial_number:X}' in checked.stdout.decode().replace(':', '').upper()
    refused = openssl(f'verify -CAfile ca.pem -CRLfile ca.crl -crl_check -attime {attime} v.crt')
    assert refused.returncode != 0
    assert b'revoked' in refused.stdout + refused.stderr
