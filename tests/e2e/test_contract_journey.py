"""From the SPPBJ to the BAST in the browser: the PPK drafts the contract, the winner reviews and
signs it with its server-held key and passphrase, the PPK signs, issues the SPMK and records the
BAST, and the tender is "Selesai". Every page passes the accessibility and phone checks, a
screenshot per step lands in test-artifacts/, and the signed contract PDF parsed back carries
both signatures, valid."""

import io
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
from journey_steps import login, logout, outside_playwright_loop
from page_checks import check_page
from playwright.sync_api import expect
from pyhanko.pdf_utils.reader import PdfFileReader

from lpse.documents import operations as documents


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
    for name in ('starts_on', 'ends_on', 'bond_valid_until'):
        page.locator(f'#{name}').fill(TERMS[name])
    for name in ('bond_number', 'bond_issuer', 'payment_terms'):
        page.locator(f'#{name}').fill(TERMS[name])
    page.get_by_role('button', name='Simpan draf kontrak').click()
    expect(page.get_by_text('Draf kontrak disimpan; penyedia dapat meninjaunya.')).to_be_visible()
    check_page(page, 'contract-03-drafted')
    logout(page)

    login(page, winner.email)
    page.goto(url)
    check_page(page, 'contract-04-vendor-review')
    page.get_by_label('Setujui draf').check()
    page.get_by_role('button', name='Kirim tinjauan').click()
    expect(page.get_by_text('Tinjauan Anda tercatat.')).to_be_visible()
    check_page(page, 'contract-05-vendor-accepted')
    page.get_by_label('Frasa sandi penandatanganan').fill('frasa yang keliru')
    page.get_by_role('button', name='Tandatangani', exact=True).click()
    expect(page.get_by_text('Frasa sandi penandatanganan salah.')).to_be_visible()
    check_page(page, 'contract-06-wrong-passphrase')
    page.get_by_label('Frasa sandi penandatanganan').fill(pki_helpers.SIGNING_PASSPHRASE)
    page.get_by_role('button', name='Tandatangani', exact=True).click()
    expect(page.get_by_text('Anda telah menandatangani dokumen ini.')).to_be_visible()
    check_page(page, 'contract-07-vendor-signed')
    logout(page)

    login(page, ppk.email)
    page.goto(url)
    page.get_by_role('button', name='Tandatangani sebagai PPK').click()
    expect(page.get_by_text('Dokumen ditandatangani kedua pihak.')).to_be_visible()
    check_page(page, 'contract-08-signed')
    with page.expect_download() as download:
        page.get_by_role('link', name='Unduh dokumen bertanda tangan (PDF)').first.click()
    pdf = Path(download.value.path()).read_bytes()

    page.locator('#work_starts_on').fill('2026-04-06')
    page.get_by_role('button', name='Terbitkan SPMK').click()
    expect(page.get_by_text('SPMK diterbitkan.')).to_be_visible()
    check_page(page, 'contract-09-spmk')
    page.get_by_role('button', name='Catat serah terima').click()
    expect(page.get_by_text('BAST tercatat; tender selesai.')).to_be_visible()
    expect(page.get_by_role('link', name='BAST (PDF)')).to_be_visible()
    check_page(page, 'contract-10-bast')
    page.goto(f'/tenders/{tender.code}')
    expect(page.locator('.badge.stage').first).to_have_text('Selesai')
    check_page(page, 'contract-11-completed')

    # The signed contract parsed back: the vendor's signature, then the system's, both valid.
    embedded = PdfFileReader(io.BytesIO(pdf)).embedded_signatures
    assert [s.field_name for s in embedded] == ['TandaTanganPenyedia', 'TandaTanganLPSE']
    with outside_playwright_loop():
        check = documents.check_pdf(pdf)
    assert check.genuine, check.signature.reason_if_invalid
    signers = [s.signer_name for s in check.signature.signatures]
    assert len(signers) == 2 and signers[0] == winner.name
    assert all(s.valid for s in check.signature.signatures)
