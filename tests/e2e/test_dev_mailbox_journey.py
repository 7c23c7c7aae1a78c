"""Without SMTP (as under `make run`) a new vendor signs up, finds its confirmation mail in the
development mailbox, clicks the link there, and logs in with its new account."""

from page_checks import check_page
from playwright.sync_api import expect

from lpse.extensions import db
from lpse.vendors.models import Vendor

PASSWORD = 'sandi-perusahaan-2026'
EMAIL = 'kantor@cahayabaru.co.id'


def sign_up(page):
    page.goto('/')
    page.get_by_role('link', name='Daftar penyedia').click()
    check_page(page, 'devmail-01-register')
    page.get_by_label('Nama perusahaan').fill('PT Cahaya Baru')
    page.get_by_label('Bentuk usaha').select_option('pt')
    page.get_by_label('NPWP').fill('03.456.789.0-123.000')
    page.get_by_label('NIB').fill('8120003334445')
    page.get_by_label('Alamat').fill('Jl. Sudirman No. 5')
    page.get_by_label('Provinsi').fill('Sulawesi Selatan')
    page.get_by_label('Kabupaten/kota').fill('Makassar')
    page.get_by_label('Telepon').fill('0411 555 777')
    page.get_by_label('Kualifikasi usaha').select_option('kecil')
    page.locator('#directors-0-name').fill('Rina Wulandari')
    page.locator('#directors-0-position').fill('Direktur')
    page.locator('#directors-0-nik').fill('7371015505800002')
    page.locator('#licences-0-name').fill('Izin Usaha Perdagangan')
    page.locator('#licences-0-number').fill('IUP-88')
    page.locator('#licences-0-kbli').fill('46100')
    page.get_by_label('Nama penanggung jawab akun').fill('Rina Wulandari')
    page.get_by_label('Email perusahaan').fill(EMAIL)
    page.get_by_label('Kata sandi', exact=True).fill(PASSWORD)
    page.get_by_label('Ulangi kata sandi').fill(PASSWORD)
    page.get_by_role('button', name='Daftar').click()
    expect(page.get_by_text('Menunggu konfirmasi email').first).to_be_visible()
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
    page.get_by_role('link', name='Masuk').first.click()
    page.get_by_label('Email').fill(EMAIL)
    page.get_by_label('Kata sandi').fill(PASSWORD)
    page.get_by_role('button', name='Masuk').click()
    expect(page.get_by_role('button', name='Keluar')).to_be_visible()
    expect(page.get_by_role('link', name='Notifikasi')).to_be_visible()
    check_page(page, 'devmail-06-logged-in')

    db.session.expire_all()
    vendor = db.session.scalar(db.select(Vendor).where(Vendor.email == EMAIL))
    assert vendor.email_confirmed_at is not None
