"""From the SPPBJ to the BAST in the browser: the PPK drafts the contract, the winner reviews and
signs it with its server-held key and passphrase, the PPK signs, issues the SPMK and records the
BAST, and the tender is "Selesai". Every page passes the accessibility and phone checks, a
screenshot per step lands in test-artifacts/, and the signed contract PDF parsed back carries
both signatures, valid."""

import sys
from pathlib import Path

import pytest

# The contract fixtures live in tests/integration (on sys.path in a whole run).
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / 'integration'))

import pki_helpers
from contracts.conftest import (  # noqa: F401 — the awarded tender and what it is built from
    TERMS,
    _reused_tender_keys,
    announced,
    app_config,
    as_user,
    awarded,
    cast,
    create_tender,
    decided,
    opened_tender,
    other_agency,
    pokja,
)
from journey_steps import (
    accept_contract_draft,
    assert_signed_by_both,
    draft_contract,
    login,
    logout,
    outside_playwright_loop,
    sign_as_ppk,
    sign_as_vendor,
    spmk_and_bast,
)
from page_checks import check_page
from playwright.sync_api import expect


@pytest.fixture
def signed_award(request):
    """The contracts tests' awarded tender (SPPBJ issued and signed), built beside Playwright."""
    with outside_playwright_loop():
        return request.getfixturevalue('awarded')


def test_contract_signed_by_both_sides_then_spmk_and_bast(signed_award, page, cast):  # noqa: F811
    tender, winner, _loser = signed_award
    ppk = cast['ppk']
    url = f'/tenders/{tender.code}/contract'

    login(page, ppk.email)
    page.goto(f'/tenders/{tender.code}')
    check_page(page, 'contract-01-awarded-tender')
    page.goto(url)
    check_page(page, 'contract-02-draft-form')
    draft_contract(page, TERMS)
    check_page(page, 'contract-03-drafted')
    logout(page)

    login(page, winner.email)
    page.goto(url)
    check_page(page, 'contract-04-vendor-review')
    accept_contract_draft(page)
    check_page(page, 'contract-05-vendor-accepted')
    page.get_by_label('Frasa sandi penandatanganan').fill('frasa yang keliru')
    page.get_by_role('button', name='Tandatangani', exact=True).click()
    expect(page.get_by_text('Frasa sandi penandatanganan salah.')).to_be_visible()
    check_page(page, 'contract-06-wrong-passphrase')
    sign_as_vendor(page, pki_helpers.SIGNING_PASSPHRASE)
    check_page(page, 'contract-07-vendor-signed')
    logout(page)

    login(page, ppk.email)
    pdf = sign_as_ppk(page, tender.code, shot='contract-08-signed')
    spmk_and_bast(
        page,
        tender.code,
        '2026-04-06',
        shots=('contract-09-spmk', 'contract-10-bast', 'contract-11-completed'),
    )
    assert_signed_by_both(pdf, winner.name)
