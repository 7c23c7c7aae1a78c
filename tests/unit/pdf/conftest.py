"""Keys, certificates and one rendered sample document, made once per test session."""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

import pytest
from cryptography import x509

from lpse.crypto import pki
from lpse.pdf import render_pdf, template_environment, terbilang, verification_url

NOW = dt.datetime(2026, 1, 5, 9, 30, tzinfo=dt.UTC)
DOCUMENT_ID = 'ABCDEFGHIJKLMNOPQRS7'
AMOUNT = Decimal('1543250750')
CHECKPOINT = '#1024 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08'
ROW_IDS = [f'ITEM-{i:03d}' for i in range(1, 61)]


@dataclass(frozen=True)
class Party:
    """A key pair and the certificate its CA issued for it."""

    key: object
    cert: x509.Certificate


def _issue(ca: Party, profile: pki.Profile, common_name: str) -> Party:
    key = pki.generate_key()
    subject = pki.build_subject(common_name=common_name, organization='LPSE Kabupaten Contoh')
    cert = pki.issue_certificate(
        ca.key, ca.cert, key.public_key(), subject, profile=profile, now=NOW, validity_days=365
    )
    return Party(key, cert)


@pytest.fixture(scope='session')
def ca() -> Party:
    return Party(*pki.create_ca('LPSE Test CA', now=NOW, validity_days=3650, organization='LPSE'))


@pytest.fixture(scope='session')
def system(ca) -> Party:
    return _issue(ca, pki.Profile.system, 'LPSE Kabupaten Contoh (sistem)')


@pytest.fixture(scope='session')
def vendor(ca) -> Party:
    """A vendor's signing certificate: same CA, same key usages as the system's."""
    return _issue(ca, pki.Profile.signing, 'PT Maju Jaya')


@pytest.fixture(scope='session')
def other_ca() -> Party:
    """A look-alike CA: same name as the instance CA, different key."""
    return Party(*pki.create_ca('LPSE Test CA', now=NOW, validity_days=3650, organization='LPSE'))


@pytest.fixture(scope='session')
def rogue(other_ca) -> Party:
    """A look-alike system certificate from the look-alike CA."""
    return _issue(other_ca, pki.Profile.system, 'LPSE Kabupaten Contoh (sistem)')


@pytest.fixture(scope='session')
def env():
    return template_environment()


def sample_context(**overrides) -> dict:
    context = {
        'title': 'Dokumen Contoh Pengujian',
        'agency_name': 'Pemerintah Kabupaten Contoh',
        'lpse_name': 'LPSE Kabupaten Contoh',
        'document_number': '001/LPSE/I/2026',
        'document_id': DOCUMENT_ID,
        'verify_url': verification_url('https://lpse.contoh.go.id', DOCUMENT_ID),
        'audit_checkpoint': CHECKPOINT,
        'tender_code': '10012345',
        'package_name': 'Pembangunan Jalan Desa Sukamaju Tahap II',
        'issued_at': '5 Januari 2026 17:30 WITA (16:30 WIB)',
        'amount': 'Rp1.543.250.750',
        'amount_words': terbilang(AMOUNT),
        'rows': [
            {
                'id': row_id,
                'description': f'Pekerjaan galian tanah segmen {i}',
                'price': '1.250.000',
            }
            for i, row_id in enumerate(ROW_IDS, start=1)
        ],
    }
    return context | overrides


@pytest.fixture(scope='session')
def sample_pdf(env) -> bytes:
    return render_pdf('pdf/sample.html', sample_context(), env=env, now=NOW)
