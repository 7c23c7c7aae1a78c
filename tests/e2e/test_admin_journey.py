"""An admin logs in in Indonesian, switches to English, creates a pokja user and logs out;
the new user logs in with the one-time password and must set their own."""

from helpers import PASSWORD
from page_checks import check_page
from playwright.sync_api import expect


def test_admin_creates_pokja_user_who_then_logs_in(page, users, agency):
    page.goto('/')
    expect(page.locator('html')).to_have_attribute('lang', 'id')
    check_page(page, 'admin-01-home')
    page.get_by_role('link', name='Masuk').first.click()
    page.get_by_label('Email').fill(users['admin'].email)
    check_page(page, 'admin-02-login')
    page.get_by_label('Kata sandi').fill(PASSWORD)
    page.get_by_role('button', name='Masuk').click()
    # A login lands on the user's own home page (/beranda).
    expect(page.get_by_role('heading', name='Beranda saya')).to_be_visible()

    page.get_by_role('link', name='English').click()
    expect(page.locator('html')).to_have_attribute('lang', 'en')
    # The admin's home says what to look after, and leads to the users.
    expect(page.get_by_role('heading', name='LPSE administration')).to_be_visible()
    check_page(page, 'admin-02b-home')
    page.get_by_role('link', name='Manage users').click()
    check_page(page, 'admin-03-users')
    page.get_by_role('link', name='Add user').click()
    check_page(page, 'admin-04-add-user')
    page.get_by_label('Email').fill('pokja.baru@uji.go.id')
    page.get_by_label('Full name').fill('Pokja Baru')
    page.get_by_label('Procurement committee (Pokja)').check()
    page.get_by_label('Agency').select_option('KOTAUJI')
    page.get_by_role('button', name='Save').click()
    password = page.locator('#one-time-password').inner_text()
    assert len(password) >= 10
    check_page(page, 'admin-05-user-created')

    page.get_by_role('button', name='Log out').click()
    expect(page.get_by_role('link', name='Log in').first).to_be_visible()

    page.get_by_role('link', name='Log in').first.click()
    page.get_by_label('Email').fill('pokja.baru@uji.go.id')
    page.get_by_label('Password').fill(password)
    page.get_by_role('button', name='Log in').click()
    expect(page.get_by_role('heading', name='Change password')).to_be_visible()
    check_page(page, 'admin-06-change-password')
    page.get_by_label('Current password').fill(password)
    page.get_by_label('New password', exact=True).fill('sandi-baru-yang-panjang')
    page.get_by_label('Repeat new password').fill('sandi-baru-yang-panjang')
    page.get_by_role('button', name='Save').click()
    expect(page.get_by_role('heading', name='Profile')).to_be_visible()
    expect(page.get_by_text('pokja.baru@uji.go.id')).to_be_visible()
    check_page(page, 'admin-07-profile')
