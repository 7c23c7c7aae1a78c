"""The key-leak scanner used by the "never stored in the clear" test catches a key stored
unencrypted as PKCS#8 PEM, PKCS#1 PEM, DER and hex, and stays quiet on an encrypted one."""

import datetime as dt

import pytest
from cryptography.hazmat.primitives import serialization

from lpse.crypto import keystore, pki

from .keyscan import leaks

Enc, Fmt = serialization.Encoding, serialization.PrivateFormat


def _bytes(key, encoding, fmt):
    return key.private_bytes(encoding, fmt, serialization.NoEncryption())


@pytest.mark.parametrize(
    'store',
    [
        pytest.param(lambda k: _bytes(k, Enc.PEM, Fmt.PKCS8).decode(), id='pkcs8-pem-text'),
        pytest.param(lambda k: _bytes(k, Enc.PEM, Fmt.PKCS8), id='pkcs8-pem-bytes'),
        pytest.param(lambda k: _bytes(k, Enc.PEM, Fmt.TraditionalOpenSSL).decode(), id='pkcs1-pem'),
        pytest.param(lambda k: _bytes(k, Enc.DER, Fmt.PKCS8), id='pkcs8-der'),
        pytest.param(lambda k: _bytes(k, Enc.DER, Fmt.TraditionalOpenSSL), id='pkcs1-der'),
        pytest.param(
            lambda k: 'prefix ' + _bytes(k, Enc.PEM, Fmt.PKCS8).decode()[28:-26], id='pem-body'
        ),
        pytest.param(lambda k: _bytes(k, Enc.DER, Fmt.PKCS8).hex(), id='der-hex'),
    ],
)
def test_scanner_finds_a_deliberately_leaked_key(spare_keys, store):
    key = spare_keys[0]
    assert leaks(['harmless', store(key), None], key)


def test_scanner_is_quiet_on_locked_keys_and_other_keys(spare_keys):
    key, other = spare_keys[0], spare_keys[1]
    locked = keystore.lock_private_key(key, 'frasa sandi uji yang panjang')
    other_pem = _bytes(other, Enc.PEM, Fmt.PKCS8).decode()
    assert leaks([locked, other_pem, 'plain text'], key) == []


def test_scanner_does_not_mistake_the_certificate_for_the_key(spare_keys):
    key = spare_keys[0]
    now = dt.datetime.now(dt.UTC)
    ca_key, ca_cert = pki.create_ca('Uji', now=now, validity_days=10)
    cert = pki.issue_certificate(
        ca_key,
        ca_cert,
        key.public_key(),
        pki.build_subject(common_name='x'),
        profile=pki.Profile.signing,
        now=now,
        validity_days=5,
    )
    pem = cert.public_bytes(serialization.Encoding.PEM).decode()
    assert leaks([pem], key) == []
    assert leaks([pem + '\n' + _bytes(key, Enc.PEM, Fmt.PKCS8).decode()], key)
