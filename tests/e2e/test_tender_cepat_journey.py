"""Tender Cepat in the browser (issue 18.4), from the database `make run` leaves: a Pokja member
publishes a fast tender for goods with a KBLI requirement and no aanwijzing; the tender page
lists the method's stages and has no Q&A; a demo vendor whose register lacks the KBLI is told
so on the page and gets no bid button; the one that qualifies bids its price alone (the form
has no attachment field); two members open; the Pokja
proposes and approves without a worksheet (qualification comes from the register); the winner
is announced. Every page passes axe and the 360 px check (screenshots fast-*)."""

import pki_helpers
import pytest
from journey_steps import (
    SCHEDULE,
    announce_winner,
    approve_result,
    login,
    logout,
    open_bids,
    propose_result,
    publish_tender,
    submit_bid,
)
from page_checks import check_page
from playwright.sync_api import expect
from test_full_journey import app_config, at, demo_site  # noqa: F401 — shared fixtures

from lpse import clock
from lpse.auth.models import User
from lpse.extensions import db
from lpse.tenders.models import Tender

pytestmark = pytest.mark.slow

FAST_SCHEDULE = {stage: window for stage, window in SCHEDULE.items() if stage != 'clarification'}
KBLI = '46100'  # CV Karya Mandiri's licence in the demo data; PT Maju Jaya holds 41011


@pytest.fixture
def fast_minimums(app):
    app.config['LPSE_FAST_STAGE_MIN_DURATIONS'] = {}
    app.config['LPSE_FAST_STAGE_MIN_GAPS'] = {}


def test_a_fast_tender_in_the_browser(page, demo_site, fast_minimums):  # noqa: F811
    password = demo_site.get
    pokja1, pokja2 = 'pokja1@demo.lpse.id', 'pokja2@demo.lpse.id'
    karya = db.session.scalar(db.select(User).where(User.email == 'penyedia2@demo.lpse.id'))
    pki_helpers.certify(karya, 11, server_held=True)

    login(page, pokja1, password(pokja1))
    code = publish_tender(
        page,
        name='Pengadaan Alat Tulis Kantor Puskesmas',
        category='barang',
        work_unit='DPUPR',
        ppk='PPK Demo (ppk@demo.lpse.id)',
        members=['pokja2@demo.lpse.id', 'pokja3@demo.lpse.id'],
        hps='150.000.000',
        item='Paket alat tulis kantor',
        prefix='fast-01-tender',
        method='tender_cepat',
        kbli=KBLI,
        schedule=FAST_SCHEDULE,
    )
    stages = page.locator('ol.method-stages')
    expect(stages).to_contain_text('Upload Dokumen Penawaran')
    expect(stages).not_to_contain_text('Pemberian Penjelasan')
    expect(page.get_by_role('heading', name='Pemberian penjelasan (tanya jawab)')).to_have_count(0)
    logout(page)

    at(SCHEDULE['bid_submission'][0])
    login(page, 'penyedia1@demo.lpse.id', password('penyedia1@demo.lpse.id'))
    page.goto(f'/tenders/{code}')
    expect(page.get_by_text(f'KBLI yang disyaratkan ({KBLI})')).to_be_visible()
    expect(page.get_by_role('link', name='Kirim penawaran')).to_have_count(0)
    check_page(page, 'fast-02-refused')
    logout(page)

    login(page, 'penyedia2@demo.lpse.id', password('penyedia2@demo.lpse.id'))
    submit_bid(
        page,
        code,
        unit_price='140.000.000',
        passphrase=pki_helpers.SIGNING_PASSPHRASE,
        attachment=None,  # the bid is the price alone
        shots=('fast-03-bid-form', 'fast-04-bid-receipt'),
    )
    logout(page)

    tender = db.session.scalar(db.select(Tender).where(Tender.code == code))
    clock.set_now(tender.bid_deadline)
    open_bids(page, code, (pokja1, pokja2), password, prefix='fast-05-opening')
    logout(page)

    at(SCHEDULE['evaluation'][0])
    login(page, pokja1, password(pokja1))
    propose_result(page, code, shot='fast-06-proposed')
    logout(page)
    login(page, pokja2, password(pokja2))
    approve_result(page, code, shot='fast-07-approved')
    at(SCHEDULE['winner_announcement'][0])
    announce_winner(page, code, shot='fast-08-announced')
    logout(page)
    page.goto(f'/tenders/{code}/results')
    expect(page.locator('#winner')).to_contain_text('CV Karya Mandiri')
    check_page(page, 'fast-09-results')
