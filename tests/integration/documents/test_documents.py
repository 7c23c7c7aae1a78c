"""Issued PDFs: stored once, served as stored, verifiable by anyone; bad uploads refused."""

import hashlib
import io
import json

from helpers import PASSWORD
from pypdf import PdfReader
from tenders.factories import T0

from lpse import audit, storage
from lpse.audit import AuditEvent
from lpse.documents.models import IssuedDocument
from lpse.extensions import db
from lpse.pdf import render_pdf, sign_pdf

from .conftest import sample_context


def stored_bytes(document):
    with storage.blob_store().open(document.blob_sha256) as fh:
        return fh.read()


def log_in(client, user):
    client.post('/auth/logout')
    response = client.post('/auth/login', data={'email': user.email, 'password': PASSWORD})
    assert response.status_code == 302
    return client


def verify_upload(client, data, name='dokumen.pdf', **fields):
    return client.post(
        '/verify',
        data={'file': (io.BytesIO(data), name), **fields},
        content_type='multipart/form-data',
    )


def test_issue_stores_the_signed_pdf_once_and_audits_it(issued):
    pdf = stored_bytes(issued)
    assert pdf.startswith(b'%PDF-') and hashlib.sha256(pdf).hexdigest() == issued.sha256
    assert issued.size == len(pdf) and len(issued.id) == 20
    assert db.session.scalar(db.select(db.func.count()).select_from(IssuedDocument)) == 1
    data = json.loads(issued.data)
    assert data['document_id'] == issued.id
    assert data['verify_url'] == f'https://lpse.uji.go.id/verify/{issued.id}'
    cp = issued.checkpoint
    assert data['audit_checkpoint'] == f'{cp.short} · log {cp.seq} {cp.root_hash[:16]} · 0 saksi'
    text = PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    assert f'log {cp.seq} {cp.root_hash[:16]}' in ' '.join(text.split())  # printed, not just kept
    every = ' '.join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert f'/verify/{issued.id}.' not in every  # no full stop to copy with the address
    event = db.session.scalars(
        db.select(AuditEvent)
        .where(AuditEvent.action != 'state.rows')
        .order_by(AuditEvent.seq.desc())
    ).first()
    assert (event.action, event.object_id) == ('document.issued', issued.id)
    assert json.loads(event.payload)['sha256'] == issued.sha256
    assert audit.verify_database().ok


def test_the_owner_downloads_the_stored_bytes_another_vendor_may_not(client, issued, cast):
    response = log_in(client, cast['vendor']).get(f'/documents/{issued.id}.pdf')
    assert response.status_code == 200
    assert response.get_data() == stored_bytes(issued)
    assert response.headers['Content-Disposition'].startswith('attachment')
    assert response.headers['X-Content-Type-Options'] == 'nosniff'
    response.close()
    response = log_in(client, cast['other_vendor']).get(f'/documents/{issued.id}.pdf')
    assert response.status_code == 403


def test_verify_page_says_genuine_for_the_stored_bytes(client, issued):
    response = verify_upload(client, stored_bytes(issued))
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'Asli: dokumen ini diterbitkan oleh sistem ini.' in html
    assert issued.id in html and issued.sha256 in html


def test_a_flipped_byte_is_not_ours(client, issued):
    pdf = bytearray(stored_bytes(issued))
    pdf[len(pdf) // 3] ^= 0x01
    response = verify_upload(client, bytes(pdf))
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'Tidak diterbitkan oleh sistem ini.' in html
    assert 'Asli:' not in html


def test_a_pdf_signed_by_a_vendor_certificate_of_our_ca_is_not_ours(client, authority, ca_pki, app):
    context = sample_context(
        document_id='A' * 20, verify_url='https://x/verify/A', audit_checkpoint='#1 x'
    )
    pdf = render_pdf('pdf/sample.html', context, env=app.jinja_env, now=T0)
    forged = sign_pdf(pdf, key=ca_pki.vendor_key, cert=ca_pki.vendor_cert, now=T0)
    html = verify_upload(client, forged).get_data(as_text=True)
    assert 'Tidak diterbitkan oleh sistem ini.' in html
    assert 'not the system certificate' in html


def test_document_metadata_page_and_api(client, issued):
    html = client.get(f'/verify/{issued.id}').get_data(as_text=True)
    assert issued.sha256 in html and issued.id in html
    # Times are in the reader's zone (with WIB), never labelled UTC; the kind is a code.
    assert '(UTC)' not in html and f'<code>{issued.kind}</code>' in html
    assert client.get('/verify/AAAAAAAAAAAAAAAAAAAA').status_code == 404
    body = client.get(f'/api/v1/documents/{issued.id}').get_json()
    assert body['sha256'] == issued.sha256 and body['kind'] == 'sample'
    assert body['audit_checkpoint'] == {
        'seq': issued.checkpoint.seq,
        'hash': issued.checkpoint.hash,
    }
    assert client.get('/api/v1/documents/nope').status_code == 404


def test_bad_uploads_get_a_clear_4xx(client, authority):
    assert verify_upload(client, b'MZ\x90\x00 not a pdf', name='x.exe').status_code == 422
    assert verify_upload(client, b'', name='kosong.pdf').status_code == 422
    assert client.post('/verify', data={}).status_code == 422
    assert client.post('/verify', data={'receipt': '{"receipt": '}).status_code == 422
    assert client.post('/verify', data={'receipt': '[1, 2]'}).status_code == 422
    # Starts like a PDF but is garbage: an answer (not ours), not a crash.
    response = verify_upload(client, b'%PDF-1.7\n' + b'\x00\xff' * 500)
    assert response.status_code == 200
    assert 'Tidak diterbitkan oleh sistem ini.' in response.get_data(as_text=True)
    # A 50 MB body is refused from its Content-Length, before it is read.
    big = b'--x\r\nContent-Disposition: form-data; name="file"; filename="a.pdf"\r\n\r\n%PDF-'
    big += b'0' * (50 * 1024 * 1024) + b'\r\n--x--\r\n'
    response = client.post('/verify', data=big, content_type='multipart/form-data; boundary=x')
    assert response.status_code == 413
    assert client.post('/verify', data={'envelope_sha256': 'xyz'}).status_code == 422


def test_a_verify_address_copied_with_its_full_stop_leads_to_the_document(client, issued):
    response = client.get(f'/verify/{issued.id}.')
    assert response.status_code == 301 and response.headers['Location'] == f'/verify/{issued.id}'
    assert client.get(f'/verify/{issued.id}),').status_code == 301
    assert client.get('/verify/.').status_code == 404
