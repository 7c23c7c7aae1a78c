"""A Pokja member creates and publishes a tender in Indonesian; an anonymous visitor finds it by
search, switches to English, opens it and sees the bid deadline in the tender's zone and WIB."""

import re
from datetime import UTC, datetime

import pki_helpers
import pytest
from helpers import PASSWORD
from page_checks import check_page
from playwright.sync_api import expect

from lpse import clock

NOW = datetime(2026, 11, 2, 1, 0, tzinfo=UTC)  # 09:00 WITA
PDF = b'%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n'
# The schedule as a Pokja member types it (WITA), meeting the default minimum durations.
SCHEDULE = {
    'announcement': ('2026-11-02T10:00', '2026-11-09T10:00'),
    'download': ('2026-11-02T10:00', '2026-11-18T10:00'),
    'clarification': ('2026-11-05T10:00', '2026-11-09T10:00'),
    'bid_submission': ('2026-11-09T10:00', '2026-11-19T10:00'),
    'bid_opening': ('2026-11-19T10:00', '2026-11-19T15:00'),
    'evaluation': ('2026-11-20T08:00', '2026-11-24T16:00'),
    'qualification_proof': ('2026-11-24T08:00', '2026-11-24T16:00'),
    'winner_decision': ('2026-11-25T08:00', '2026-11-25T16:00'),
    'winner_announcement': ('2026-11-26T08:00', '2026-11-26T16:00'),
    'objection': ('2026-11-27T08:00', '2026-12-02T08:00'),
    'award': ('2026-12-03T08:00', '2026-12-04T16:00'),
    'contract': ('2026-12-07T08:00', '2026-12-11T16:00'),
}


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
    page.goto('/auth/login')
    page.get_by_label('Email').fill(pokja.email)
    page.get_by_label('Kata sandi').fill(PASSWORD)
    page.get_by_role('button', name='Masuk').click()
    page.get_by_role('link', name='Tender saya').click()
    check_page(page, 'tender-01-mine')
    page.get_by_role('link', name='Buat tender').click()
    check_page(page, 'tender-02-new')

    page.get_by_label('Nama paket').fill('Pembangunan Jembatan Sungai Mahakam')
    page.get_by_label('Uraian pekerjaan').fill('Jembatan beton bentang 40 m.')
    page.get_by_label('Jenis pengadaan').select_option('pekerjaan_konstruksi')
    page.get_by_label('Satuan kerja').select_option('DPU')
    page.get_by_label('Sumber dana').fill('APBD Kota Uji 2026')
    page.get_by_label('Pagu anggaran (Rp)').fill('2.500.000.000')
    page.get_by_label('HPS (Rp)').fill('2.400.000.000')
    page.get_by_label('Lokasi pekerjaan').fill('Kelurahan Sungai Keledang')
    page.get_by_label('PPK').select_option(label='Ppk (ppk@uji.go.id)')
    page.get_by_label(re.compile('pokja2@uji.go.id')).check()
    page.get_by_label(re.compile('pokja3@uji.go.id')).check()
    page.get_by_label('Uraian', exact=True).first.fill('Pekerjaan jembatan')
    page.get_by_label('Volume').first.fill('1')
    page.get_by_label('Satuan', exact=True).first.fill('ls')
    page.get_by_label('Harga satuan HPS').first.fill('2.400.000.000')
    page.get_by_role('button', name='Simpan draf').click()
    expect(page.get_by_text(re.compile(r'Draf tender KOTAUJI-2026-\d{5} dibuat'))).to_be_visible()
    check_page(page, 'tender-03-draft')

    for stage, (start, end) in SCHEDULE.items():
        page.locator(f'#{stage}_start').fill(start)
        page.locator(f'#{stage}_end').fill(end)
    page.get_by_role('button', name='Simpan jadwal').click()
    expect(page.get_by_text('Jadwal disimpan.')).to_be_visible()
    check_page(page, 'tender-04-schedule')

    page.get_by_role('link', name='Unggah dokumen').click()
    check_page(page, 'tender-05-upload')
    page.get_by_label('Jenis dokumen').select_option('dokumen_pemilihan')
    page.get_by_label('Berkas (PDF atau dokumen perkantoran)').set_input_files(
        {'name': 'dokumen-pemilihan.pdf', 'mimeType': 'application/pdf', 'buffer': PDF}
    )
    page.get_by_role('button', name='Unggah').click()
    expect(page.get_by_text('Dokumen diunggah.')).to_be_visible()
    page.get_by_role('button', name='Umumkan tender').click()
    expect(page.get_by_text('Tender diumumkan.')).to_be_visible()
    check_page(page, 'tender-06-published')
    page.get_by_role('button', name='Keluar').click()

    page.get_by_role('link', name='Cari tender', exact=True).click()
    page.get_by_label('Cari kode, nama paket, uraian atau instansi').fill('jembatan mahakam')
    page.get_by_role('button', name='Cari').click()
    row = page.locator('table.tender-list tbody tr')
    expect(row).to_have_count(1)
    expect(row).to_contain_text('Rp2.400.000.000')
    expect(row).to_contain_text('19 November 2026 10:00 WITA (09:00 WIB)')
    check_page(page, 'tender-07-search')

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
