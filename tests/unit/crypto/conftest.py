"""Shared key material for the crypto tests: RSA-3072 keys are made once per session."""

import shlex
import subprocess

import pytest
from ca_test_helpers import (  # noqa: F401 — other_ca and pokja are shared fixtures
    NOW,
    Party,
    issue,
    make_ca,
    other_ca,
    pokja,
)
from cryptography.hazmat.primitives import serialization

from lpse.crypto import pki


@pytest.fixture(scope='session')
def ca() -> Party:
    return make_ca('LPSE Test CA', organization='LPSE')


@pytest.fixture(scope='session')
def vendor(ca) -> Party:
    return issue(
        ca,
        pki.Profile.signing,
        common_name='PT Maju Jaya',
        email='bid@maju.example',
        serial_number='01.234.567.8-901.000',
    )


@pytest.fixture(scope='session')
def tender(ca) -> Party:
    return issue(ca, pki.Profile.tender, common_name='Tender 10001')


@pytest.fixture(scope='session')
def other_tender(ca) -> Party:
    return issue(ca, pki.Profile.tender, common_name='Tender 10002')


@pytest.fixture(scope='session')
def foreign_vendor(other_ca) -> Party:  # noqa: F811
    return issue(other_ca, pki.Profile.signing, common_name='PT Maju Jaya')


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
