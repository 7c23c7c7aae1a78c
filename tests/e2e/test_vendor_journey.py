"""A company registers in Indonesian, confirms its email from the link in the mail, uploads its
documents, a verifier approves it, and the vendor enrols a server-held signing key."""

import re

import pytest
from journey_steps import (
    approve_company,
    enrol_server_key,
    login,
    register_company,
    upload_company_documents,
)
from page_checks import a_card_on_phone, check_page, on_phone_screen
from playwright.sync_api import expect

from lpse import clock, pki_service
from lpse.extensions import db
from lpse.notify import inbox
from lpse.notify import outbox as mail_outbox
from lpse.pki_service import Certificate
from lpse.vendors.models import Vendor

VENDOR_PASSWORD = 'sandi-perusahaan-2026'
SIGNING = 'frasa tanda tangan kami 2026'
COMPANY = (
    'PT Sinar Terang Abadi',
    '02.345.678.9-012.000',
    '8120001112223',
    'Andi Saputra',
    '7371011505800001',
)


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


def test_company_registers_is_verified_and_enrols_a_key(page, app, users, outbox, tmp_path):
    pki_service.init_ca(now=clock.now())
    db.session.commit()

    register_company(
        page, COMPANY, 'kantor@sinarterang.co.id', VENDOR_PASSWORD, shot='vendor-01-register'
    )

    assert len(outbox) == 1 and outbox[0]['To'] == 'kantor@sinarterang.co.id'
    link = re.search(r'https?://\S+/vendors/confirm/\S+', outbox[0].get_content()).group(0)
    page.goto(link)
    expect(page.get_by_text('terkonfirmasi. Pendaftaran PT Sinar Terang Abadi')).to_be_visible()
    page.get_by_role('link', name='Ke halaman penyedia').click()
    expect(page.get_by_text('Menunggu verifikasi').first).to_be_visible()
    check_page(page, 'vendor-02-documents')
    upload_company_documents(page)
    page.get_by_role('button', name='Keluar').click()

    login(page, users['verifier'].email)
    approve_company(page, 'PT Sinar Terang Abadi', shots=('vendor-03-queue', 'vendor-04-review'))
    page.get_by_role('button', name='Keluar').click()

    login(page, 'kantor@sinarterang.co.id', VENDOR_PASSWORD)
    page.get_by_role('link', name='Perusahaan saya', exact=True).click()
    expect(page.get_by_text('Terverifikasi').first).to_be_visible()
    check_page(page, 'vendor-05-verified')
    # On a phone each director and document is a card: the NIK and the SHA-256 on screen.
    on_phone_screen(
        page,
        page.locator('td[data-label="NIK"]').first,
        page.locator('td[data-label="SHA-256"]').first,
    )
    enrol_server_key(page, SIGNING, shots=('vendor-06-keys', 'vendor-07-key-enrolled'))
    # The certificate on a phone: a card, its serial, state and actions on screen.
    a_card_on_phone(page, page.locator('tr', has=page.locator('td[data-label="Nomor seri"]')))

    db.session.expire_all()
    vendor = db.session.scalar(db.select(Vendor))
    assert vendor.status == 'verified'

    # An unread notification in the inbox: its "mark as read" link-button must be readable
    # (it once inherited the header's white text on the card's grey: axe color-contrast).
    inbox.send(
        [vendor.user],
        kind='schedule_changed',
        render=lambda: ('Jadwal tender berubah', 'Jadwal tender diubah oleh Pokja.'),
        link='/tenders/',
        now=clock.now(),
        mail=False,
    )
    db.session.commit()
    page.goto('/notifikasi')
    expect(page.get_by_role('button', name='Tandai sudah dibaca')).to_be_visible()
    check_page(page, 'vendor-08-notifications')
    cert = db.session.scalar(db.select(Certificate))
    assert cert.user_id == vendor.user_id and cert.custody == 'server'
    assert 'O=PT Sinar Terang Abadi' in cert.subject and '023456789012000' in cert.subject
