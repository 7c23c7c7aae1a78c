"""Tender Prakualifikasi in the browser (DOMAIN §9, issue 18.4), from the database `make run`
leaves: a Pokja member publishes a construction tender with prequalification (one file, lowest
price); four firms fill and sign their qualification form on the page; the Pokja records every
requirement's verdict, pass or fail and no score, and PT Rekayasa Cipta fails its SBU; two
members approve and the shortlist, every firm that passed, appears on the public tender page
with the BA and the announcement PDFs; the firm that failed has no bid button and is refused at
the download; two shortlisted firms bid; two members open the bids; the Pokja records the
administration and technical verdicts (the qualification and its proof are the shortlist's),
proposes and approves; the lowest price wins and the public result names it. Every page passes
axe and the 360 px check (screenshots tpq-*)."""

import pki_helpers
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
    submit_bid,
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
    send_qualifications,
)
from test_full_journey import app_config, at, demo_site  # noqa: F401 — shared fixtures

from lpse import clock
from lpse.bids.models import Bid, BidStatus
from lpse.extensions import db
from lpse.tenders.models import Tender

pytestmark = pytest.mark.slow

REQUIREMENTS = ('izin_usaha', 'pajak', 'pengalaman', 'pernyataan', 'sbu', 'skp')
# {company: (no score, failing requirement and why)}
QUALIFICATION = {
    'PT Maju Jaya': (None, None),
    'CV Karya Mandiri': (None, None),
    'PT Konsultan Prima': (None, None),
    'PT Rekayasa Cipta': (None, ('sbu', 'SBU tidak sesuai subklasifikasi pekerjaan jembatan')),
}
SHORTLIST = ['PT Maju Jaya', 'CV Karya Mandiri', 'PT Konsultan Prima']
BIDS = {'PT Maju Jaya': '2.350.000.000', 'CV Karya Mandiri': '2.280.000.000'}


def test_a_prequalified_tender_in_the_browser(page, demo_site, firms, tmp_path):  # noqa: F811
    password = {**demo_site, **firms}.get
    pokja1, pokja2 = POKJA

    login(page, pokja1, password(pokja1))
    code = publish_tender(
        page,
        name='Pembangunan Jembatan Sungai Keledang',
        category='pekerjaan_konstruksi',
        work_unit='DPUPR',
        ppk='PPK Demo (ppk@demo.lpse.id)',
        members=['pokja2@demo.lpse.id', 'pokja3@demo.lpse.id'],
        hps='2.500.000.000',
        item='Pekerjaan struktur jembatan',
        prefix='tpq-01-tender',
        schedule=SCHEDULE_PQ,
        fields={'qualification_method': 'prakualifikasi'},
    )
    stages = page.locator('ol.method-stages')
    expect(stages).to_contain_text('Kirim Persyaratan Kualifikasi')
    expect(stages).to_contain_text('Masa Sanggah Prakualifikasi')
    logout(page)

    # Prequalification: pass or fail per requirement, every passing firm on the shortlist.
    send_qualifications(page, code, password, prefix='tpq')
    evaluate_qualifications(page, code, password, QUALIFICATION, REQUIREMENTS, prefix='tpq')
    expect(page.locator('#submissions')).not_to_contain_text('Nilai')
    expect(page.locator('#hasil-sementara')).to_contain_text('semua penyedia yang lulus')
    announce_shortlist(page, code, password, prefix='tpq')
    check_public_shortlist(page, code, SHORTLIST, ['PT Rekayasa Cipta'], shot='tpq-08-public')

    # Bids: the firm outside the shortlist cannot; two shortlisted firms do.
    at(PREQUALIFICATION['download'][0])
    check_outside_shortlist(
        page,
        code,
        EMAIL['PT Rekayasa Cipta'],
        password,
        shots=('tpq-09-not-shortlisted', 'tpq-10-download-refused'),
    )
    attachment = tmp_path / 'surat-penawaran.pdf'
    attachment.write_bytes(PDF)
    for n, (company, unit_price) in enumerate(BIDS.items()):
        login(page, EMAIL[company], password(EMAIL[company]))
        submit_bid(
            page,
            code,
            unit_price=unit_price,
            passphrase=pki_helpers.SIGNING_PASSPHRASE,
            attachment=attachment,
            shots=(f'tpq-11-bid-form-{n}', f'tpq-12-bid-receipt-{n}'),
        )
        logout(page)

    # Opening: two of the three members hand over their key shares.
    tender = db.session.scalar(db.select(Tender).where(Tender.code == code))
    clock.set_now(tender.bid_deadline)
    open_bids(page, code, POKJA, password, prefix='tpq-13-opening')
    expect(page.locator('.opening-results tr.result-opened')).to_have_count(2)
    check_page(page, 'tpq-14-opened')
    logout(page)

    # Evaluation: administration and technical; the qualification is the shortlist's.
    at(SCHEDULE['evaluation'][0])
    db.session.expire_all()
    bids = {
        b.vendor.company_name: b
        for b in db.session.scalars(
            db.select(Bid).where(Bid.tender_id == tender.id, Bid.status == BidStatus.current)
        )
    }
    login(page, pokja1, password(pokja1))
    for company in BIDS:
        evaluate(page, code, bids[company].id, parts=PREQUALIFIED_PARTS)
    page.goto(f'/tenders/{code}/evaluation/bids/{bids["PT Maju Jaya"].id}')
    expect(page.locator('#fs-qualification')).to_contain_text('Lulus prakualifikasi')
    page.goto(f'/tenders/{code}/evaluation/')
    expect(page.locator('#live-winner')).to_contain_text('CV Karya Mandiri')
    check_page(page, 'tpq-15-ranking')
    propose_result(page, code, shot='tpq-16-proposed')
    logout(page)
    login(page, pokja2, password(pokja2))
    approve_result(page, code, shot='tpq-17-approved')

    # Announcement: the lowest price wins.
    at(SCHEDULE['winner_announcement'][0])
    announce_winner(page, code, shot='tpq-18-announced')
    logout(page)
    page.goto(f'/tenders/{code}/results')
    expect(page.locator('#winner')).to_contain_text('CV Karya Mandiri')
    expect(page.locator('#winner')).to_contain_text('Rp2.280.000.000')
    reserve = page.locator('#result-table tr', has_text='PT Maju Jaya')
    expect(reserve).to_contain_text('Rp2.350.000.000')
    expect(reserve).to_contain_text('Cadangan 1')
    check_page(page, 'tpq-19-results')
