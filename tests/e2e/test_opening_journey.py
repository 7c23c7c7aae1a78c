"""Three Pokja members with server-held keys (two are enough) open a tender with three bids in
the browser: each enters the signing passphrase on the opening page, the second release opens
every bid, the third member finds the results and downloads the BA Pembukaan Penawaran."""

import io
import re
import sys
from pathlib import Path

# The tender and opening fixtures live in tests/integration (on sys.path in a whole run).
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / 'integration'))

import pki_helpers
import pypdf
from journey_steps import login, release_share
from opening.conftest import (  # noqa: F401 — the tender, bidder and opening fixtures
    OTHER_KEY,
    THIRD_KEY,
    VENDOR_KEY,
    _reused_tender_keys,
    app_config,
    bidder,
    cast,
    create_tender,
    other_agency,
    rival,
    submit_sealed,
    third,
)
from page_checks import check_page
from playwright.sync_api import expect

from lpse import clock
from lpse.tenders.stages import Stage


def test_three_members_two_of_them_open_three_bids(page, create_tender, cast, bidder, rival, third):  # noqa: F811
    members = [cast['pokja'], cast['pokja2'], cast['pokja3']]
    for n, member in enumerate(members, start=1):
        pki_helpers.certify(member, n, server_held=True)
    tender = create_tender(Stage.bid_submission)
    submit_sealed(tender, bidder, VENDOR_KEY)
    submit_sealed(tender, rival, OTHER_KEY)
    submit_sealed(tender, third, THIRD_KEY)
    clock.set_now(tender.bid_deadline)

    release_share(
        page,
        tender.code,
        members[0].email,
        pki_helpers.SIGNING_PASSPHRASE,
        shot=f'opening-release-{members[0].id}',
    )
    expect(
        page.get_by_text('Bagian kunci Anda diterima. Menunggu anggota Pokja lainnya.')
    ).to_be_visible()
    expect(page.locator('.shares-received')).to_contain_text('1 dari 2 bagian kunci diterima')
    check_page(page, 'opening-01-one-share')
    expect(page.locator('.opening-results')).to_have_count(0)
    page.get_by_role('button', name='Keluar').click()

    release_share(
        page,
        tender.code,
        members[1].email,
        pki_helpers.SIGNING_PASSPHRASE,
        shot=f'opening-release-{members[1].id}',
    )
    expect(page.get_by_text('Bagian kunci diterima. Penawaran telah dibuka.')).to_be_visible(
        timeout=30000
    )
    results = page.locator('.opening-results')
    for company in ('PT Maju Jaya', 'CV Saingan', 'CV Ketiga Karya'):
        expect(results).to_contain_text(company)
    expect(results.locator('tr.result-opened')).to_have_count(3)
    check_page(page, 'opening-02-opened')
    page.get_by_role('button', name='Keluar').click()

    login(page, members[2].email)
    page.goto(f'/tenders/{tender.code}/opening')
    expect(page.get_by_text('Semua sampul penawaran tender ini sudah dibuka.')).to_be_visible()
    expect(page.locator('.opening-results tr.result-opened')).to_have_count(3)
    page.get_by_role('link', name='PT Maju Jaya').click()
    expect(page.locator('.declared-total')).to_have_text(re.compile(r'Rp1\.300\.000\.000'))
    check_page(page, 'opening-03-opened-bid')
    page.go_back()
    with page.expect_download() as download:
        page.get_by_role('link', name='Unduh BA Pembukaan Penawaran (PDF)').click()
    pdf = Path(download.value.path()).read_bytes()
    text = ' '.join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(pdf)).pages)
    assert 'PT Maju Jaya' in text and 'CV Ketiga Karya' in text
    flat = text.replace('\n', '').replace(' ', '')
    assert members[0].name.replace(' ', '') in flat and members[2].name.replace(' ', '') not in flat
    assert not any(m.email in flat for m in members)  # names and roles only, no emails
