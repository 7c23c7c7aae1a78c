"""A company registers in Indonesian, confirms its email from the link in the mail, uploads its
documents, a verifier approves it, and the vendor enrols a server-held signing key."""

import re

import pytest
from helpers import PASSWORD
from page_checks import check_page
from playwright.sync_api import expect

from lpse import clock, pki_service
from lpse.extensions import db
from lpse.notify import outbox as mail_outbox
from lpse.pki_service import Certificate
from lpse.vendors.models import Vendor

PDF = b'%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n'
PNG = b'\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00'
VENDOR_PASSWORD = 'sandi-perusahaan-2026'
SIGNING = 'frasa tanda tangan kami 2026'


@pytest.fixture
def app_config(app_config):
    return {
        **app_config,
        'LPSE_CA_PASSPHRASE': 'frasa-sandi-ca-e2e-0123456789',
        'LPSE_SYSTEM_KEY_PASSPHRASE': 'frasa-sandi-sistem-e2e-0123456789',
    }


@pytest.fixture
def outbox(app):
    mail_outbox.sent.clear()
    yield mail_outbox.sent
    mail_outbox.sent.clear()


def log_in(page, email, password):
    page.get_by_role('link', name='Masuk').first.click()
    page.get_by_label('Email').fill(email)
    page.get_by_label('Kata sandi').fill(password)
    page.get_by_role('button', name='Masuk').click()
    expect(page.get_by_role('button', name='Keluar')).to_be_visible()


def test_company_registers_is_verified_and_enrols_a_key(page, app, users, outbox, tmp_path):
    pki_service.init_ca(now=clock.now())
    db.session.commit()

    page.goto('/')
    page.get_by_role('link', name='Daftar penyedia').click()
    expect(page.get_by_role('heading', name='Pendaftaran penyedia')).to_be_visible()
    check_page(page, 'vendor-01-register')
    page.get_by_label('Nama perusahaan').fill('PT Sinar Terang Abadi')
    page.get_by_label('Bentuk usaha').select_option('pt')
    page.get_by_label('NPWP').fill('02.345.678.9-012.000')
    page.get_by_label('NIB').fill('8120001112223')
    page.get_by_label('Alamat').fill('Jl. Pettarani No. 10')
    page.get_by_label('Provinsi').fill('Sulawesi Selatan')
    page.get_by_label('Kabupaten/kota').fill('Makassar')
    page.get_by_label('Telepon').fill('0411 555 123')
    page.get_by_label('Kualifikasi usaha').select_option('kecil')
    page.locator('#directors-0-name').fill('Andi Saputra')
    page.locator('#directors-0-position').fill('Direktur')
    page.locator('#directors-0-nik').fill('7371011505800001')
    page.locator('#licences-0-name').fill('Izin Usaha Perdagangan')
    page.locator('#licences-0-number').fill('IUP-77')
    page.locator('#licences-0-kbli').fill('46100')
    page.get_by_label('Nama penanggung jawab akun').fill('Andi Saputra')
    page.get_by_label('Email perusahaan').fill('kantor@sinarterang.co.id')
    page.get_by_label('Kata sandi', exact=True).fill(VENDOR_PASSWORD)
    page.get_by_label('Ulangi kata sandi').fill(VENDOR_PASSWORD)
    page.get_by_role('button', name='Daftar').click()
    expect(page.get_by_text('Menunggu konfirmasi email').first).to_be_visible()

    assert len(outbox) == 1 and outbox[0]['To'] == 'kantor@sinarterang.co.id'
    link = re.search(r'https?://\S+/vendors/confirm/\S+', outbox[0].get_content()).group(0)
    page.goto(link)
    expect(page.get_by_text('terkonfirmasi. Pendaftaran PT Sinar Terang Abadi')).to_be_visible()
    page.get_by_role('link', name='Ke halaman penyedia').click()
    expect(page.get_by_text('Menunggu verifikasi').first).to_be_visible()
    check_page(page, 'vendor-02-documents')
    for kind, name, data in (
        ('akta', 'akta.pdf', PDF),
        ('nib', 'nib.png', PNG),
        ('npwp', 'npwp.pdf', PDF),
    ):
        page.get_by_label('Jenis dokumen').select_option(kind)
        page.get_by_label('Berkas (PDF, PNG atau JPEG)').set_input_files(
            files=[{'name': name, 'mimeType': 'application/octet-stream', 'buffer': data}]
        )
        page.get_by_role('button', name='Unggah').click()
        # The form uploads with a progress bar and the answer replaces the page: wait for
        # this file's row (the flash of the previous upload says the same words).
        expect(page.get_by_role('link', name=name)).to_be_visible()
        expect(page.get_by_text('Dokumen diunggah.')).to_be_visible()
    page.get_by_role('button', name='Keluar').click()

    log_in(page, users['verifier'].email, PASSWORD)
    page.get_by_role('link', name='Verifikasi penyedia').click()
    check_page(page, 'vendor-03-queue')
    page.get_by_role('link', name='PT Sinar Terang Abadi').click()
    check_page(page, 'vendor-04-review')
    expect(page.get_by_role('link', name='akta.pdf')).to_be_visible()
    page.get_by_label('Keputusan').select_option('approve')
    page.get_by_role('button', name='Simpan keputusan').click()
    expect(page.get_by_text('Keputusan disimpan.')).to_be_visible()
    page.get_by_role('button', name='Keluar').click()

    log_in(page, 'kantor@sinarterang.co.id', VENDOR_PASSWORD)
    page.get_by_role('link', name='Perusahaan saya', exact=True).click()
    expect(page.get_by_text('Terverifikasi').first).to_be_visible()
    check_page(page, 'vendor-05-verified')
    page.get_by_role('link', name='Kunci & sertifikat').first.click()
    expect(page.get_by_text('serialNumber', exact=True)).to_be_visible()
    check_page(page, 'vendor-06-keys')
    page.get_by_label('Frasa sandi penandatanganan', exact=True).fill(SIGNING)
    page.get_by_label('Ulangi frasa sandi').fill(SIGNING)
    page.get_by_role('button', name='Buat kunci di server').click()
    expect(page.get_by_text('Sertifikat aktif')).to_be_visible()
    page.locator('#unlock-passphrase').fill(SIGNING)
    page.get_by_role('button', name='Uji').click()
    expect(page.get_by_text('Frasa sandi benar')).to_be_visible()
    check_page(page, 'vendor-07-key-enrolled')

    db.session.expire_all()
    vendor = db.session.scalar(db.select(Vendor))
    assert vendor.status == 'verified'
    cert = db.session.scalar(db.select(Certificate))
    assert cert.user_id == vendor.user_id and cert.custody == 'server'
    assert 'O=PT Sinar Terang Abadi' in cert.subject and '023456789012000' in cert.subject
