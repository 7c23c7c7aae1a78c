"""The whole tender in one browser journey, from the database `make run` leaves (the CA, the demo
agency, officers and vendors; no minimum stage durations): a new company signs up and confirms
from the development mailbox, a verifier approves it and it enrols a server-held key; a Pokja
member publishes a tender; the new company asks and the Pokja answers; it and a demo vendor bid;
two Pokja members open the bids; the Pokja evaluates, a second member approves, the winner is
announced; the loser objects and the Pokja answers; the PPK issues the SPPBJ and drafts the
contract, the winner signs it, then the PPK; SPMK, BAST, and the tender is "Selesai". Every page
passes axe and the 360 px check with its screenshot in test-artifacts/ (full-*), and the signed
contract PDF parsed back carries both signatures, valid. The test clock moves between stages."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pki_helpers
import pytest
from journey_steps import (
    PDF,
    SCHEDULE,
    accept_contract_draft,
    announce_winner,
    approve_company,
    approve_result,
    assert_signed_by_both,
    draft_contract,
    enrol_server_key,
    evaluate,
    file_objection,
    login,
    logout,
    open_bids,
    propose_result,
    publish_tender,
    register_company,
    reject_objection,
    sign_as_ppk,
    sign_as_vendor,
    spmk_and_bast,
    submit_bid,
    upload_company_documents,
)
from page_checks import check_page
from playwright.sync_api import expect

from lpse import clock, demo
from lpse.auth.models import User
from lpse.bids.models import Bid
from lpse.config import DevelopmentConfig
from lpse.evaluation.objection_models import Announcement
from lpse.extensions import db
from lpse.tenders.models import Tender

pytestmark = pytest.mark.slow

NOW = datetime(2026, 11, 2, 1, 0, tzinfo=UTC)  # 09:00 WITA, the demo agency's zone
COMPANY = 'PT Cahaya Nusantara'
EMAIL = 'kantor@cahayanusantara.co.id'
REGISTRATION = (
    COMPANY,
    '04.567.890.1-234.000',
    '8120005556667',
    'Dewi Lestari',
    '7371016505850003',
)
VENDOR_PASSWORD = 'sandi-perusahaan-2026'
SIGNING = 'frasa tanda tangan kami 2026'
QUESTION = 'Apakah atap boleh memakai baja ringan produksi dalam negeri?'
ANSWER = 'Boleh, selama memenuhi spesifikasi teknis dalam dokumen pemilihan.'
TECHNICAL_FAILURE = 'Metode pelaksanaan tidak memuat pekerjaan atap'
GROUNDS = 'Metode pelaksanaan kami memuat pekerjaan atap pada halaman 8.'
OBJECTION_ANSWER = 'Halaman 8 hanya memuat gambar, bukan urutan pekerjaan; sanggah ditolak.'
DEMO_KEYS = {'pokja1': 1, 'pokja2': 2, 'pokja3': 3, 'penyedia1': 10}


@pytest.fixture
def app_config(app_config):
    """`make run`'s development settings: no minimum stage durations or gaps."""
    return {
        **app_config,
        **pki_helpers.CONFIG,
        'LPSE_STAGE_MIN_DURATIONS': DevelopmentConfig.LPSE_STAGE_MIN_DURATIONS,
        'LPSE_STAGE_MIN_GAPS': DevelopmentConfig.LPSE_STAGE_MIN_GAPS,
    }


@pytest.fixture
def demo_site(app, monkeypatch):
    """What `make run` leaves: `init-ca` and `seed-demo`. Returns {email: password}. The Pokja
    members and PT Maju Jaya get server-held keys without enrolment (keygen is slow; the new
    company enrols its own in the browser), and tenders reuse pre-made keys."""
    clock.set_now(NOW)
    pki_helpers.install_authority()
    created = demo.seed(now=NOW)
    db.session.commit()
    passwords = {email: password for email, _roles, password in created}
    for name, key in DEMO_KEYS.items():
        user = db.session.scalar(db.select(User).where(User.email == f'{name}@demo.lpse.id'))
        pki_helpers.certify(user, key, server_held=True)
    pki_helpers.fake_tender_keys(monkeypatch)
    return passwords


def at(stage_start):
    """Move the test clock to half an hour into a stage starting at ``stage_start`` (WITA)."""
    start = datetime.fromisoformat(stage_start).replace(tzinfo=ZoneInfo(demo.AGENCY['timezone']))
    clock.set_now(start.astimezone(UTC) + timedelta(minutes=30))


def test_the_whole_tender_in_one_journey(page, demo_site, tmp_path):
    password = demo_site.get  # each demo account's generated password
    pokja1, pokja2, ppk = 'pokja1@demo.lpse.id', 'pokja2@demo.lpse.id', 'ppk@demo.lpse.id'

    # Sign-up: the form, the mail in the development mailbox, the link clicked.
    register_company(page, REGISTRATION, EMAIL, VENDOR_PASSWORD, shot='full-01-register')
    check_page(page, 'full-02-registered')
    if page.get_by_role('button', name='Keluar').count():
        logout(page)
    page.goto('/dev/mailbox/')
    check_page(page, 'full-03-mailbox')
    page.get_by_role('link', name='Konfirmasi email pendaftaran penyedia LPSE').first.click()
    expect(page.get_by_text(EMAIL)).to_be_visible()
    check_page(page, 'full-04-mail')
    page.get_by_role('link', name='/vendors/confirm/').click()
    expect(page.get_by_text(f'terkonfirmasi. Pendaftaran {COMPANY}')).to_be_visible()
    check_page(page, 'full-05-confirmed')
    if page.get_by_role('button', name='Keluar').count():
        logout(page)

    login(page, EMAIL, VENDOR_PASSWORD)
    page.goto('/vendors/me')
    expect(page.get_by_text('Menunggu verifikasi').first).to_be_visible()
    upload_company_documents(page)
    check_page(page, 'full-06-documents')
    logout(page)

    login(page, 'verifikator@demo.lpse.id', password('verifikator@demo.lpse.id'))
    approve_company(page, COMPANY, shots=('full-07-queue', 'full-08-review'))
    logout(page)

    login(page, EMAIL, VENDOR_PASSWORD)
    page.get_by_role('link', name='Perusahaan saya', exact=True).click()
    expect(page.get_by_text('Terverifikasi').first).to_be_visible()
    check_page(page, 'full-09-verified')
    enrol_server_key(page, SIGNING, shots=('full-10-keys', 'full-11-key-enrolled'))
    logout(page)

    # Publication.
    login(page, pokja1, password(pokja1))
    code = publish_tender(
        page,
        name='Rehabilitasi Gedung Puskesmas Sudiang',
        category='pekerjaan_konstruksi',
        work_unit='DPUPR',
        ppk=f'PPK Demo ({ppk})',
        members=['pokja2@demo.lpse.id', 'pokja3@demo.lpse.id'],
        hps='500.000.000',
        item='Pekerjaan rehabilitasi gedung',
        prefix='full-12-tender',
    )
    logout(page)

    # Q&A in the Pemberian Penjelasan.
    at(SCHEDULE['clarification'][0])
    login(page, EMAIL, VENDOR_PASSWORD)
    page.goto(f'/tenders/{code}')
    page.get_by_label('Pertanyaan', exact=True).fill(QUESTION)
    page.get_by_role('button', name='Kirim pertanyaan').click()
    expect(page.get_by_text('Pertanyaan terkirim.')).to_be_visible()
    check_page(page, 'full-13-asked')
    logout(page)
    login(page, pokja1, password(pokja1))
    page.goto(f'/tenders/{code}')
    page.get_by_label('Jawaban', exact=True).fill(ANSWER)
    page.get_by_role('button', name='Kirim jawaban').click()
    expect(page.get_by_text('Jawaban disimpan.')).to_be_visible()
    logout(page)
    page.goto(f'/tenders/{code}')
    qa = page.locator('article.qa')
    expect(qa).to_contain_text(QUESTION)
    expect(qa).to_contain_text(ANSWER)
    check_page(page, 'full-14-answered')

    # Bids: the new company and PT Maju Jaya.
    at(SCHEDULE['bid_submission'][0])
    attachment = tmp_path / 'surat-penawaran.pdf'
    attachment.write_bytes(PDF)
    login(page, EMAIL, VENDOR_PASSWORD)
    submit_bid(
        page,
        code,
        unit_price='450.000.000',
        passphrase=SIGNING,
        attachment=attachment,
        shots=('full-15-bid-form', 'full-16-bid-receipt'),
    )
    logout(page)
    login(page, 'penyedia1@demo.lpse.id', password('penyedia1@demo.lpse.id'))
    submit_bid(
        page,
        code,
        unit_price='470.000.000',
        passphrase=pki_helpers.SIGNING_PASSPHRASE,
        attachment=attachment,
        shots=('full-17-bid-form-2', 'full-18-bid-receipt-2'),
    )
    logout(page)

    # Opening: two of the three members hand over their key shares.
    tender = db.session.scalar(db.select(Tender).where(Tender.code == code))
    clock.set_now(tender.bid_deadline)
    open_bids(page, code, (pokja1, pokja2), password, prefix='full-19-opening')
    expect(page.locator('.opening-results tr.result-opened')).to_have_count(2)
    check_page(page, 'full-20-opened')
    logout(page)

    # An auditor reads the tender's collusion indicators and its audit trail (phone-sized too).
    login(page, 'auditor@demo.lpse.id', password('auditor@demo.lpse.id'))
    page.goto(f'/audit/flags/tender/{code}')
    expect(page.locator('img.network')).to_be_visible()
    check_page(page, 'full-20a-flags')
    page.goto(f'/audit/tenders/{code}')
    expect(page.locator('table')).to_contain_text('Penawaran dikirim')
    check_page(page, 'full-20b-trail')
    logout(page)

    # Evaluation: PT Maju Jaya fails the technical part; a second member approves.
    at(SCHEDULE['evaluation'][0])
    db.session.expire_all()
    bids = {
        b.vendor.company_name: b
        for b in db.session.scalars(db.select(Bid).where(Bid.tender_id == tender.id))
    }
    winner, loser = bids[COMPANY], bids['PT Maju Jaya']
    login(page, pokja1, password(pokja1))
    evaluate(page, code, winner.id)
    evaluate(page, code, loser.id, technical_failure=TECHNICAL_FAILURE)
    propose_result(page, code, shot='full-21-proposed')
    logout(page)
    login(page, pokja2, password(pokja2))
    approve_result(page, code, shot='full-22-approved')

    # Announcement.
    at(SCHEDULE['winner_announcement'][0])
    announce_winner(page, code, shot='full-23-announced')
    logout(page)
    page.goto(f'/tenders/{code}/results')
    expect(page.locator('#winner')).to_contain_text(COMPANY)
    expect(page.locator('#result-table')).to_contain_text(TECHNICAL_FAILURE)
    check_page(page, 'full-24-results')

    # Objection by the loser, answered by the Pokja.
    login(page, 'penyedia1@demo.lpse.id', password('penyedia1@demo.lpse.id'))
    file_objection(page, code, GROUNDS)
    check_page(page, 'full-25-objection')
    logout(page)
    login(page, pokja1, password(pokja1))
    reject_objection(page, code, OBJECTION_ANSWER)
    expect(page.locator('article.objection')).to_contain_text(OBJECTION_ANSWER)
    check_page(page, 'full-26-objection-answered')
    logout(page)

    # SPPBJ once the objection period is over.
    announcement = db.session.scalar(
        db.select(Announcement).where(Announcement.tender_id == tender.id)
    )
    clock.set_now(announcement.objection_ends_at)
    login(page, ppk, password(ppk))
    page.goto(f'/tenders/{code}')
    page.locator('#issue-award').click()
    expect(page.get_by_role('link', name='Unduh SPPBJ (PDF)')).to_be_visible()
    check_page(page, 'full-27-sppbj')

    # Contract: drafted by the PPK, reviewed and signed by the winner, then by the PPK.
    url = f'/tenders/{code}/contract'
    page.goto(url)
    check_page(page, 'full-28-contract-form')
    terms = {
        'starts_on': '2026-12-14',
        'ends_on': '2027-03-31',
        'bond_valid_until': '2027-04-30',
        'bond_number': 'JP-2026-0099',
        'bond_issuer': 'PT Bank Pembangunan Daerah Demo',
        'payment_terms': 'Termin bulanan sesuai kemajuan pekerjaan; retensi 5% sampai BAST.',
    }
    draft_contract(page, terms)
    check_page(page, 'full-29-contract-drafted')
    logout(page)

    login(page, EMAIL, VENDOR_PASSWORD)
    page.goto(url)
    accept_contract_draft(page)
    check_page(page, 'full-30-contract-reviewed')
    sign_as_vendor(page, SIGNING)
    check_page(page, 'full-31-vendor-signed')
    logout(page)

    login(page, ppk, password(ppk))
    pdf = sign_as_ppk(page, code, shot='full-32-contract-signed')
    spmk_and_bast(
        page, code, '2026-12-14', shots=('full-33-spmk', 'full-34-bast', 'full-35-completed')
    )
    assert_signed_by_both(pdf, 'Dewi Lestari')
