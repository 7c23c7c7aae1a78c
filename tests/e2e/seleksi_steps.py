"""Steps the two seleksi journeys share (import as `seleksi_steps`), from the bids to the public
result: three firms send two-file bids; two Pokja members open File I (no price shown); the
Pokja records each File I with its technical score, CV Karya Mandiri's below the threshold; the
members open File II for the two that passed only; QCBS (Wt 0.8, Wb 0.2, threshold 70) ranks
PT Konsultan Prima first (NT 90, B 840 M: NK 91.05) and PT Maju Jaya second (NT 85, B 800 M:
NK 88.00); the negotiation with PT Konsultan Prima fails and PT Maju Jaya agrees to 760 M (HN),
each BA Klarifikasi dan Negosiasi downloaded as a PDF saying so; the result is proposed,
approved and announced, and the public result names PT Maju Jaya at its negotiated price.

What differs between the journeys: the screenshots' prefix and first number, the schedule, and
who decides qualification and its proof — the Pokja on the worksheet (post-qualification) or
the method from the shortlist (prakualifikasi)."""

from journey_steps import (
    PDF,
    PREQUALIFIED_PARTS,
    WORKSHEET_PARTS,
    announce_winner,
    approve_result,
    evaluate,
    login,
    logout,
    open_bids,
    propose_result,
)
from page_checks import check_page
from playwright.sync_api import expect
from prequal_steps import EMAIL, POKJA, pdf_text, submit_two_file_bid
from test_full_journey import at

from lpse import clock
from lpse.bids.models import Bid, BidStatus, EnvelopeKind
from lpse.extensions import db
from lpse.tenders import documents
from lpse.tenders.models import Tender

# The tender form's fields of a consultancy selection: two files, QCBS 0.8/0.2, threshold 70.
QCBS = {
    'submission_files': '2',
    'evaluation_method': 'qcbs',
    'technical_weight': '0.8',
    'price_weight': '0.2',
    'technical_threshold': '70',
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


def download_document(page, code):
    """On the tender page the signed-in firm downloads the Dokumen Pemilihan (a PDF)."""
    tender = db.session.scalar(db.select(Tender).where(Tender.code == code))
    (document,) = documents.documents_of(tender)
    with page.expect_download() as download:
        page.get_by_role('link', name=document.title).click()
    assert download.value.suggested_filename.endswith('.pdf')


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


def bids_to_announcement(page, code, password, tmp_path, *, prefix, first, schedule, prequalified):
    """The firms of BIDS send their two-file bids in the bid submission stage of ``schedule``,
    then File I, its evaluation, File II, the ranking, the two negotiations, the result
    proposed, approved and announced, and the public result at the HN. On the worksheet the
    Pokja records administration and the technical score, and also qualification and pembuktian
    unless the tender was ``prequalified`` (the shortlist decided them). Screenshots are
    ``<prefix>-<first>-bid-form`` onwards, one number per step."""

    def shot(n, name):
        return f'{prefix}-{first + n:02d}-{name}'

    pokja1, pokja2 = POKJA
    tender = db.session.scalar(db.select(Tender).where(Tender.code == code))
    at(schedule['bid_submission'][0])
    attachment = tmp_path / 'proposal.pdf'
    attachment.write_bytes(PDF)
    for n, (company, (unit_price, _score)) in enumerate(BIDS.items()):
        email = EMAIL[company]
        login(page, email, password(email))
        shots = (shot(0, 'bid-form'), shot(1, 'bid-receipts')) if n == 0 else (None, None)
        submit_two_file_bid(page, code, unit_price, attachment, shots=shots)
        logout(page)

    # File I opens at the bid deadline: no price is read yet.
    clock.set_now(tender.bid_deadline)
    open_bids(page, code, POKJA, password, prefix=shot(2, 'opening'))
    ceremony = page.locator('section.ceremony[data-kind="technical"]')
    expect(ceremony).to_contain_text('3 dibuka, 0 tidak dapat dibuka')
    rows = page.locator('.opening-results tr.result-opened')
    expect(rows).to_have_count(3)
    for unit_price, _score in BIDS.values():
        expect(page.locator('.opening-results')).not_to_contain_text(f'Rp{unit_price}')
    check_page(page, shot(3, 'file-one-opened'))
    logout(page)

    # The evaluation of File I: CV Karya Mandiri scores below the threshold.
    at(schedule['evaluation'][0])
    bids = file_one_bids(tender)
    login(page, pokja1, password(pokja1))
    parts = PREQUALIFIED_PARTS if prequalified else WORKSHEET_PARTS
    for company, (_price, score) in BIDS.items():
        evaluate(page, code, bids[company].id, score=score, parts=parts)
    page.goto(f'/tenders/{code}/evaluation/')
    expect(page.locator(f'#bid-{bids["CV Karya Mandiri"].id}')).to_contain_text('Gugur')
    if not prequalified:
        # Qualification and its proof are the Pokja's entries, one per firm.
        sheets = page.locator('#worksheet-table')
        for label in ('Kualifikasi: Lulus', 'Pembuktian kualifikasi: Lulus'):
            expect(sheets.get_by_text(label, exact=True)).to_have_count(len(BIDS))
    check_page(page, shot(4, 'file-one-evaluated'))
    logout(page)

    # File II opens for the two firms whose File I passed.
    open_bids(page, code, POKJA, password, prefix=shot(5, 'opening-file-two'))
    price = page.locator('section.ceremony[data-kind="price"]')
    expect(price).to_contain_text('2 dibuka, 0 tidak dapat dibuka, 1 tidak dibuka')
    expect(page.locator('.opening-results')).to_contain_text(
        'Tidak dibuka: File I tidak lulus evaluasi teknis'
    )
    expect(page.locator('.opening-results')).to_contain_text('Rp840.000.000')
    expect(page.locator('.opening-results')).not_to_contain_text('Rp780.000.000')
    check_page(page, shot(6, 'file-two-opened'))
    logout(page)

    # The ranking invites PT Konsultan Prima; its negotiation fails, PT Maju Jaya is invited.
    login(page, pokja1, password(pokja1))
    page.goto(f'/tenders/{code}/evaluation/')
    expect(page.locator('#live-winner')).to_contain_text('PT Konsultan Prima')
    expect(page.locator(f'#bid-{bids["PT Konsultan Prima"].id}')).to_contain_text('NK 91.05')
    expect(page.locator(f'#bid-{bids["PT Maju Jaya"].id}')).to_contain_text('NK 88.00')
    check_page(page, shot(7, 'ranking'))
    prima = bids['PT Konsultan Prima'].id
    minutes = negotiate(page, code, prima, 'PT Konsultan Prima', FAILED_TALK, shot=shot(8, 'talk'))
    assert 'Berita Acara Klarifikasi dan Negosiasi' in minutes
    assert 'GAGAL' in minutes and FAILED_TALK['reason'] in minutes
    expect(page.locator('#negotiation')).to_contain_text('Hasil: Gagal')
    expect(page.get_by_role('button', name='Simpan hasil negosiasi')).to_have_count(0)
    check_page(page, shot(9, 'talk-failed'))
    page.goto(f'/tenders/{code}/evaluation/')
    expect(page.locator('#live-winner')).to_contain_text('PT Maju Jaya')

    maju = bids['PT Maju Jaya'].id
    minutes = negotiate(page, code, maju, 'PT Maju Jaya', AGREED_TALK, shot=shot(10, 'talk-2'))
    assert 'SEPAKAT' in minutes and 'PT Maju Jaya' in minutes
    assert 'Rp800.000.000' in minutes and 'Rp760.000.000' in minutes
    assert AGREED_TALK['price'] in minutes
    expect(page.locator('#negotiation')).to_contain_text('harga negosiasi (HN) Rp760.000.000')
    check_page(page, shot(11, 'talk-agreed'))

    # The result: proposed, approved, announced; the public sees the winner at its HN.
    propose_result(page, code, shot=shot(12, 'proposed'))
    logout(page)
    login(page, pokja2, password(pokja2))
    approve_result(page, code, shot=shot(13, 'approved'))
    at(schedule['winner_announcement'][0])
    announce_winner(page, code, shot=shot(14, 'announced'))
    logout(page)
    page.goto(f'/tenders/{code}/results')
    expect(page.locator('#winner')).to_contain_text('PT Maju Jaya')
    expect(page.locator('#winner')).to_contain_text('Rp760.000.000')
    winner_row = page.locator('#result-table tr', has_text='PT Maju Jaya')
    expect(winner_row).to_contain_text('Rp760.000.000')
    expect(winner_row).to_contain_text('Pemenang')
    check_page(page, shot(15, 'results'))
    page.goto(f'/tenders/{code}')
    expect(page.locator('#winner')).to_contain_text('Rp760.000.000')
