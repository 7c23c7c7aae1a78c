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
from journey_steps import (
    PDF,
    PREQUALIFIED_PARTS,
    SCHEDULE,
    announce_winner,
    approve_result,
    evaluate,
    login,
    logout,
    open_bids,
    propose_result,
    publish_tender,
)
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
    pdf_text,
    send_qualifications,
    submit_two_file_bid,
)
from test_full_journey import app_config, at, demo_site  # noqa: F401 — shared fixtures

from lpse import clock
from lpse.bids.models import Bid, BidStatus, EnvelopeKind
from lpse.extensions import db
from lpse.tenders import documents
from lpse.tenders.models import Tender

pytestmark = pytest.mark.slow

SELEKSI = {
    'qualification_method': 'prakualifikasi',
    'submission_files': '2',
    'evaluation_method': 'qcbs',
    'technical_weight': '0.8',
    'price_weight': '0.2',
    'technical_threshold': '70',
}
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
# {company: (unit price of the one item, technical score NT)}
BIDS = {
    'PT Maju Jaya': ('800.000.000', '85'),
    'PT Konsultan Prima': ('840.000.000', '90'),
    'CV Karya Mandiri': ('780.000.000', '60'),
}
FAILED_TALK = {
    'technical': 'Tenaga ahli utama tidak dapat diganti dengan yang setara.',
    'price': 'Penyedia tidak bersedia menurunkan biaya personil.',
    'reason': 'Tidak tercapai kesepakatan biaya personil.',
}
AGREED_TALK = {
    'technical': 'Jadwal penugasan tenaga ahli disesuaikan dengan jadwal pelaksanaan.',
    'price': 'Biaya personil diturunkan; biaya langsung non-personil tetap.',
    'hn': '760.000.000',
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


def bid(page, code, password, tmp_path):
    """In the download stage the firm outside the shortlist is refused; the three shortlisted
    firms download the Dokumen Pemilihan and send their two-file bids."""
    at(PREQUALIFICATION['download'][0])
    check_outside_shortlist(
        page,
        code,
        EMAIL['PT Rekayasa Cipta'],
        password,
        shots=('pq-09-not-shortlisted', 'pq-10-download-refused'),
    )
    tender = db.session.scalar(db.select(Tender).where(Tender.code == code))
    (document,) = documents.documents_of(tender)

    attachment = tmp_path / 'proposal.pdf'
    attachment.write_bytes(PDF)
    for n, (company, (unit_price, _score)) in enumerate(BIDS.items()):
        email = EMAIL[company]
        login(page, email, password(email))
        page.goto(f'/tenders/{code}')
        if n == 0:
            expect(page.locator('#prakualifikasi-next')).to_contain_text('peringkat 2')
            with page.expect_download() as download:
                page.get_by_role('link', name=document.title).click()
            assert download.value.suggested_filename.endswith('.pdf')
            check_page(page, 'pq-11-shortlisted')
        shots = ('pq-12-bid-form', 'pq-13-bid-receipts') if n == 0 else (None, None)
        submit_two_file_bid(page, code, unit_price, attachment, shots=shots)
        logout(page)
    return tender


def file_one_bids(tender) -> dict:
    """{company: its current File I envelope}, the bid the evaluation pages are keyed by."""
    db.session.expire_all()
    rows = db.session.scalars(
        db.select(Bid).where(
            Bid.tender_id == tender.id,
            Bid.kind == EnvelopeKind.technical,
            Bid.status == BidStatus.current,
        )
    )
    return {b.vendor.company_name: b for b in rows}


def negotiate(page, code, bid_id, company, talk, *, shot):
    """On the invited firm's worksheet the signed-in Pokja member records the clarification and
    the negotiation: agreed at ``talk['hn']`` for item 1, or failed for ``talk['reason']``.
    Returns the text of the BA Klarifikasi dan Negosiasi downloaded from the page."""
    page.goto(f'/tenders/{code}/evaluation/bids/{bid_id}')
    section = page.locator('#negotiation')
    section.get_by_label('Klarifikasi teknis').fill(talk['technical'])
    section.get_by_label('Klarifikasi dan negosiasi harga').fill(talk['price'])
    if 'hn' in talk:
        section.get_by_label('Harga satuan negosiasi item 1').fill(talk['hn'])
        section.get_by_label('Sepakat', exact=True).check()
    else:
        section.get_by_label('Gagal', exact=True).check()
        section.get_by_label('Alasan (wajib bila gagal)').fill(talk['reason'])
    check_page(page, shot)
    section.get_by_role('button', name='Simpan hasil negosiasi').click()
    expect(page.get_by_text(f'Hasil negosiasi dengan {company} disimpan.')).to_be_visible()
    link = page.locator('#negotiation').get_by_role(
        'link', name='Unduh BA Klarifikasi dan Negosiasi (PDF)'
    )
    response = page.request.get(link.get_attribute('href'))
    assert response.ok
    return pdf_text(response.body())


def test_a_prequalified_selection_in_the_browser(page, demo_site, firms, tmp_path):  # noqa: F811
    password = {**demo_site, **firms}.get
    pokja1, pokja2 = POKJA
    code = prequalify(page, password)
    tender = bid(page, code, password, tmp_path)

    # File I opens at the bid deadline: no price is read yet.
    clock.set_now(tender.bid_deadline)
    open_bids(page, code, POKJA, password, prefix='pq-14-opening')
    ceremony = page.locator('section.ceremony[data-kind="technical"]')
    expect(ceremony).to_contain_text('3 dibuka, 0 tidak dapat dibuka')
    rows = page.locator('.opening-results tr.result-opened')
    expect(rows).to_have_count(3)
    for unit_price, _score in BIDS.values():
        expect(page.locator('.opening-results')).not_to_contain_text(f'Rp{unit_price}')
    check_page(page, 'pq-15-file-one-opened')
    logout(page)

    # The technical evaluation of File I: CV Karya Mandiri scores below the threshold.
    at(SCHEDULE['evaluation'][0])
    bids = file_one_bids(tender)
    login(page, pokja1, password(pokja1))
    for company, (_price, score) in BIDS.items():
        evaluate(page, code, bids[company].id, score=score, parts=PREQUALIFIED_PARTS)
    page.goto(f'/tenders/{code}/evaluation/')
    expect(page.locator(f'#bid-{bids["CV Karya Mandiri"].id}')).to_contain_text('Gugur')
    check_page(page, 'pq-16-file-one-evaluated')
    logout(page)

    # File II opens for the two firms whose File I passed.
    open_bids(page, code, POKJA, password, prefix='pq-17-opening-file-two')
    price = page.locator('section.ceremony[data-kind="price"]')
    expect(price).to_contain_text('2 dibuka, 0 tidak dapat dibuka, 1 tidak dibuka')
    expect(page.locator('.opening-results')).to_contain_text(
        'Tidak dibuka: File I tidak lulus evaluasi teknis'
    )
    expect(page.locator('.opening-results')).to_contain_text('Rp840.000.000')
    expect(page.locator('.opening-results')).not_to_contain_text('Rp780.000.000')
    check_page(page, 'pq-18-file-two-opened')
    logout(page)

    # The ranking invites PT Konsultan Prima; its negotiation fails, PT Maju Jaya is invited.
    login(page, pokja1, password(pokja1))
    page.goto(f'/tenders/{code}/evaluation/')
    expect(page.locator('#live-winner')).to_contain_text('PT Konsultan Prima')
    expect(page.locator(f'#bid-{bids["PT Konsultan Prima"].id}')).to_contain_text('NK 91.05')
    expect(page.locator(f'#bid-{bids["PT Maju Jaya"].id}')).to_contain_text('NK 88.00')
    check_page(page, 'pq-19-ranking')
    prima = bids['PT Konsultan Prima'].id
    minutes = negotiate(page, code, prima, 'PT Konsultan Prima', FAILED_TALK, shot='pq-20-talk')
    assert 'Berita Acara Klarifikasi dan Negosiasi' in minutes
    assert 'GAGAL' in minutes and FAILED_TALK['reason'] in minutes
    expect(page.locator('#negotiation')).to_contain_text('Hasil: Gagal')
    expect(page.get_by_role('button', name='Simpan hasil negosiasi')).to_have_count(0)
    check_page(page, 'pq-21-talk-failed')
    page.goto(f'/tenders/{code}/evaluation/')
    expect(page.locator('#live-winner')).to_contain_text('PT Maju Jaya')

    maju = bids['PT Maju Jaya'].id
    minutes = negotiate(page, code, maju, 'PT Maju Jaya', AGREED_TALK, shot='pq-22-talk-2')
    assert 'SEPAKAT' in minutes and 'PT Maju Jaya' in minutes
    assert 'Rp800.000.000' in minutes and 'Rp760.000.000' in minutes
    assert AGREED_TALK['price'] in minutes
    expect(page.locator('#negotiation')).to_contain_text('harga negosiasi (HN) Rp760.000.000')
    check_page(page, 'pq-23-talk-agreed')

    # The result: proposed, approved, announced; the public sees the winner at its HN.
    propose_result(page, code, shot='pq-24-proposed')
    logout(page)
    login(page, pokja2, password(pokja2))
    approve_result(page, code, shot='pq-25-approved')
    at(SCHEDULE['winner_announcement'][0])
    announce_winner(page, code, shot='pq-26-announced')
    logout(page)
    page.goto(f'/tenders/{code}/results')
    expect(page.locator('#winner')).to_contain_text('PT Maju Jaya')
    expect(page.locator('#winner')).to_contain_text('Rp760.000.000')
    winner_row = page.locator('#result-table tr', has_text='PT Maju Jaya')
    expect(winner_row).to_contain_text('Rp760.000.000')
    expect(winner_row).to_contain_text('Pemenang')
    check_page(page, 'pq-27-results')
    page.goto(f'/tenders/{code}')
    expect(page.locator('#winner')).to_contain_text('Rp760.000.000')
