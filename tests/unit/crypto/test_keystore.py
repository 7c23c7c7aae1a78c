"""Private keys at rest: the self-held key file and the server-held locked key."""

import pytest
from cryptography.hazmat.primitives import serialization

from lpse.crypto import keystore, pki
from lpse.crypto.errors import MalformedKeyBlob, WrongPassphrase

PASSPHRASE = 'kuda lumping 7 tanjung priok'


@pytest.fixture(scope='module')
def locked(vendor):
    return keystore.lock_private_key(vendor.key, PASSPHRASE)


def test_a_locked_key_unlocks_with_its_passphrase(vendor, locked):
    key = keystore.unlock_private_key(locked, PASSPHRASE)
    assert pki.key_matches_certificate(key, vendor.cert)


def test_a_wrong_passphrase_is_refused_clearly(locked):
    with pytest.raises(WrongPassphrase, match='wrong signing passphrase'):
        keystore.unlock_private_key(locked, PASSPHRASE + ' ')


def test_the_locked_blob_reveals_neither_the_key_nor_its_modulus(vendor, locked):
    pkcs8 = vendor.key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    numbers = vendor.key.private_numbers()
    assert pkcs8 not in locked
    assert numbers.public_numbers.n.to_bytes(384, 'big') not in locked
    assert numbers.p.to_bytes(192, 'big') not in locked


@pytest.mark.parametrize('offset', [20, -1])
def test_an_altered_blob_does_not_unlock(locked, offset):
    damaged = bytearray(locked)
    damaged[offset] ^= 0x01  # the salt (authenticated as AAD), then the GCM tag
    with pytest.raises(WrongPassphrase):
        keystore.unlock_private_key(bytes(damaged), PASSPHRASE)


def test_something_else_is_not_taken_for_a_locked_key():
    with pytest.raises(MalformedKeyBlob):
        keystore.unlock_private_key(b'-----BEGIN PRIVATE KEY-----', PASSPHRASE)


def test_a_key_file_round_trips_and_refuses_a_wrong_passphrase(vendor):
    pem = keystore.dump_key_file(vendor.key, PASSPHRASE)
    assert pem.startswith(b'-----BEGIN ENCRYPTED PRIVATE KEY-----')
    assert pki.key_matches_certificate(keystore.load_key_file(pem, PASSPHRASE), vendor.cert)
    with pytest.raises(WrongPassphrase):
        keystore.load_key_file(pem, 'salah')


def test_an_unprotected_key_file_is_refused(vendor):
    pem = vendor.key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    with pytest.raises(MalformedKeyBlob, match='not passphrase-protected'):
        keystore.load_key_file(pem, PASSPHRASE)
