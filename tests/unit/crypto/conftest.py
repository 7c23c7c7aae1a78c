"""Shared key material for the crypto tests: RSA-3072 keys are made once per session."""

import datetime as dt
import shlex
import subprocess
from dataclasses import dataclass

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from lpse.crypto import pki

NOW = dt.datetime(2026, 1, 5, 9, 30, tzinfo=dt.UTC)


@dataclass(frozen=True)
class Party:
    """A key pair and the certificate the test CA issued for it."""

    key: object
    cert: x509.Certificate


def _issue(ca: Party, profile: pki.Profile, **subject) -> Party:
    key = pki.generate_key()
    cert = pki.issue_certificate(
        ca.key,
        ca.cert,
        key.public_key(),
        pki.build_subject(**subject),
        profile=profile,
        now=NOW,
        validity_days=365,
    )
    return Party(key, cert)


@pytest.fixture(scope='session')
def ca() -> Party:
    return Party(*pki.create_ca('LPSE Test CA', now=NOW, validity_days=3650, organization='LPSE'))


@pytest.fixture(scope='session')
def other_ca() -> Party:
    return Party(*pki.create_ca('Rogue CA', now=NOW, validity_days=3650))


@pytest.fixture(scope='session')
def vendor(ca) -> Party:
    return _issue(
        ca,
        pki.Profile.signing,
        common_name='PT Maju Jaya',
        email='bid@maju.example',
        serial_number='01.234.567.8-901.000',
    )


@pytest.fixture(scope='session')
def tender(ca) -> Party:
    return _issue(ca, pki.Profile.tender, common_name='Tender 10001')


@pytest.fixture(scope='session')
def other_tender(ca) -> Party:
    return _issue(ca, pki.Profile.tender, common_name='Tender 10002')


@pytest.fixture(scope='session')
def pokja(ca) -> Party:
    return _issue(ca, pki.Profile.pokja, common_name='Budi Santoso', email='budi@pokja.example')


@pytest.fixture(scope='session')
def foreign_vendor(other_ca) -> Party:
    return _issue(other_ca, pki.Profile.signing, common_name='PT Maju Jaya')


@pytest.fixture
def write_pem(tmp_path):
    """Write a certificate, CSR, CRL or unencrypted private key as PEM; return its path."""

    def write(name: str, obj) -> str:
        if hasattr(obj, 'private_bytes'):
            data = obj.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        else:
            data = obj.public_bytes(serialization.Encoding.PEM)
        path = tmp_path / name
        path.write_bytes(data)
        return str(path)

    return write


@pytest.fixture
def openssl(tmp_path):
    """Run an openssl command line in tmp_path; return the completed process (never raises)."""

    def run(command: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            ['openssl', *shlex.split(command)], capture_output=True, cwd=tmp_path, check=False
        )

    return run


@pytest.fixture(scope='session')
def attime() -> str:
    """The `-attime` value that makes openssl verify at the tests' NOW, not the wall clock."""
    return str(int(NOW.timestamp()))
