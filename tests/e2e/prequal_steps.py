"""Steps the prequalified journeys share (import as `prequal_steps`): the prequalification
schedule, four verified firms with server-held keys, each firm's signed qualification form, the
Pokja's verdict per requirement (and score, for consultancy), the two approvals that announce the
shortlist, the public shortlist with its PDFs, a firm outside it refused, a two-file bid, and a
PDF's text."""

import io

import pki_helpers
import pytest
from helpers import PASSWORD
from journey_steps import SCHEDULE, login, logout
from page_checks import check_page
from playwright.sync_api import expect
from pypdf import PdfReader
from test_full_journey import at
from vendor_helpers import verify_vendor

from lpse.auth.models import User
from lpse.extensions import db
from lpse.tenders import documents
from lpse.tenders.models import Tender

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
# (email, company, signing key): the two demo vendors and two more firms.
FIRMS = (
    ('penyedia1@demo.lpse.id', 'PT Maju Jaya', 10),
    ('penyedia2@demo.lpse.id', 'CV Karya Mandiri', 11),
    ('kantor@konsultanprima.co.id', 'PT Konsultan Prima', 12),
    ('kantor@rekayasacipta.co.id', 'PT Rekayasa Cipta', 13),
)
EMAIL = {company: email for email, company, _key in FIRMS}
POKJA = ('pokja1@demo.lpse.id', 'pokja2@demo.lpse.id')


@pytest.fixture
def firms(demo_site, person):
    """The demo site's two vendors and two more verified firms, each with a server-held key;
    returns {email: password} of the firms made here."""
    passwords = {}
    for email, company, key in FIRMS:
        user = db.session.scalar(db.select(User).where(User.email == email))
        if user is None:
            user = person(email, 'vendor')
            verify_vendor(user, company=company)
            passwords[email] = PASSWORD
        if key != 10:  # the demo site certified PT Maju Jaya already
            pki_helpers.certify(user, key, server_held=True)
    db.session.commit()
    return passwords


def send_qualification(page, code, *, shots=(None, None)):
    """The signed-in firm fills its qualification form from the tender page and signs it;
    shots: (form, sent)."""
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


def send_qualifications(page, code, password, *, prefix):
    """In the Kirim Persyaratan Kualifikasi stage every firm of FIRMS sends its form."""
    at(PREQUALIFICATION['qualification_submission'][0])
    for n, (email, _company, _key) in enumerate(FIRMS):
        login(page, email, password(email))
        shots = (f'{prefix}-02-form', f'{prefix}-03-sent') if n == 0 else (None, None)
        send_qualification(page, code, shots=shots)
        logout(page)


def evaluate_firm(page, company, requirements, failing, *, score=None, shot=None):
    """On the Pokja's evaluation page: every requirement's verdict with its reason (``failing``
    is (requirement, reason) or None), and the score when the method scores."""
    page.get_by_role('link', name=f'Evaluasi {company}').click()
    expect(page.get_by_role('heading', name=f'Evaluasi kualifikasi {company}')).to_be_visible()
    if shot:
        check_page(page, shot)
    for key in requirements:
        if failing and key == failing[0]:
            page.locator(f'#{key}-1').check()
            page.locator(f'#{key}_reason').fill(failing[1])
        else:
            page.locator(f'#{key}-0').check()
            page.locator(f'#{key}_reason').fill('Sesuai dokumen')
    if score is not None:
        page.get_by_label('Nilai kualifikasi (0–100)').fill(score)
    page.get_by_role('button', name='Simpan hasil evaluasi').click()
    expect(page.get_by_text(f'Hasil evaluasi kualifikasi {company} disimpan.')).to_be_visible()


def evaluate_qualifications(page, code, password, verdicts, requirements, *, prefix):
    """In the evaluation stage the first Pokja member records ``verdicts`` ({company: (score,
    failing)}) and sees the provisional shortlist; the page is left signed in."""
    at(PREQUALIFICATION['qualification_evaluation'][0])
    login(page, POKJA[0], password(POKJA[0]))
    page.goto(f'/tenders/{code}')
    expect(page.locator('#prakualifikasi-next')).to_contain_text(
        f'{len(verdicts)} data kualifikasi menunggu'
    )
    page.get_by_role('link', name='Buka evaluasi prakualifikasi').click()
    check_page(page, f'{prefix}-04-submissions')
    for n, (company, (score, failing)) in enumerate(verdicts.items()):
        shot = f'{prefix}-05-verdicts' if n == 0 else None
        evaluate_firm(page, company, requirements, failing, score=score, shot=shot)
    expect(page.locator('#hasil-sementara')).to_contain_text('Daftar pendek yang akan diumumkan')
    check_page(page, f'{prefix}-06-provisional')


def announce_shortlist(page, code, password, *, prefix):
    """In the announcement stage the signed-in first Pokja member and then the second approve
    the result: the second approval announces it."""
    at(PREQUALIFICATION['qualification_announcement'][0])
    page.goto(f'/tenders/{code}/prakualifikasi/evaluasi')
    page.get_by_role('button', name='Setujui hasil prakualifikasi').click()
    expect(page.get_by_text('Persetujuan Anda tercatat.')).to_be_visible()
    expect(page.get_by_text('Persetujuan atas hasil ini: 1 dari 2')).to_be_visible()
    logout(page)
    login(page, POKJA[1], password(POKJA[1]))
    page.goto(f'/tenders/{code}/prakualifikasi/evaluasi')
    page.get_by_role('button', name='Setujui hasil prakualifikasi').click()
    expect(page.get_by_text('Hasil prakualifikasi diumumkan; masa sanggah')).to_be_visible()
    check_page(page, f'{prefix}-07-announced')
    logout(page)


def check_public_shortlist(page, code, shortlist, excluded, *, shot):
    """The public tender page lists ``shortlist`` in order, not ``excluded``, with the BA and
    the announcement of the prequalification result as PDFs."""
    page.goto(f'/tenders/{code}')
    rows = page.locator('#shortlist li')
    expect(rows).to_have_count(len(shortlist))
    for n, company in enumerate(shortlist):
        expect(rows.nth(n)).to_contain_text(company)
    for company in excluded:
        expect(page.locator('#prakualifikasi')).not_to_contain_text(company)
    for name in ('BA Hasil Prakualifikasi (PDF)', 'Pengumuman Hasil Prakualifikasi (PDF)'):
        link = page.get_by_role('link', name=name)
        response = page.request.get(link.get_attribute('href'))
        assert response.ok and response.body().startswith(b'%PDF-')
    check_page(page, shot)


def check_outside_shortlist(page, code, email, password, *, shots):
    """In the download stage the firm outside the shortlist sees why on the tender page, has
    neither the Dokumen Pemilihan link nor the bid button, and is refused at the download;
    shots: (tender page, refused download)."""
    tender = db.session.scalar(db.select(Tender).where(Tender.code == code))
    (document,) = documents.documents_of(tender)
    login(page, email, password(email))
    page.goto(f'/tenders/{code}')
    expect(page.locator('#prakualifikasi-next')).to_contain_text(
        'Anda tidak termasuk daftar pendek'
    )
    expect(page.get_by_role('link', name=document.title)).to_have_count(0)
    expect(page.get_by_role('link', name='Kirim penawaran')).to_have_count(0)
    check_page(page, shots[0])
    page.goto(f'/tenders/{code}/documents/{document.id}')
    expect(page.get_by_text('tidak termasuk daftar pendek hasil prakualifikasi')).to_be_visible()
    check_page(page, shots[1])
    logout(page)


def submit_two_file_bid(page, code, unit_price, attachment, *, shots=(None, None)):
    """The signed-in shortlisted firm sends File I (technical) and File II (price) from the
    tender page, sealed together; shots: (form, receipts)."""
    page.goto(f'/tenders/{code}')
    page.get_by_role('link', name='Kirim penawaran').click()
    if shots[0]:
        check_page(page, shots[0])
    page.get_by_label('Harga satuan item 1').fill(unit_price)
    page.get_by_label('TKDN (%)').fill('40')
    page.get_by_label('Masa berlaku penawaran (hari)').fill('90')
    page.get_by_label('Lampiran File I (PDF)').set_input_files(str(attachment))
    page.get_by_label('Lampiran File II (PDF)').set_input_files(str(attachment))
    page.get_by_label('Frasa sandi penandatanganan').fill(pki_helpers.SIGNING_PASSPHRASE)
    page.get_by_role('button', name='Tanda tangani, segel dan kirim').click()
    expect(page.get_by_text('Penawaran terkirim').first).to_be_visible()
    if shots[1]:
        check_page(page, shots[1])


def pdf_text(data: bytes) -> str:
    """The text of a downloaded PDF (checked to be one)."""
    assert data.startswith(b'%PDF-')
    return ' '.join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
