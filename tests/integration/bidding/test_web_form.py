"""The web path: the server seals in memory with the vendor's server-held key; the page,
the dashboard, the receipts; and nothing readable at rest (web and CLI paths)."""

import io
import json
import logging
import secrets
import subprocess
import sys
import tempfile

import pki_helpers
from sqlalchemy import func, inspect, select, text
from werkzeug.test import encode_multipart

from lpse import audit, pki_service
from lpse.bids.models import Bid
from lpse.crypto import envelope, pki, receipts, shamir
from lpse.extensions import db

from .conftest import PDF, stored_files


def form_data(marker='', **changes):
    data = {
        'kind': 'single',
        'price-1': '400.000',
        'price-2': '450000',
        'tkdn': '42,5',
        'validity_days': '90',
        'passphrase': pki_helpers.SIGNING_PASSPHRASE,
        'attachments': [(io.BytesIO(PDF + marker.encode()), 'surat-penawaran.pdf')],
    }
    return data | changes


def test_a_vendor_bids_through_the_form_and_gets_receipts(client, tender, bidder, as_user):
    as_user(bidder)
    page = client.get(f'/tenders/{tender.code}/bid')
    assert page.status_code == 200 and 'bid-form.js' in page.get_data(as_text=True)
    response = client.post(
        f'/tenders/{tender.code}/bid', data=form_data(), content_type='multipart/form-data'
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    response.close()  # the PDF receipt is issued once the answer has been sent
    bid = db.session.scalar(select(Bid))
    assert bid.ip == '127.0.0.1' and bid.receipt_document_id
    doc = json.loads(client.get(f'/tenders/{tender.code}/bid/{bid.id}/receipt.json').get_data())
    authority = pki_service.authority()
    receipts.verify_receipt(doc, ca_cert=authority.ca_cert, signer=authority.system_cert)
    pdf = client.get(f'/tenders/{tender.code}/bid/{bid.id}/receipt.pdf')
    assert pdf.status_code == 302
    downloaded = client.get(pdf.headers['Location'])
    assert downloaded.status_code == 200 and downloaded.data.startswith(b'%PDF-')
    dashboard = client.get('/vendors/me').get_data(as_text=True)
    assert bid.receipt_number in dashboard
    detail = client.get(f'/tenders/{tender.code}').get_data(as_text=True)
    assert 'certificate.pem' in detail and f'/tenders/{tender.code}/bid' in detail


def test_a_wrong_passphrase_is_counted_and_nothing_is_sealed(client, tender, bidder, as_user):
    as_user(bidder)
    response = client.post(
        f'/tenders/{tender.code}/bid',
        data=form_data(passphrase='bukan frasa yang benar'),
        content_type='multipart/form-data',
    )
    assert response.status_code == 422
    assert 'Frasa sandi penandatanganan salah' in response.get_data(as_text=True)
    actions = db.session.scalars(select(audit.AuditEvent.action)).all()
    assert 'key.unlock_failed' in actions and 'bid.submitted' not in actions


def test_the_form_refuses_a_bid_that_does_not_fit(client, tender, bidder, as_user):
    as_user(bidder)
    response = client.post(
        f'/tenders/{tender.code}/bid',
        data=form_data(**{'price-1': '-5'}),
        content_type='multipart/form-data',
    )
    assert response.status_code == 422
    assert db.session.scalar(select(func.count()).select_from(Bid)) == 0


def test_bid_form_files_never_touch_a_temporary_file(client, tender, bidder, as_user, monkeypatch):
    """Werkzeug would spool a file above 500 KB to a temp file: not for the bid form."""
    as_user(bidder)

    def refuse(*args, **kwargs):
        raise AssertionError('a temporary file was made during a web bid submission')

    # (The blob store's mkstemp stays: it receives the sealed envelope, ciphertext only.)
    import werkzeug.formparser

    for name in ('SpooledTemporaryFile', 'TemporaryFile', 'NamedTemporaryFile'):
        monkeypatch.setattr(tempfile, name, refuse)
        monkeypatch.setattr(werkzeug.formparser, name, refuse, raising=False)
    big = PDF + b'0' * (2 * 1024 * 1024)
    # The body is encoded in memory here (the test client would spool it to a temp file).
    boundary, body = encode_multipart(form_data(attachments=[(io.BytesIO(big), 'teknis.pdf')]))
    response = client.post(
        f'/tenders/{tender.code}/bid',
        data=body,
        content_type=f'multipart/form-data; boundary={boundary}',
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]


def test_other_uploads_still_spool_to_temporary_files(app):
    from lpse.bids.forms import BidFormRequest

    with app.test_request_context('/vendors/me/documents', method='POST'):
        from flask import request

        stream = request._get_file_stream(10**7, 'application/pdf')
        assert not isinstance(stream, io.BytesIO)
        stream.close()
    assert BidFormRequest


def test_the_bid_form_body_is_capped(app, client, tender, bidder, as_user):
    app.config['LPSE_BID_FORM_MAX_SIZE'] = 100_000
    as_user(bidder)
    response = client.post(
        f'/tenders/{tender.code}/bid',
        data=form_data(attachments=[(io.BytesIO(PDF + b'0' * 200_000), 'x.pdf')]),
        content_type='multipart/form-data',
    )
    assert response.status_code == 413


def _scan_everything(app, marker, caplog):
    """The marker in any table (every column, as text), blob, file or log record."""
    found = []
    needle = marker.encode()
    for table in db.metadata.sorted_tables:
        query = text(f'SELECT * FROM "{table.name}"')  # noqa: S608 — our own table names
        for row in db.session.execute(query):
            for value in row:
                raw = value if isinstance(value, bytes | memoryview) else str(value).encode()
                if needle in bytes(raw):
                    found.append(table.name)
    found += [str(p) for p in stored_files(app) if needle in p.read_bytes()]
    found += [r.getMessage() for r in caplog.records if marker in r.getMessage()]
    return found


def test_nothing_readable_at_rest_web_and_cli_paths(
    app, client, tender, bidder, rival, as_user, caplog, token, post_bid, cast, tmp_path
):
    caplog.set_level(logging.DEBUG)
    marker = 'PENANDA-' + secrets.token_hex(12)
    as_user(bidder)
    web = client.post(
        f'/tenders/{tender.code}/bid', data=form_data(marker), content_type='multipart/form-data'
    )
    assert web.status_code == 302
    # The CLI path: `lpse seal` at the rival's desk, then the API.
    from .conftest import seal

    p7m, sig = seal(tender, rival, 11, marker=marker)
    assert post_bid(tender, p7m, sig, token(rival)).status_code == 201
    assert db.session.scalar(select(func.count()).select_from(Bid)) == 2
    assert _scan_everything(app, marker, caplog) == []
    assert inspect(db.engine).get_table_names()  # the scan saw real tables


def test_k_minus_one_shares_cannot_rebuild_the_tender_key_and_k_can(tender, cast):
    from lpse.tenders.keys import key_of

    row = key_of(tender)
    member_keys = {
        cast['pokja'].id: pki_helpers.key(1),
        cast['pokja2'].id: pki_helpers.key(2),
        cast['pokja3'].id: pki_helpers.key(3),
    }
    shares = [shamir.decrypt_share(s.ciphertext, member_keys[s.user_id]) for s in row.shares]
    for share, stored in zip(shares, row.shares, strict=True):
        shamir.check_share(share, stored.commitment, context=stored.context)
    k = row.threshold
    assert k == 2 and len(shares) == 3
    try:
        shamir.combine_shares(shares[: k - 1])
    except shamir.TooFewShares:
        pass
    else:
        raise AssertionError('k − 1 shares rebuilt the secret')
    key = shamir.recover_tender_key(row.protected_key, shamir.combine_shares(shares[1 : k + 1]))
    assert pki.key_matches_certificate(key, row.certificate)
    assert pki.has_key_usage(row.certificate, 'key_encipherment')
    assert tender.code in row.certificate.subject.rfc4514_string()
    assert envelope  # the envelope module opens bids with this key at opening


def test_publication_is_refused_while_a_member_lacks_a_pokja_certificate(
    create_tender, cast, client
):
    from lpse.tenders import publication

    draft = create_tender('ready')
    for cert in pki_service.certificates_of(cast['pokja2']):
        pki_service.revoke(cert, reason='key_compromise', actor=None, now=cast['pokja2'].created_at)
    db.session.commit()
    problems = [str(p) for p in publication.publication_problems(draft, draft.created_at)]
    assert any(cast['pokja2'].email in p for p in problems)
    assert not any(cast['pokja'].email in p for p in problems)


def test_the_tender_certificate_is_public(client, tender):
    from lpse.tenders.keys import key_of

    pem = key_of(tender).certificate_pem
    assert client.get(f'/api/v1/tenders/{tender.code}/certificate').get_data(as_text=True) == pem
    assert client.get(f'/tenders/{tender.code}/certificate.pem').get_data(as_text=True) == pem


def test_openapi_documents_every_bid_route(client):
    paths = client.get('/api/v1/openapi.json').get_json()['paths']
    for path in ('/tenders/{code}/bids', '/tenders/{code}/bids/mine', '/tenders/{code}/commitment'):
        assert path in paths
    assert sys  # (subprocess/sys used by the CLI tests)
    assert subprocess


def test_the_tender_page_shows_a_bidder_the_way_at_the_top(client, tender, bidder, as_user):
    as_user(bidder)
    page = client.get(f'/tenders/{tender.code}').get_data(as_text=True)
    cta = page.index('id="bid-cta"')
    assert cta < page.index('id="bids-h"')  # before the bids section, near the title
    assert f'href="/tenders/{tender.code}/bid"' in page[cta : cta + 300]
    assert page.count(f'href="/tenders/{tender.code}/bid"') == 1
