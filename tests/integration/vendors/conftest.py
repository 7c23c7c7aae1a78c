"""Vendor factories, the instance CA (made once per session), captured mail."""

import datetime as dt
import io
from dataclasses import dataclass

import pki_helpers
import pytest

from lpse import clock, pki_service
from lpse.crypto import pki
from lpse.extensions import db
from lpse.notify import outbox as mail_outbox
from lpse.vendors.models import (
    Vendor,
    VendorDirector,
    VendorDocument,
    VendorLicence,
    VendorStatus,
)

PASSWORD = 'kata-sandi-uji-123'
CA_PASSPHRASE = pki_helpers.CA_PASSPHRASE
SYSTEM_PASSPHRASE = pki_helpers.SYSTEM_PASSPHRASE
SIGNING_PASSPHRASE = pki_helpers.SIGNING_PASSPHRASE
PDF = b'%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n'
PNG = b'\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00'
NPWP15 = '012345678901000'
NIB = '9120001234567'
NIK = '3174015505800001'


def registration_data(**changes):
    """A valid registration (API shape), with changes."""
    data = {
        'company_name': 'PT Maju Jaya Konstruksi',
        'legal_form': 'pt',
        'npwp': '01.234.567.8-901.000',
        'nib': NIB,
        'address': 'Jl. Merdeka No. 1',
        'province': 'Sulawesi Selatan',
        'city': 'Makassar',
        'phone': '0411-123456',
        'size_class': 'kecil',
        'sbu_grade': None,
        'directors': [{'name': 'Budi Santoso', 'position': 'Direktur Utama', 'nik': NIK}],
        'licences': [{'name': 'Izin Usaha Perdagangan', 'number': 'IU-1', 'kbli': '46100'}],
        'contact_name': 'Budi Santoso',
        'email': 'admin@majujaya.co.id',
        'password': PASSWORD,
    }
    return data | changes


@dataclass(frozen=True)
class CaMaterial:
    ca_key: object
    ca_cert: object
    system_cert: object
    ca_locked: bytes
    system_locked: bytes
    created: dt.datetime


@pytest.fixture(scope='session')
def ca_material():
    """The process-wide test CA (tests/pki_helpers.py), valid from long before any frozen time."""
    m = pki_helpers.material()
    return CaMaterial(
        m['ca_key'],
        m['ca_cert'],
        m['system_cert'],
        m['ca_locked'],
        m['system_locked'],
        m['created'],
    )


@pytest.fixture(scope='session')
def spare_keys():
    """RSA-3072 keys made once; tests that need a fresh key pop one (or reuse)."""
    return [pki.generate_key() for _ in range(3)]


@pytest.fixture
def app_config(app_config):
    return {
        **app_config,
        'WTF_CSRF_ENABLED': False,
        'LPSE_CA_PASSPHRASE': CA_PASSPHRASE,
        'LPSE_SYSTEM_KEY_PASSPHRASE': SYSTEM_PASSPHRASE,
    }


@pytest.fixture
def authority(app, ca_material):
    """The instance CA row, as `flask lpse init-ca` would leave it."""
    from cryptography.hazmat.primitives import serialization

    pem = lambda obj: obj.public_bytes(serialization.Encoding.PEM).decode()  # noqa: E731
    crl = pki.build_crl(
        ca_material.ca_key, ca_material.ca_cert, [], number=1, now=clock.now(), next_update_days=7
    )
    row = pki_service.Authority(
        id=1,
        ca_cert_pem=pem(ca_material.ca_cert),
        ca_key_locked=ca_material.ca_locked,
        system_cert_pem=pem(ca_material.system_cert),
        system_key_locked=ca_material.system_locked,
        crl_number=1,
        crl_pem=pem(crl),
        crl_updated_at=clock.now(),
        created_at=clock.now(),
    )
    db.session.add(row)
    db.session.commit()
    return row


@pytest.fixture
def outbox(app):
    """Mail delivered during the test (without SMTP the outbox keeps it here)."""
    mail_outbox.sent.clear()
    yield mail_outbox.sent
    mail_outbox.sent.clear()


@pytest.fixture
def create_vendor(app, person):
    """`create_vendor(verified=True)`: a company and its login user, in any status."""
    counter = {'n': 0}

    def make(
        *,
        verified=True,
        status=None,
        email=None,
        company='PT Sumber Rejeki',
        npwp=None,
        nib=None,
        documents=True,
        sbu_grade=None,
    ):
        counter['n'] += 1
        n = counter['n']
        status = status or (VendorStatus.verified if verified else VendorStatus.submitted)
        user = person(email or f'penyedia{n}@contoh.co.id', 'vendor', name=f'Pengurus {n}')
        now = clock.now()
        vendor = Vendor(
            user=user,
            company_name=company if n == 1 else f'{company} {n}',
            legal_form='pt',
            npwp=npwp or f'01234567890{n:04d}',
            nib=nib or f'912000123{n:04d}',
            address='Jl. Uji',
            province='DKI Jakarta',
            city='Jakarta Pusat',
            phone='0211234567',
            email=user.email,
            size_class='kecil',
            sbu_grade=sbu_grade,
            status=str(status),
            registered_at=now,
            email_confirmed_at=None if status == VendorStatus.unconfirmed else now,
            submitted_at=None if status == VendorStatus.unconfirmed else now,
            status_reason='Alasan uji'
            if status
            in (VendorStatus.rejected, VendorStatus.changes_requested, VendorStatus.suspended)
            else None,
        )
        vendor.npwp_key = vendor.npwp if len(vendor.npwp) == 16 else '0' + vendor.npwp
        vendor.directors = [VendorDirector(name='Direktur', position='Direktur', nik=NIK)]
        vendor.licences = [VendorLicence(name='Izin', number='1', kbli='46100')]
        db.session.add(vendor)
        db.session.flush()
        if documents:
            from lpse import storage

            sha, size = storage.blob_store().put_stream(io.BytesIO(PDF), max_size=10**6)
            for kind in ('akta', 'nib', 'npwp'):
                db.session.add(
                    VendorDocument(
                        vendor_id=vendor.id,
                        kind=kind,
                        filename=f'{kind}.pdf',
                        media_type='application/pdf',
                        sha256=sha,
                        size=size,
                        uploaded_at=now,
                    )
                )
        db.session.commit()
        return vendor

    return make


@pytest.fixture
def as_user(client):
    """Log the client in as a user (logging out whoever was in)."""

    def do(user):
        client.post('/auth/logout')
        response = client.post('/auth/login', data={'email': user.email, 'password': PASSWORD})
        assert response.status_code == 302, response.get_data(as_text=True)
        return client

    return do


@pytest.fixture
def token_for(app):
    from lpse.auth import operations

    def make(user):
        _row, token = operations.create_token(user, 'uji', now=clock.now())
        db.session.commit()
        return {'Authorization': f'Bearer {token}'}

    return make
