"""The Pokja evaluates three opened bids in the browser, a second member approves, the winner
is announced; a losing bidder reads why it lost on the public result and files an objection
with an attachment; the Pokja answers it and the answer is public."""

import sys
from pathlib import Path

# The tender and evaluation fixtures live in tests/integration (on sys.path in a whole run).
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / 'integration'))

from evaluation.conftest import (  # noqa: F401 — the tender cast and opened-bid fixtures
    _reused_tender_keys,
    app_config,
    cast,
    create_tender,
    opened_tender,
    other_agency,
    pokja,
)
from evaluation.sanggah_fixtures import announcement_time
from journey_steps import (
    announce_winner,
    approve_result,
    evaluate,
    file_objection,
    login,
    logout,
    propose_result,
    reject_objection,
)
from page_checks import check_page
from playwright.sync_api import expect
from tenders.factories import PDF

TECHNICAL_FAILURE = 'Metode pelaksanaan tidak memuat pekerjaan drainase'
GROUNDS = 'Metode pelaksanaan kami memuat pekerjaan drainase pada halaman 12.'
ANSWER = 'Halaman 12 hanya memuat gambar, bukan urutan pekerjaan; sanggah ditolak.'


def test_evaluate_approve_announce_object_answer(page, opened_tender, pokja, tmp_path):  # noqa: F811
    tender, bids = opened_tender()  # PT Satu 1.41 bn, PT Dua 1.34 bn, PT Tiga 1.46 bn
    winner, loser = bids[1], bids[2]

    login(page, pokja[0].email)
    for bid in bids:
        evaluate(
            page, tender.code, bid.id, technical_failure=TECHNICAL_FAILURE if bid is loser else None
        )
    propose_result(page, tender.code, shot='evaluation-01-proposed')
    logout(page)

    login(page, pokja[1].email)
    approve_result(page, tender.code, shot='evaluation-02-approved')
    page.goto(f'/tenders/{tender.code}')
    page.locator('#announce-winner').click()  # the Pengumuman Pemenang stage has not begun
    expect(page.get_by_text('belum dapat diumumkan')).to_be_visible()
    announcement_time(tender)
    announce_winner(page, tender.code, shot='evaluation-03-announced')
    logout(page)

    # The public result: every bidder, the legend, the winner and the loser's reason.
    page.goto(f'/tenders/{tender.code}/results')
    table = page.locator('#result-table')
    for company in ('PT Satu', 'PT Dua', 'PT Tiga'):
        expect(table).to_contain_text(company)
    expect(page.locator('#winner')).to_contain_text(winner.vendor.company_name)
    expect(table).to_contain_text(TECHNICAL_FAILURE)
    check_page(page, 'evaluation-04-results')

    login(page, loser.vendor.user.email)
    attachment = tmp_path / 'metode-pelaksanaan.pdf'
    attachment.write_bytes(PDF)
    file_objection(page, tender.code, GROUNDS, attachment)
    objection = page.locator('article.objection')
    expect(objection).to_contain_text(GROUNDS)
    expect(objection).to_contain_text('Menunggu jawaban Pokja')
    expect(objection.get_by_role('link', name='metode-pelaksanaan.pdf')).to_be_visible()
    expect(page.locator('#objection-form')).to_have_count(0)  # one objection per bidder
    check_page(page, 'evaluation-05-objection-filed')
    logout(page)

    login(page, pokja[0].email)
    reject_objection(page, tender.code, ANSWER)
    logout(page)

    # Answers are public; the attachment is not.
    page.goto(f'/tenders/{tender.code}')
    objection = page.locator('article.objection')
    expect(objection).to_contain_text(ANSWER)
    expect(objection).to_contain_text('Sanggah ditolak')
    expect(objection.get_by_role('link', name='metode-pelaksanaan.pdf')).to_have_count(0)
    expect(objection.get_by_role('link', name='Jawaban Sanggah (PDF)')).to_be_visible()
    check_page(page, 'evaluation-06-answered')
