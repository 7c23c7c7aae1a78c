"""The receipt as a document: the PDF "Bukti Pengiriman Penawaran" (issued after the bid's own
commit, so a slow rendering never delays the receipt or its time) and the lookup that lets the
public /verify page say whether a verified receipt is on record."""

import json
import logging

from sqlalchemy import select

from lpse import clock
from lpse.bids.models import Bid
from lpse.documents import operations as documents
from lpse.extensions import db

log = logging.getLogger(__name__)
KIND_LABELS = {
    'single': 'Penawaran (satu file)',
    'technical': 'File I: administrasi dan teknis',
    'price': 'File II: harga',
}


def receipt_fields(bid) -> dict:
    return json.loads(bid.receipt_json)['receipt']


def issue_receipt_pdf(bid, *, now, files=()):
    """Render, sign and store the PDF receipt of `bid` (flushes; the caller commits)."""
    fields = receipt_fields(bid)
    tender = bid.tender
    context = {
        'title': 'Bukti Pengiriman Penawaran',
        'agency_name': tender.agency.name,
        'document_number': bid.receipt_number,
        'receipt': fields,
        'tender_title': tender.title,
        'kind_label': KIND_LABELS.get(bid.kind, bid.kind),
        'files': [{'name': name, 'size': size} for name, size in files],
    }
    document = documents.issue_document(
        'bid_receipt',
        'pdf/bid_receipt.html',
        context,
        tender=tender,
        owner=bid.vendor.user,
        now=now,
        checkpoint=bid.checkpoint if bid.checkpoint_id else None,
    )
    bid.receipt_document_id = document.id
    db.session.flush()
    return document


def issue_after_commit(bid, *, files=()) -> None:
    """Issue the PDF in its own transaction; a failure leaves the (committed) bid as it is and
    the dashboard issues the PDF on first download instead."""
    try:
        issue_receipt_pdf(bid, now=clock.now(), files=files)
        db.session.commit()
    except Exception:
        db.session.rollback()
        log.exception('the PDF receipt of bid %s could not be issued now', bid.id)


@documents.register_receipt_lookup
def lookup(fields: dict) -> dict | None:
    """A verified receipt's bid: its state only (never other bidders, never contents)."""
    sha = fields.get('envelope_sha256')
    number = fields.get('receipt_number')
    if not isinstance(sha, str) or not isinstance(number, str):
        return None
    bid = db.session.scalar(select(Bid).where(Bid.sha256 == sha, Bid.receipt_number == number))
    if bid is None:
        return None
    return {
        'type': 'bid',
        'receipt_number': bid.receipt_number,
        'envelope_sha256': bid.sha256,
        'status': bid.status,
    }
