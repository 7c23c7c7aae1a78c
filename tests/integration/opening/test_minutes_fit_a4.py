"""The opening minutes (every bidder, the SHA-256 of each sealed bid, the members who opened)
and the bid receipts fit the A4 page (#16 point 6), laid out again from their issued data."""

import io
import re

import opening_helpers
from pdf_fit import overflows_of
from pypdf import PdfReader
from sqlalchemy import select

from lpse.documents import operations as documents
from lpse.documents.models import IssuedDocument
from lpse.extensions import db


def test_opening_minutes_and_receipts_fit_a4(tender, bids, members):
    opening_helpers.release(tender, members[0])
    opening_helpers.release(tender, members[1])
    issued = db.session.scalars(
        select(IssuedDocument).where(IssuedDocument.tender_id == tender.id)
    ).all()
    kinds = {d.kind for d in issued}
    assert 'opening_minutes' in kinds, kinds
    problems = {
        f'{d.kind} {d.id}': overflows_of(d)
        for d in issued
        if d.kind in ('opening_minutes', 'bid_receipt')
    }
    assert {k: v for k, v in problems.items() if v} == {}
    minutes = next(d for d in issued if d.kind == 'opening_minutes')
    with documents.open_document(minutes) as fh:
        pages = PdfReader(io.BytesIO(fh.read())).pages
    table = ''.join(p.extract_text() for p in pages).split('Hasil pembukaan per sampul')[1]
    # each result and each receipt number whole on its line, no word split
    assert len(re.findall(r'\bDibuka\b', table)) == len(bids)
    assert all(b.receipt_number in table for b in bids)
