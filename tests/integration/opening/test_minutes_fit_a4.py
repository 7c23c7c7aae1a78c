"""The opening minutes (every bidder, the SHA-256 of each sealed bid, the members who opened)
and the bid receipts fit the A4 page (#16 point 6), laid out again from their issued data."""

import opening_helpers
from pdf_fit import overflows_of
from sqlalchemy import select

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
