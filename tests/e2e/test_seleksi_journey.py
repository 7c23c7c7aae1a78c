"""Seleksi with post-qualification in the browser (DOMAIN §2, §9), from the database `make run`
leaves: a Pokja member publishes a consultancy selection (two files, QCBS 0.8/0.2, technical
threshold 70) qualified after the bids; the public tender page lists the method's twelve
stages, none of a prequalification; in the download stage a verified firm downloads the
Dokumen Pemilihan, with no shortlist to pass.

Then as in the prakualifikasi seleksi (seleksi_steps): three verified firms send two-file
bids, File I is opened and evaluated — here the Pokja records on each worksheet administration,
qualification, the technical score (CV Karya Mandiri's below the threshold) and pembuktian —,
File II is opened for the two that passed, PT Konsultan Prima ranks first (NK 91.05) and its
negotiation fails, PT Maju Jaya (NK 88.00) agrees to 760 M (HN), the BA Klarifikasi dan
Negosiasi PDFs say so, and the result is proposed, approved, announced and public at the HN.
Every page passes axe and the 360 px check (screenshots sel-*)."""

import pytest
from journey_steps import SCHEDULE, login, logout, publish_tender
from page_checks import check_page
from playwright.sync_api import expect
from prequal_steps import EMAIL, POKJA, firms  # noqa: F401 — fixture
from seleksi_steps import BIDS, QCBS, bids_to_announcement, download_document
from test_full_journey import app_config, at, demo_site  # noqa: F401 — shared fixtures

pytestmark = pytest.mark.slow

# The post-qualification tender's stages, in order: no prequalification.
STAGES = [
    'Pengumuman',
    'Download Dokumen Pemilihan',
    'Pemberian Penjelasan',
    'Upload Dokumen Penawaran',
    'Pembukaan Dokumen Penawaran',
    'Evaluasi',
    'Pembuktian Kualifikasi',
    'Penetapan Pemenang',
    'Pengumuman Pemenang',
    'Masa Sanggah',
    'Surat Penunjukan Penyedia Barang/Jasa (SPPBJ)',
    'Penandatanganan Kontrak',
]


def publish(page, password):
    """The Pokja member publishes the selection; the public page shows its stages. Returns
    the tender code."""
    login(page, POKJA[0], password(POKJA[0]))
    code = publish_tender(
        page,
        name='Jasa Konsultansi Pengawasan Jalan Lingkar',
        category='jasa_konsultansi',
        work_unit='DPUPR',
        ppk='PPK Demo (ppk@demo.lpse.id)',
        members=['pokja2@demo.lpse.id', 'pokja3@demo.lpse.id'],
        hps='850.000.000',
        item='Jasa pengawasan teknis',
        prefix='sel-01-tender',
        method='seleksi',
        fields=QCBS,
    )
    logout(page)
    page.goto(f'/tenders/{code}')
    expect(page.locator('ol.method-stages li')).to_have_text(STAGES)
    expect(page.locator('#prakualifikasi')).to_have_count(0)
    check_page(page, 'sel-02-public')
    return code


def download(page, code, password):
    """In the download stage a verified firm downloads the Dokumen Pemilihan: no shortlist."""
    at(SCHEDULE['download'][0])
    email = EMAIL[next(iter(BIDS))]
    login(page, email, password(email))
    page.goto(f'/tenders/{code}')
    expect(page.locator('#prakualifikasi-next')).to_have_count(0)
    download_document(page, code)
    check_page(page, 'sel-03-download')
    logout(page)


def test_a_post_qualified_selection_in_the_browser(page, demo_site, firms, tmp_path):  # noqa: F811
    password = {**demo_site, **firms}.get
    code = publish(page, password)
    download(page, code, password)
    # The Pokja records qualification and pembuktian on each worksheet itself.
    bids_to_announcement(
        page,
        code,
        password,
        tmp_path,
        prefix='sel',
        first=4,
        schedule=SCHEDULE,
        prequalified=False,
    )
