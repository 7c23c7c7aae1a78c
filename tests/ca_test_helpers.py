"""A test CA and the parties it certifies, for the unit tests' session-scoped key fixtures
(tests/unit/bids and tests/unit/crypto); RSA-3072 keys are slow, so make each once a session.

The fixtures below are the same in both folders; each conftest imports them and defines its
own `ca` (which `pokja` is issued by)."""

import datetime as dt
from dataclasses import dataclass

import pytest
from cryptography import x509

from lpse.crypto import pki

NOW = dt.datetime(2026, 1, 5, 9, 30, tzinfo=dt.UTC)


@dataclass(frozen=True)
class Party:
    """A key pair and the certificate a test CA issued for it."""

    key: object
    cert: x509.Certificate


def make_ca(common_name: str, **kwargs) -> Party:
    """A self-signed CA valid for ten years from NOW."""
    return Party(*pki.create_ca(common_name, now=NOW, validity_days=3650, **kwargs))


def issue(ca: Party, profile: pki.Profile, **subject) -> Party:
    """A fresh key with a one-year certificate from `ca` for `subject` (pki.build_subject)."""
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
def other_ca() -> Party:
    return make_ca('Rogue CA')


@pytest.fixture(scope='session')
def pokja(ca) -> Party:
    return issue(ca, pki.Profile.pokja, common_name='Budi Santoso', email='budi@pokja.example')
