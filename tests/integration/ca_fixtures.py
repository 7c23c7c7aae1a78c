"""The instance CA and system key for tests of signed things (checkpoints, documents, receipts).

Import the fixtures into a conftest or test module: ``from ca_fixtures import authority, …``."""

import datetime as dt
from dataclasses import dataclass

import pytest
from cryptography.hazmat.primitives import serialization

from lpse import clock, pki_service
from lpse.crypto import keystore, pki
from lpse.extensions import db

CA_PASSPHRASE = 'frasa-sandi-ca-uji-0123456789'
SYSTEM_PASSPHRASE = 'frasa-sandi-sistem-uji-0123456789'


@dataclass(frozen=True)
class Pki:
    ca_key: object
    ca_cert: object
    system_key: object
    system_cert: object
    vendor_key: object  # a vendor's own signing certificate from the same CA
    vendor_cert: object


def _make_pki(name):
    created = dt.datetime.now(dt.UTC) - dt.timedelta(days=400)
    ca_key, ca_cert = pki.create_ca(name, now=created, validity_days=3650)
    certs = []
    for common_name, profile in (
        ('sistem', pki.Profile.system),
        ('PT Vendor', pki.Profile.signing),
    ):
        key = pki.generate_key()
        cert = pki.issue_certificate(
            ca_key,
            ca_cert,
            key.public_key(),
            pki.build_subject(common_name=f'{name} {common_name}'),
            profile=profile,
            now=created,
            validity_days=3650,
        )
        certs += [key, cert]
    return Pki(ca_key, ca_cert, *certs)


@pytest.fixture(scope='session')
def ca_pki():
    return _make_pki('LPSE Uji CA')


@pytest.fixture(scope='session')
def locked_keys(ca_pki):
    """The CA and system keys locked once (argon2id is slow on purpose)."""
    return (
        keystore.lock_private_key(ca_pki.ca_key, CA_PASSPHRASE),
        keystore.lock_private_key(ca_pki.system_key, SYSTEM_PASSPHRASE),
    )


@pytest.fixture(scope='session')
def foreign_pki():
    """Another CA, with a system certificate of its own (a forger's instance)."""
    return _make_pki('CA Palsu')


@pytest.fixture
def signing_config(app_config):
    return {
        **app_config,
        'WTF_CSRF_ENABLED': False,
        'LPSE_CA_PASSPHRASE': CA_PASSPHRASE,
        'LPSE_SYSTEM_KEY_PASSPHRASE': SYSTEM_PASSPHRASE,
        'LPSE_BASE_URL': 'https://lpse.uji.go.id',
    }


@pytest.fixture
def authority(app, ca_pki, locked_keys):
    """The instance CA row, as `flask lpse init-ca` would leave it."""

    def pem(obj):
        return obj.public_bytes(serialization.Encoding.PEM).decode()

    crl = pki.build_crl(
        ca_pki.ca_key, ca_pki.ca_cert, [], number=1, now=clock.now(), next_update_days=7
    )
    row = pki_service.Authority(
        id=1,
        ca_cert_pem=pem(ca_pki.ca_cert),
        ca_key_locked=locked_keys[0],
        system_cert_pem=pem(ca_pki.system_cert),
        system_key_locked=locked_keys[1],
        crl_number=1,
        crl_pem=pem(crl),
        crl_updated_at=clock.now(),
        created_at=clock.now(),
    )
    db.session.add(row)
    db.session.commit()
    return row
