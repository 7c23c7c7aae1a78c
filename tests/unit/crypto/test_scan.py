"""The upload-time structural check of a .p7m, streaming and in constant memory."""

import io
import tracemalloc

import pytest
from asn1crypto import algos, cms

from lpse.crypto import envelope
from lpse.crypto.errors import (
    NotAnEnvelope,
    TrailingData,
    TruncatedEnvelope,
    UnsupportedAlgorithm,
    UnsupportedEncoding,
    WrongContentType,
)


@pytest.fixture(scope='module')
def sealed(vendor, tender):
    return envelope.seal(
        b'bid', signer_key=vendor.key, signer_cert=vendor.cert, recipient_cert=tender.cert
    )


class Upload:
    """A non-seekable stream, as a request body is."""

    def __init__(self, data: bytes):
        self._stream = io.BytesIO(data)

    def read(self, n: int = -1) -> bytes:
        return self._stream.read(n)


def scan(data: bytes) -> envelope.EnvelopeInfo:
    return envelope.scan_envelope(Upload(data))


def rebuilt(der: bytes, change) -> bytes:
    """The envelope re-encoded after `change` edits its AuthEnvelopedData."""
    info = cms.ContentInfo.load(der)
    change(info['content'])
    return info.dump(force=True)


def test_a_sealed_bid_passes_and_names_its_recipient(sealed, tender):
    info = scan(sealed)
    assert info.size == len(sealed)
    assert info.content_encryption == 'aes256_gcm'
    [recipient] = info.recipients
    assert recipient.serial_number == tender.cert.serial_number
    assert recipient.key_encryption == 'rsaes_oaep_sha256'
    assert 'LPSE Test CA' in recipient.issuer
    assert envelope.recipient_matches(info, tender.cert)


@pytest.mark.parametrize('keep', [1, 3, 100, 2000, -1])
def test_a_truncated_file_is_refused(sealed, keep):
    with pytest.raises(TruncatedEnvelope, match=f'declares {len(sealed)} bytes|inside a header'):
        scan(sealed[:keep])


def test_trailing_bytes_are_refused(sealed):
    with pytest.raises(TrailingData):
        scan(sealed + b'\0')


@pytest.mark.parametrize('data', [b'', b'PK\x03\x04\x14\x00', b'-----BEGIN CMS-----\n'])
def test_a_file_that_is_not_cms_is_refused(data):
    with pytest.raises(NotAnEnvelope):
        scan(data)


def test_a_signed_but_unencrypted_file_is_refused(sealed, tender):
    with pytest.raises(WrongContentType, match="'signed_data'"):
        scan(envelope.open_envelope(sealed, tender.key))


def test_indefinite_length_encoding_is_refused_clearly(sealed):
    body = sealed[4:]  # the outer SEQUENCE header is 30 82 xx xx
    with pytest.raises(UnsupportedEncoding, match='indefinite-length'):
        scan(b'\x30\x80' + body + b'\0\0')


def test_an_inner_length_overrunning_its_container_is_refused(sealed):
    with pytest.raises(NotAnEnvelope, match='overruns'):
        scan(sealed[:19] + b'\x7f\xff' + sealed[21:])  # the [0] content's length


def set_content_algorithm(aed, name):
    aed['auth_encrypted_content_info']['content_encryption_algorithm'] = algos.EncryptionAlgorithm(
        {
            'algorithm': name,
            'parameters': algos.CcmParams({'aes_nonce': b'\0' * 12, 'aes_icvlen': 16}),
        }
    )


def set_oaep_hash(aed, name):
    ktri = aed['recipient_infos'][0].chosen
    ktri['key_encryption_algorithm'] = cms.KeyEncryptionAlgorithm(
        {'algorithm': 'rsaes_oaep', 'parameters': {'hash_algorithm': {'algorithm': name}}}
    )


def set_pkcs1v15_transport(aed):
    ktri = aed['recipient_infos'][0].chosen
    ktri['key_encryption_algorithm'] = cms.KeyEncryptionAlgorithm({'algorithm': 'rsaes_pkcs1v15'})


@pytest.mark.parametrize(
    ('change', 'said'),
    [
        (lambda aed: set_content_algorithm(aed, 'aes128_gcm'), 'aes128_gcm'),
        (lambda aed: set_oaep_hash(aed, 'sha1'), 'SHA-256'),
        (set_pkcs1v15_transport, 'rsaes_pkcs1v15'),
        (lambda aed: aed.__setitem__('mac', b'\0' * 12), '12 bytes'),
    ],
)
def test_disallowed_algorithms_are_refused_at_upload_and_opening(sealed, tender, change, said):
    altered = rebuilt(sealed, change)
    with pytest.raises(UnsupportedAlgorithm, match=said):
        scan(altered)
    with pytest.raises(UnsupportedAlgorithm):
        envelope.open_envelope(altered, tender.key)


def test_scanning_a_large_envelope_keeps_memory_small(tmp_path, vendor, tender):
    path = tmp_path / 'big.p7m'
    path.write_bytes(
        envelope.seal(
            bytes(20 * 1024 * 1024),
            signer_key=vendor.key,
            signer_cert=vendor.cert,
            recipient_cert=tender.cert,
        )
    )
    with path.open('rb') as f:
        tracemalloc.start()
        try:
            info = envelope.scan_envelope(f)
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    assert info.size == path.stat().st_size > 20 * 1024 * 1024
    assert info.encrypted_size > 20 * 1024 * 1024
    assert peak < 2 * 1024 * 1024
