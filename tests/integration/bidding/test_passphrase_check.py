"""A wrong signing passphrase on the web bid form (#16 point 6): checked before the upload by
the form's script (a small JSON endpoint, counted and throttled like a signing), and without
script the server still refuses — keeping the attachments, encrypted, for the next try."""

import io
import re

import pki_helpers
from pypdf import PdfReader
from sqlalchemy import func, select

from lpse import audit, storage
from lpse.bids.models import Bid
from lpse.documents.models import IssuedDocument
from lpse.extensions import db

from .conftest import PDF, stored_files
from .test_web_form import form_data

WRONG = 'bukan frasa yang benar'


def _actions():
    return db.session.scalars(select(audit.AuditEvent.action)).all()


def test_the_check_answers_json_and_counts_a_wrong_passphrase(client, tender, bidder, as_user):
    as_user(bidder)
    url = f'/tenders/{tender.code}/bid/passphrase'
    wrong = client.post(url, data={'passphrase': WRONG})
    assert wrong.status_code == 422
    assert wrong.get_json()['error']['code'] == 'wrong_passphrase'
    assert 'Frasa sandi penandatanganan salah' in wrong.get_json()['error']['message']
    assert _actions().count('key.unlock_failed') == 1
    right = client.post(url, data={'passphrase': pki_helpers.SIGNING_PASSPHRASE})
    assert right.status_code == 200 and right.get_json() == {'ok': True}
    # A check seals and stores nothing.
    assert db.session.scalar(select(func.count()).select_from(Bid)) == 0


def test_the_check_is_throttled_like_a_signing(app, client, tender, bidder, as_user):
    as_user(bidder)
    url = f'/tenders/{tender.code}/bid/passphrase'
    statuses = [
        client.post(url, data={'passphrase': WRONG}).status_code
        for _ in range(app.config['LPSE_LOGIN_ACCOUNT_FAILURES'] + 1)
    ]
    assert statuses[-1] == 429, statuses
    locked = client.post(url, data={'passphrase': pki_helpers.SIGNING_PASSPHRASE})
    assert locked.status_code == 429 and 'error' in locked.get_json()


def test_only_a_vendor_that_may_bid_may_check(client, tender, cast, as_user):
    as_user(cast['pokja'])
    assert client.post(f'/tenders/{tender.code}/bid/passphrase', data={}).status_code == 403


def test_the_form_posts_to_the_check_first(client, tender, bidder, as_user):
    as_user(bidder)
    page = client.get(f'/tenders/{tender.code}/bid').get_data(as_text=True)
    assert f'data-check="/tenders/{tender.code}/bid/passphrase"' in page


def _receipt_text(bid) -> str:
    document = db.session.get(IssuedDocument, bid.receipt_document_id)
    with storage.blob_store().open(document.blob_sha256) as fh:
        data = fh.read()
    text = ' '.join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages)
    return re.sub(r'\s+', ' ', text)


def test_without_script_a_refused_form_keeps_the_attachments_encrypted(
    app, client, tender, bidder, as_user
):
    as_user(bidder)
    marker = 'LAMPIRAN-RAHASIA-7731'
    refused = client.post(
        f'/tenders/{tender.code}/bid',
        data=form_data(marker=marker, passphrase=WRONG),
        content_type='multipart/form-data',
    )
    assert refused.status_code == 422
    page = refused.get_data(as_text=True)
    assert 'akan disertakan' in page and 'surat-penawaran.pdf' in page
    # Kept, but never in clear: no stored file holds the attachment's bytes.
    for path in stored_files(app):
        assert marker.encode() not in path.read_bytes(), path
    # The next try sends no file again: the kept attachment is sealed into the bid.
    sent = client.post(
        f'/tenders/{tender.code}/bid',
        data=form_data(attachments=[]),
        content_type='multipart/form-data',
    )
    assert sent.status_code == 302, sent.get_data(as_text=True)[:3000]
    sent.close()  # the PDF receipt is issued once the answer has been sent
    bid = db.session.scalar(select(Bid))
    assert 'surat-penawaran.pdf' in _receipt_text(bid)
    # Sent: the session forgets the key, the form lists nothing kept any more.
    again = client.get(f'/tenders/{tender.code}/bid').get_data(as_text=True)
    assert 'akan disertakan' not in again


def test_new_files_replace_the_kept_ones(client, tender, bidder, as_user):
    as_user(bidder)
    client.post(
        f'/tenders/{tender.code}/bid',
        data=form_data(passphrase=WRONG),
        content_type='multipart/form-data',
    )
    sent = client.post(
        f'/tenders/{tender.code}/bid',
        data=form_data(attachments=[(io.BytesIO(PDF), 'penawaran-baru.pdf')]),
        content_type='multipart/form-data',
    )
    assert sent.status_code == 302
    sent.close()
    text = _receipt_text(db.session.scalar(select(Bid)))
    assert 'penawaran-baru.pdf' in text and 'surat-penawaran.pdf' not in text


def test_a_form_that_does_not_fit_stores_nothing_and_says_to_choose_the_files_again(
    app, client, tender, bidder, as_user
):
    as_user(bidder)
    before = stored_files(app)
    response = client.post(
        f'/tenders/{tender.code}/bid',
        data=form_data(**{'price-1': 'empat ratus'}),
        content_type='multipart/form-data',
    )
    assert response.status_code == 422
    assert 'pilih kembali lampiran Anda' in response.get_data(as_text=True)
    assert stored_files(app) == before
