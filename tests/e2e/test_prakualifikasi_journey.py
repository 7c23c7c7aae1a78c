"""Seleksi Prakualifikasi in the browser (DOMAIN §9), from the database `make run` leaves: a
Pokja member publishes a consultancy selection (two files, quality and cost) with
prequalification; four firms fill and sign their qualification form on the page; the Pokja
records every requirement's verdict and a score per firm and two members approve the result;
the shortlist (best three by score) appears on the public tender page with the BA and the
announcement PDFs; the firm that failed is refused at the document download with the reason
and has no bid button; a shortlisted firm downloads and sends its two-file bid. Every page
passes axe and the 360 px check (screenshots pq-*)."""

import pki_helpers
import pytest
from helpers import PASSWORD
from journey_steps import PDF, SCHEDULE, login, logout, publish_tender
from page_checks import check_page
from playwright.sync_api import expect
from test_full_journey import app_config, at, demo_site  # noqa: F401 — shared fixtures
from vendor_helpers import verify_vendor

from lpse.auth.models import User
from lpse.extensions import db
from lpse.tenders import documents
from lpse.tenders.models import Tender

pytestmark = pytest.mark.slow

PREQUALIFICATION = {
    'announcement': ('2026-11-02T10:00', '2026-11-05T10:00'),
    'qualification_submission': ('2026-11-02T10:00', '2026-11-05T10:00'),
    'qualification_evaluation': ('2026-11-05T10:00', '2026-11-06T10:00'),
    'qualification_announcement': ('2026-11-06T10:00', '2026-11-06T16:00'),
    'qualification_objection': ('2026-11-06T16:00', '2026-11-09T10:00'),
    'download': ('2026-11-09T10:00', '2026-11-18T10:00'),
    'clarification': ('2026-11-09T10:00', '2026-11-12T10:00'),
}
SCHEDULE_PQ = {**SCHEDULE, **PREQUALIFICATION}
SELEKSI = {
    'qualification_method': 'prakualifikasi',
    'submission_files': '2',
    'evaluation_method': 'qcbs',
    'technical_weight': '0.8',
    'price_weight': '0.2',
    'technical_threshold': '70',
}
REQUIREMENTS = ('izin_usaha', 'pajak', 'pengalaman', 'pernyataan', 'tenaga_ahli')
# (email, company, signing key, score, failing requirement)
FIRMS = (
    ('penyedia1@demo.lpse.id', 'PT Maju Jaya', 10, '85', None),
    ('penyedia2@demo.lpse.id', 'CV Karya Mandiri', 11, '78.5', None),
    ('kantor@konsultanprima.co.id', 'PT Konsultan Prima', 12, '90', None),
    ('kantor@rekayasacipta.co.id', 'PT Rekayasa Cipta', 13, '40', 'tenaga_ahli'),
)


@pytest.fixture
def firms(demo_site, person):  # noqa: F811
    """The two demo vendors and two more verified firms, each with a server-held key; returns
    {email: password}."""
    passwords = {}
    for email, company, key, _score, _failing in FIRMS:
        user = db.session.scalar(db.select(User).where(User.email == email))
        if user is None:
            user = person(email, 'vendor')
            verify_vendor(user, company=company)
            passwords[email] = PASSWORD
        if key != 10:  # the demo site certified PT Maju Jaya already
            pki_helpers.certify(user, key, server_held=True)
    db.session.commit()
    return passwords


def send_qualification(page, code, *, shots):
    """The signed-in firm fills its qualification form from the tender page and signs it."""
    page.goto(f'/tenders/{code}')
    page.get_by_role('link', name='Kirim data kualifikasi').click()
    expect(page.get_by_role('heading', name='Formulir Isian Kualifikasi')).to_be_visible()
    if shots[0]:
        check_page(page, shots[0])
    page.get_by_label('Pengalaman pekerjaan sejenis').fill(
        'Perencanaan jalan kabupaten 2024, Rp1.200.000.000, Dinas PUPR Kota Uji'
    )
    page.get_by_label('Tenaga ahli (nama, keahlian, pengalaman)').fill(
        'Ir. Budi Hartono, ahli jalan, 12 tahun'
    )
    page.get_by_label('Saya menyatakan data kualifikasi ini benar').check()
    page.get_by_label('Frasa sandi penandatanganan').fill(pki_helpers.SIGNING_PASSPHRASE)
    page.get_by_role('button', name='Tandatangani dan kirim').click()
    expect(page.get_by_text('Data kualifikasi Anda terkirim dan tercatat.')).to_be_visible()
    expect(
        page.get_by_role('link', name='Unduh formulir kualifikasi bertanda tangan')
    ).to_be_visible()
    if shots[1]:
        check_page(page, shots[1])


def evaluate_firm(page, company, score, failing, *, shot=None):
    """On the Pokja's evaluation page: every requirement's verdict with its reason, the score."""
    page.get_by_role('link', name=f'Evaluasi {company}').click()
    expect(page.get_by_role('heading', name=f'Evaluasi kualifikasi {company}')).to_be_visible()
    if shot:
        check_page(page, shot)
    for key in REQUIREMENTS:
        if key == failing:
            page.locator(f'#{key}-1').check()
            page.locator(f'#{key}_reason').fill('Tenaga ahli tidak memiliki sertifikat keahlian')
        else:
            page.locator(f'#{key}-0').check()
            page.locator(f'#{key}_reason').fill('Sesuai dokumen')
    page.get_by_label('Nilai kualifikasi (0–100)').fill(score)
    page.get_by_role('button', name='Simpan hasil evaluasi').click()
    expect(page.get_by_text(f'Hasil evaluasi kualifikasi {company} disimpan.')).to_be_visible()


def test_a_prequalified_selection_in_the_browser(page, demo_site, firms, tmp_path):  # noqa: F811
    password = {**demo_site, **firms}.get
    pokja1, pokja2 = 'pokja1@demo.lpse.id', 'pokja2@demo.lpse.id'

    login(page, pokja1, password(pokja1))
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

    at(PREQUALIFICATION['qualification_submission'][0])
    for n, (email, _company, _key, _score, _failing) in enumerate(FIRMS):
        login(page, email, password(email))
        shots = ('pq-02-form', 'pq-03-sent') if n == 0 else (None, None)
        send_qualification(page, code, shots=shots)
        logout(page)

    at(PREQUALIFICATION['qualification_evaluation'][0])
    login(page, pokja1, password(pokja1))
    page.goto(f'/tenders/{code}')
    expect(page.locator('#prakualifikasi-next')).to_contain_text('4 data kualifikasi menunggu')
    page.get_by_role('link', name='Buka evaluasi prakualifikasi').click()
    check_page(page, 'pq-04-submissions')
    for n, (_email, company, _key, score, failing) in enumerate(FIRMS):
        evaluate_firm(page, company, score, failing, shot='pq-05-verdicts' if n == 0 else None)
    expect(page.locator('#hasil-sementara')).to_contain_text('Daftar pendek yang akan diumumkan')
    check_page(page, 'pq-06-provisional')

    at(PREQUALIFICATION['qualification_announcement'][0])
    page.reload()
    page.get_by_role('button', name='Setujui hasil prakualifikasi').click()
    expect(page.get_by_text('Persetujuan Anda tercatat.')).to_be_visible()
    expect(page.get_by_text('Persetujuan atas hasil ini: 1 dari 2')).to_be_visible()
    logout(page)
    login(page, pokja2, password(pokja2))
    page.goto(f'/tenders/{code}/prakualifikasi/evaluasi')
    page.get_by_role('button', name='Setujui hasil prakualifikasi').click()
    expect(page.get_by_text('Hasil prakualifikasi diumumkan; masa sanggah')).to_be_visible()
    check_page(page, 'pq-07-announced')
    logout(page)

    # The public tender page: the shortlist by score with its two PDFs.
    page.goto(f'/tenders/{code}')
    shortlist = page.locator('#shortlist li')
    expect(shortlist).to_have_count(3)
    expect(shortlist.nth(0)).to_contain_text('PT Konsultan Prima')
    expect(shortlist.nth(1)).to_contain_text('PT Maju Jaya')
    expect(shortlist.nth(2)).to_contain_text('CV Karya Mandiri')
    expect(page.locator('#prakualifikasi')).not_to_contain_text('PT Rekayasa Cipta')
    for name in ('BA Hasil Prakualifikasi (PDF)', 'Pengumuman Hasil Prakualifikasi (PDF)'):
        link = page.get_by_role('link', name=name)
        response = page.request.get(link.get_attribute('href'))
        assert response.ok and response.body().startswith(b'%PDF-')
    check_page(page, 'pq-08-public')

    at(PREQUALIFICATION['download'][0])
    tender = db.session.scalar(db.select(Tender).where(Tender.code == code))
    (document,) = documents.documents_of(tender)
    rekayasa = FIRMS[3][0]
    login(page, rekayasa, password(rekayasa))
    page.goto(f'/tenders/{code}')
    expect(page.locator('#prakualifikasi-next')).to_contain_text(
        'Anda tidak termasuk daftar pendek'
    )
    expect(page.get_by_role('link', name=document.title)).to_have_count(0)
    expect(page.get_by_role('link', name='Kirim penawaran')).to_have_count(0)
    check_page(page, 'pq-09-not-shortlisted')
    page.goto(f'/tenders/{code}/documents/{document.id}')
    expect(page.get_by_text('tidak termasuk daftar pendek hasil prakualifikasi')).to_be_visible()
    check_page(page, 'pq-10-download-refused')
    logout(page)

    login(page, 'penyedia1@demo.lpse.id', password('penyedia1@demo.lpse.id'))
    page.goto(f'/tenders/{code}')
    expect(page.locator('#prakualifikasi-next')).to_contain_text('peringkat 2')
    with page.expect_download() as download:
        page.get_by_role('link', name=document.title).click()
    assert download.value.suggested_filename.endswith('.pdf')
    check_page(page, 'pq-11-shortlisted')

    # The shortlisted firm bids: File I (technical) and File II (price), sealed together.
    attachment = tmp_path / 'proposal.pdf'
    attachment.write_bytes(PDF)
    page.get_by_role('link', name='Kirim penawaran').click()
    check_page(page, 'pq-12-bid-form')
    page.get_by_label('Harga satuan item 1').fill('800.000.000')
    page.get_by_label('TKDN (%)').fill('40')
    page.get_by_label('Masa berlaku penawaran (hari)').fill('90')
    page.get_by_label('Lampiran File I (PDF)').set_input_files(str(attachment))
    page.get_by_label('Lampiran File II (PDF)').set_input_files(str(attachment))
    page.get_by_label('Frasa sandi penandatanganan').fill(pki_helpers.SIGNING_PASSPHRASE)
    page.get_by_role('button', name='Tanda tangani, segel dan kirim').click()
    expect(page.get_by_text('Penawaran terkirim').first).to_be_visible()
    check_page(page, 'pq-13-bid-receipts')
