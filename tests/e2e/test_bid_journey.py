"""A verified vendor with a server-held key fills the bid form in Indonesian (prices with live
totals, TKDN, an attachment), watches the progress bar, submits with the signing passphrase,
gets the receipt and downloads the PDF "Bukti Pengiriman Penawaran"."""

import re
import sys
from pathlib import Path

# The tender fixtures live in tests/integration (on sys.path when the whole suite runs).
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / 'integration'))

import pki_helpers
from helpers import PASSWORD
from page_checks import check_page, on_phone_screen
from playwright.sync_api import expect
from tenders.conftest import (  # noqa: F401 — the tender fixtures
    _reused_tender_keys,
    app_config,
    cast,
    create_tender,
    other_agency,
)

from lpse.bids.models import Bid
from lpse.extensions import db
from lpse.tenders.stages import Stage


def test_vendor_bids_through_the_form(page, create_tender, cast, tmp_path):  # noqa: F811
    vendor = cast['vendor']
    pki_helpers.certify(vendor, 10, server_held=True)
    tender = create_tender(Stage.bid_submission)
    attachment = tmp_path / 'surat-penawaran.pdf'
    attachment.write_bytes(b'%PDF-1.4\n' + b'0' * 300_000 + b'\n%%EOF\n')

    page.goto('/auth/login')
    page.get_by_label('Email').fill(vendor.email)
    page.get_by_label('Kata sandi').fill(PASSWORD)
    page.get_by_role('button', name='Masuk').click()
    page.goto(f'/tenders/{tender.code}')
    check_page(page, 'bid-01-tender')
    page.get_by_role('link', name='Kirim penawaran').click()
    check_page(page, 'bid-02-form')
    # On a phone the price table is one card per BoQ line: every price field and the total are
    # on screen, not off to the side of a scroll region.
    on_phone_screen(page, page.get_by_label('Harga satuan item 1'), page.locator('#bid-total'))

    page.get_by_label('Harga satuan item 1').fill('400.000')
    expect(page.locator('#bid-total')).to_have_text(re.compile(r'Rp400\.000\.000'))
    page.get_by_label('Harga satuan item 2').fill('450.000')
    expect(page.locator('#bid-total')).to_have_text(re.compile(r'Rp1\.300\.000\.000'))
    page.get_by_label('TKDN (%)').fill('42,5')
    page.get_by_label('Masa berlaku penawaran (hari)').fill('90')
    page.get_by_label('Lampiran (PDF)').set_input_files(str(attachment))
    # A wrong passphrase is caught before the upload: the form stays, its files chosen.
    page.get_by_label('Frasa sandi penandatanganan').fill('bukan frasa sandi yang benar')
    page.get_by_role('button', name='Tanda tangani, segel dan kirim').click()
    expect(page.get_by_role('alert')).to_contain_text('Frasa sandi penandatanganan salah')
    assert db.session.scalar(db.select(db.func.count()).select_from(Bid)) == 0
    assert page.get_by_label('Lampiran (PDF)').evaluate('input => input.files.length') == 1
    page.get_by_label('Frasa sandi penandatanganan').fill(pki_helpers.SIGNING_PASSPHRASE)
    page.get_by_role('button', name='Tanda tangani, segel dan kirim').click()
    expect(page.locator('#upload-progress')).to_be_visible()
    expect(page.get_by_text(re.compile(r'Penawaran terkirim\. Nomor tanda terima'))).to_be_visible(
        timeout=30000
    )
    bid = db.session.scalar(db.select(Bid))
    assert bid is not None and bid.status == 'current'
    expect(page.get_by_text(bid.receipt_number).first).to_be_visible()
    check_page(page, 'bid-03-receipt')
    with page.expect_download() as download:
        page.get_by_role('link', name='PDF').first.click()
    assert Path(download.value.path()).read_bytes()[:5] == b'%PDF-'
    page.goto('/vendors/me')
    expect(page.locator('#my-bids')).to_contain_text(bid.receipt_number)
    check_page(page, 'bid-04-vendor-home')
