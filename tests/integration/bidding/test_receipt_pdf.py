"""The PDF receipt is never made inside a submission: the API answers with the signed JSON
receipt only; the PDF is issued once — on its first download, or right after the web form's
answer — stored and signed, then served as stored; /verify knows it."""

import io

import pypdf
from sqlalchemy import func, select

from lpse import audit, checkpoints, pki_service
from lpse.bids import receipts_service
from lpse.bids.models import Bid
from lpse.documents.models import IssuedDocument
from lpse.extensions import db
from lpse.pdf import verify_pdf

from .conftest import VENDOR_KEY, seal, stored_files


def _documents():
    return db.session.scalar(select(func.count()).select_from(IssuedDocument))


def _text(pdf: bytes) -> str:
    return ' '.join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf)).pages)


def test_the_api_answers_without_rendering_and_the_first_download_issues_once(
    app, client, tender, bidder, as_user, token, post_bid
):
    p7m, sig = seal(tender, bidder, VENDOR_KEY)
    response = post_bid(tender, p7m, sig, token(bidder))
    assert response.status_code == 201
    number = response.get_json()['receipt']['receipt_number']
    bid = db.session.scalar(select(Bid))
    actions = db.session.scalars(select(audit.AuditEvent.action)).all()
    assert bid.receipt_document_id is None and _documents() == 0
    assert 'document.issued' not in actions

    as_user(bidder)
    first = client.get(f'/tenders/{tender.code}/bid/{bid.id}/receipt.pdf')
    assert first.status_code == 302
    pdf = client.get(first.headers['Location'])
    assert pdf.status_code == 200 and pdf.data.startswith(b'%PDF-')
    again = client.get(f'/tenders/{tender.code}/bid/{bid.id}/receipt.pdf')
    assert again.headers['Location'] == first.headers['Location']
    assert client.get(again.headers['Location']).data == pdf.data  # stored, not re-rendered
    assert _documents() == 1
    db.session.expire_all()
    assert db.session.get(Bid, bid.id).receipt_document_id in first.headers['Location']

    text = _text(pdf.data)
    assert number in text and bid.sha256[:32] in text.replace('\n', '')
    authority = pki_service.authority()
    verdict = verify_pdf(
        pdf.data, ca_cert=authority.ca_cert, system_certs=checkpoints.system_certificates()
    )
    assert verdict.valid
    check = client.post(
        '/verify',
        data={'file': (io.BytesIO(pdf.data), 'bukti.pdf')},
        content_type='multipart/form-data',
    )
    assert 'Asli: dokumen ini diterbitkan oleh sistem ini.' in check.get_data(as_text=True)


def test_two_first_downloads_at_once_link_one_document(app, tender, bidder, token, post_bid):
    """The loser of the race (another request linked its PDF first) keeps nothing: its row,
    event and blob are gone and it serves the winner's document."""
    p7m, sig = seal(tender, bidder, VENDOR_KEY)
    assert post_bid(tender, p7m, sig, token(bidder)).status_code == 201
    bid = db.session.scalar(select(Bid))
    winner = receipts_service.issue_receipt_pdf(bid, now=bid.received_at)
    db.session.commit()
    winner_id, winner_sha = winner.id, winner.blob_sha256
    assert bid.receipt_document_id is None  # this request saw no PDF yet…
    with db.engine.begin() as conn:  # …then the other request linked its own
        conn.execute(
            Bid.__table__.update()
            .where(Bid.__table__.c.id == bid.id)
            .values(receipt_document_id=winner_id)
        )
    before = {p.name for p in stored_files(app)}
    events = db.session.scalar(select(func.count()).select_from(audit.AuditEvent))
    served = receipts_service.ensure_receipt_pdf(bid)
    assert served.id == winner_id
    db.session.expire_all()
    assert _documents() == 1
    assert db.session.scalar(select(func.count()).select_from(audit.AuditEvent)) == events
    assert {p.name for p in stored_files(app)} == before
    assert winner_sha in before


def test_the_web_form_issues_the_pdf_after_the_answer_listing_the_attachments(
    client, tender, bidder, as_user
):
    from .test_web_form import form_data

    as_user(bidder)
    response = client.post(
        f'/tenders/{tender.code}/bid',
        data=form_data(),
        content_type='multipart/form-data',
        buffered=False,  # as a WSGI server: the answer is complete, close() comes after
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.scalar(select(Bid)).receipt_document_id is None  # not before the answer
    response.close()  # the WSGI server closes the response once it has been sent
    db.session.expire_all()
    bid = db.session.scalar(select(Bid))
    assert bid.receipt_document_id is not None
    download = client.get(f'/tenders/{tender.code}/bid/{bid.id}/receipt.pdf')
    text = _text(client.get(download.headers['Location']).data)
    assert 'surat-penawaran.pdf' in text and bid.receipt_number in text
