"""A Pokja member creates and publishes a tender in Indonesian; an anonymous visitor finds it by
search, switches to English, opens it and sees the bid deadline in the tender's zone and WIB."""

import re
from datetime import UTC, datetime

import pki_helpers
import pytest
from journey_steps import login, publish_tender
from page_checks import a_card_on_phone, check_page, on_phone_screen
from playwright.sync_api import expect

from lpse import clock

NOW = datetime(2026, 11, 2, 1, 0, tzinfo=UTC)  # 09:00 WITA


@pytest.fixture
def app_config(app_config):
    return {**app_config, **pki_helpers.CONFIG}


@pytest.fixture
def pokja(make_user, monkeypatch):
    clock.set_now(NOW)
    make_user('ppk@uji.go.id', 'ppk')
    members = [make_user(f'pokja{n}@uji.go.id', 'pokja') for n in (2, 3, 1)]
    # Publication splits the tender key among the Pokja: each member needs a pokja certificate.
    pki_helpers.certify_pokja(members)
    pki_helpers.fake_tender_keys(monkeypatch)
    return members[-1]


def test_pokja_publishes_and_the_public_finds_it(page, pokja):
    login(page, pokja.email)
    publish_tender(
        page,
        name='Pembangunan Jembatan Sungai Mahakam',
        category='pekerjaan_konstruksi',
        work_unit='DPU',
        ppk='Ppk (ppk@uji.go.id)',
        members=['pokja2@uji.go.id', 'pokja3@uji.go.id'],
        hps='2.400.000.000',
        item='Pekerjaan jembatan',
        prefix='tender',
    )
    # The Pokja's home: on a phone each tender is a card, what to do next on screen.
    page.goto('/beranda')
    task = page.locator('section[aria-labelledby="home-pokja"] tbody tr').first
    expect(task.locator('td[data-label="Yang perlu dilakukan"]')).to_be_visible()
    a_card_on_phone(page, task)
    page.get_by_role('button', name='Keluar').click()

    page.get_by_role('link', name='Cari tender', exact=True).click()
    page.get_by_label('Cari kode, nama paket, uraian atau instansi').fill('jembatan mahakam')
    page.get_by_role('button', name='Cari').click()
    row = page.locator('table.tender-list tbody tr')
    expect(row).to_have_count(1)
    expect(row).to_contain_text('Rp2.400.000.000')
    expect(row).to_contain_text('19 November 2026 10:00 WITA (09:00 WIB)')
    check_page(page, 'tender-07-search')
    # On a phone each tender is a card: its HPS and bid deadline are on screen, not to the side.
    on_phone_screen(
        page, row.get_by_text('Rp2.400.000.000'), row.get_by_text('19 November 2026 10:00 WITA')
    )

    page.get_by_role('link', name='English').click()
    expect(page.locator('html')).to_have_attribute('lang', 'en')
    page.get_by_role('link', name=re.compile(r'KOTAUJI-2026-\d{5}')).click()
    expect(page.locator('h1')).to_have_text('Pembangunan Jembatan Sungai Mahakam')
    expect(page.locator('dd.deadline')).to_have_text('19 November 2026 10:00 WITA (09:00 WIB)')
    # English, not only the lang attribute: the stage names and headings are translated.
    expect(page.get_by_role('rowheader', name='Announcement', exact=True)).to_be_visible()
    expect(page.get_by_role('heading', name='Schedule', exact=True)).to_be_visible()
    check_page(page, 'tender-08-public-en')
    expect(page.get_by_text('Pengumuman', exact=True)).to_have_count(0)
