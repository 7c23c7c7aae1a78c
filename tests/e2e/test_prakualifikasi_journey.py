"""Seleksi Prakualifikasi in the browser (DOMAIN §9), from the database `make run` leaves: a
Pokja member publishes a consultancy selection (two files, quality and cost) with
prequalification; four firms fill and sign their qualification form on the page; the Pokja
records every requirement's verdict and a score per firm and two members approve the result;
the shortlist (best three by score) appears on the public tender page with the BA and the
announcement PDFs; the firm that failed is refused at the document download with the reason
and has no bid button; the three shortlisted firms download and send their two-file bids.

At the opening two members release their key shares and File I opens (no price shown); the
Pokja records each File I with its technical score (one below the threshold); the members
release again and File II opens for the two that passed only. QCBS (Wt 0.8, Wb 0.2, threshold
70) ranks PT Konsultan Prima first (NT 90, B 840 M: NK 91.05) and PT Maju Jaya second (NT 85,
B 800 M: NK 88.00). The negotiation with PT Konsultan Prima fails and PT Maju Jaya is invited;
it agrees to 760 M (HN). Each BA Klarifikasi dan Negosiasi downloads as a PDF saying so; the
result is proposed, approved and announced, and the public result names PT Maju Jaya at its
negotiated price. Every page passes axe and the 360 px check (screenshots pq-*)."""

import pytest
from journey_steps import login, logout, publish_tender
from page_checks import check_page
from playwright.sync_api import expect
from prequal_steps import (
    EMAIL,
    POKJA,
    PREQUALIFICATION,
    SCHEDULE_PQ,
    announce_shortlist,
    check_outside_shortlist,
    check_public_shortlist,
    evaluate_qualifications,
    firms,  # noqa: F401 — fixture
    send_qualifications,
)
from seleksi_steps import BIDS, QCBS, bids_to_announcement, download_document
from test_full_journey import app_config, at, demo_site  # noqa: F401 — shared fixtures

pytestmark = pytest.mark.slow

SELEKSI = {'qualification_method': 'prakualifikasi', **QCBS}
REQUIREMENTS = ('izin_usaha', 'pajak', 'pengalaman', 'pernyataan', 'tenaga_ahli')
# {company: (qualification score, failing requirement and why)}
QUALIFICATION = {
    'PT Maju Jaya': ('85', None),
    'CV Karya Mandiri': ('78.5', None),
    'PT Konsultan Prima': ('90', None),
    'PT Rekayasa Cipta': (
        '40',
        ('tenaga_ahli', 'Tenaga ahli tidak memiliki sertifikat keahlian'),
    ),
}


def prequalify(page, password):
    """Publication, the four qualification forms, the verdicts and the announced shortlist;
    returns the tender code."""
    login(page, POKJA[0], password(POKJA[0]))
    code = publish_tender(
        page,
        name='Jasa Konsultansi Perencanaan Jalan Lingkar',
        category='jasa_konsultansi',
        work_unit='DPUPR',
        ppk='PPK Demo (ppk@demo.lpse.id)',
        members=['pokja2@demo.lpse.id', 'pokja3@demo.lpse.id'],
        hps='850.000.000',
        item='Jasa perencanaan teknis',
        prefix='pq-01-tender',
        method='seleksi',
        schedule=SCHEDULE_PQ,
        fields=SELEKSI,
    )
    stages = page.locator('ol.method-stages')
    expect(stages).to_contain_text('Kirim Persyaratan Kualifikasi')
    expect(stages).to_contain_text('Masa Sanggah Prakualifikasi')
    logout(page)

    send_qualifications(page, code, password, prefix='pq')
    evaluate_qualifications(page, code, password, QUALIFICATION, REQUIREMENTS, prefix='pq')
    announce_shortlist(page, code, password, prefix='pq')
    # The shortlist by score with its two PDFs.
    check_public_shortlist(
        page,
        code,
        ['PT Konsultan Prima', 'PT Maju Jaya', 'CV Karya Mandiri'],
        ['PT Rekayasa Cipta'],
        shot='pq-08-public',
    )
    return code


def check_bidders(page, code, password):
    """In the download stage the firm outside the shortlist is refused; the first shortlisted
    firm is told it ranks second and downloads the Dokumen Pemilihan."""
    at(PREQUALIFICATION['download'][0])
    check_outside_shortlist(
        page,
        code,
        EMAIL['PT Rekayasa Cipta'],
        password,
        shots=('pq-09-not-shortlisted', 'pq-10-download-refused'),
    )
    email = EMAIL[next(iter(BIDS))]
    login(page, email, password(email))
    page.goto(f'/tenders/{code}')
    expect(page.locator('#prakualifikasi-next')).to_contain_text('peringkat 2')
    download_document(page, code)
    check_page(page, 'pq-11-shortlisted')
    logout(page)


def test_a_prequalified_selection_in_the_browser(page, demo_site, firms, tmp_path):  # noqa: F811
    password = {**demo_site, **firms}.get
    code = prequalify(page, password)
    check_bidders(page, code, password)
    # The shortlisted firms bid; the Pokja records administration and the technical score
    # only: the shortlist decided qualification and its proof.
    bids_to_announcement(
        page,
        code,
        password,
        tmp_path,
        prefix='pq',
        first=12,
        schedule=SCHEDULE_PQ,
        prequalified=True,
    )
