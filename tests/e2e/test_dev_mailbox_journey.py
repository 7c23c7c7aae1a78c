"""Without SMTP (as under `make run`) a new vendor signs up, finds its confirmation mail in the
development mailbox, clicks the link there, and logs in with its new account."""

from journey_steps import login, register_company
from page_checks import check_page
from playwright.sync_api import expect

from lpse.extensions import db
from lpse.vendors.models import Vendor

PASSWORD = 'sandi-perusahaan-2026'
EMAIL = 'kantor@cahayabaru.co.id'
COMPANY = (
    'PT Cahaya Baru',
    '03.456.789.0-123.000',
    '8120003334445',
    'Rina Wulandari',
    '7371015505800002',
)


def sign_up(page):
    register_company(page, COMPANY, EMAIL, PASSWORD, shot='devmail-01-register')
    check_page(page, 'devmail-02-registered')


def test_a_new_vendor_confirms_from_the_development_mailbox(page, app):
    sign_up(page)
    if page.get_by_role('button', name='Keluar').count():
        page.get_by_role('button', name='Keluar').click()

    page.goto('/dev/mailbox/')
    expect(page.get_by_role('heading', name='Kotak surat pengembangan')).to_be_visible()
    check_page(page, 'devmail-03-mailbox')
    page.get_by_role('link', name='Konfirmasi email pendaftaran penyedia LPSE').click()
    expect(page.get_by_text(EMAIL)).to_be_visible()
    check_page(page, 'devmail-04-message')
    page.get_by_role('link', name='/vendors/confirm/').click()
    expect(page.get_by_text('terkonfirmasi. Pendaftaran PT Cahaya Baru')).to_be_visible()
    check_page(page, 'devmail-05-confirmed')

    if page.get_by_role('button', name='Keluar').count():
        page.get_by_role('button', name='Keluar').click()
    login(page, EMAIL, PASSWORD)
    expect(page.get_by_role('link', name='Notifikasi')).to_be_visible()
    check_page(page, 'devmail-06-logged-in')

    db.session.expire_all()
    vendor = db.session.scalar(db.select(Vendor).where(Vendor.email == EMAIL))
    assert vendor.email_confirmed_at is not None
