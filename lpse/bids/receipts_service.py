"""The receipt as a document: the PDF "Bukti Pengiriman Penawaran", and the lookup that lets
the public /verify page say whether a verified receipt is on record.

The signed JSON receipt is the acknowledgement and is answered at once; the PDF is a rendering
of it (WeasyPrint + PAdES, ~0.5 s of CPU) and is never made inside a submission. It is issued
once — on its first download, or right after the web form's response has been sent (so it can
list the attachments, which exist only in that request's memory) — then stored and signed like
every issued document and served as stored, never re-rendered."""

import json
import logging

from flask import current_app
from sqlalchemy import select, update

from lpse import clock, statelog, storage
from lpse.bids.models import Bid
from lpse.documents import operations as documents
from lpse.documents.models import IssuedDocument
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
    """Render, sign and store a PDF receipt of `bid` (flushes; does not link it to the bid —
    `ensure_receipt_pdf` does, once)."""
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
    return documents.issue_document(
        'bid_receipt',
        'pdf/bid_receipt.html',
        context,
        tender=tender,
        owner=bid.vendor.user,
        now=now,
        checkpoint=bid.checkpoint if bid.checkpoint_id else None,
    )


def ensure_receipt_pdf(bid, *, files=()) -> IssuedDocument:
    """The bid's PDF receipt, issued and committed now if it has none yet. Rendering happens
    before any write; two concurrent first downloads render twice but link one: the loser's
    document row is rolled back and its blob removed."""
    if bid.receipt_document_id is not None:
        return bid.receipt_document
    bid_id = bid.id
    document = issue_receipt_pdf(bid, now=clock.now(), files=files)
    blob = document.blob_sha256
    linked = db.session.execute(
        update(Bid)
        .where(Bid.id == bid_id, Bid.receipt_document_id.is_(None))
        .values(receipt_document_id=document.id)
    ).rowcount
    if linked:
        statelog.touch('bid', bid_id)  # a Core UPDATE: the state log must still see it
        db.session.commit()
        return document
    db.session.rollback()
    _discard_document_blob(blob)
    bid = db.session.get(Bid, bid_id)
    return bid.receipt_document


def _discard_document_blob(sha) -> None:
    if db.session.scalar(select(IssuedDocument.id).where(IssuedDocument.blob_sha256 == sha)):
        return
    storage.blob_store().delete(sha)


def issue_after_response(response, bid_ids, *, files=()):
    """Issue the PDF receipt(s) once `response` has been sent (WSGI close), in an app context
    and session of their own. A failure is logged; the first download issues it then."""
    app = current_app._get_current_object()
    bid_ids = list(bid_ids)

    def issue():
        with app.app_context():
            try:
                for bid_id, listed in zip(bid_ids, files or [()] * len(bid_ids), strict=True):
                    bid = db.session.get(Bid, bid_id)
                    if bid is not None:
                        ensure_receipt_pdf(bid, files=listed)
            except Exception:
                db.session.rollback()
                log.exception(
                    'PDF receipt of bid(s) %s not issued now; issued on download', bid_ids
                )
            finally:
                db.session.remove()

    response.call_on_close(issue)
    return response


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
