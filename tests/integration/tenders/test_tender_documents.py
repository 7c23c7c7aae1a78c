"""Uploads checked by content, addenda with every version kept, logged downloads."""

import io
from datetime import timedelta

import blob_helpers
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from lpse import clock
from lpse.audit import AuditEvent
from lpse.extensions import db
from lpse.tenders.documents import Addendum, Document
from lpse.tenders.stages import Stage

from .factories import PDF, T0

EXE = b'MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff' + b'\0' * 200


def upload(client, code, data, name='dokumen.pdf', **fields):
    # Encoded in memory: the test client would spool a large body to an unclosed temp file.
    values = {'kind': 'kak', 'title': 'KAK', **fields, 'file': FileStorage(io.BytesIO(data), name)}
    boundary, body = encode_multipart(values)
    return client.post(
        f'/tenders/{code}/documents/new',
        data=body,
        content_type=f'multipart/form-data; boundary={boundary}',
    )


def blobs(app):
    return blob_helpers.stored_blobs()


def count_documents():
    return db.session.scalar(select(func.count()).select_from(Document))


def test_draft_upload_by_the_ppk(client, create_tender, cast, as_user):
    tender = create_tender('draft')
    as_user(cast['ppk'])
    response = upload(client, tender.code, PDF)
    assert response.status_code == 302
    [doc] = db.session.scalars(select(Document)).all()
    assert (doc.kind, doc.version, doc.media_type, doc.addendum_id) == (
        'kak',
        1,
        'application/pdf',
        None,
    )


def test_an_executable_named_pdf_is_refused_and_not_stored(
    app, client, create_tender, cast, as_user
):
    tender = create_tender('draft')
    as_user(cast['pokja'])
    before = blobs(app)
    for data in (EXE, b'<!doctype html><html><body>Dokumen</body></html>'):
        response = upload(client, tender.code, data, name='dokumen-pemilihan.pdf')
        assert response.status_code == 422
        assert 'isinya diperiksa, bukan namanya' in response.get_data(as_text=True)
    assert blobs(app) == before
    assert count_documents() == 0


def test_an_oversized_file_is_refused(app, client, create_tender, cast, as_user):
    app.config['LPSE_DOCUMENT_MAX_SIZE'] = 1024 * 1024
    tender = create_tender('draft')
    as_user(cast['pokja'])
    response = upload(client, tender.code, PDF + b'0' * (1024 * 1024))
    assert response.status_code == 413
    assert 'melebihi batas 1 MB' in response.get_data(as_text=True)
    assert count_documents() == 0


def test_addenda_are_numbered_and_keep_every_version(client, create_tender, cast, as_user):
    tender = create_tender(Stage.clarification)
    as_user(cast['pokja'])
    response = upload(client, tender.code, PDF + b'v2', kind='dokumen_pemilihan')
    assert response.status_code == 422
    assert 'Adendum wajib menyertakan alasan.' in response.get_data(as_text=True)
    for n in (2, 3):
        response = upload(
            client,
            tender.code,
            PDF + bytes([n]),
            kind='dokumen_pemilihan',
            reason=f'Revisi {n}',
            affects_bids='tidak',
        )
        assert response.status_code == 302
    versions = db.session.scalars(
        select(Document).where(Document.kind == 'dokumen_pemilihan').order_by(Document.version)
    ).all()
    assert [(d.version, d.addendum.number if d.addendum else None) for d in versions] == [
        (1, None),
        (2, 1),
        (3, 2),
    ]
    actions = db.session.scalars(select(AuditEvent.action)).all()
    assert actions.count('tender.addendum_issued') == 2
    page = client.get(f'/tenders/{tender.code}').get_data(as_text=True)
    assert 'Adendum 1' in page and 'Adendum 2' in page and 'Revisi 3' in page
    for doc in versions:  # every version stays downloadable
        response = client.get(f'/tenders/{tender.code}/documents/{doc.id}')
        assert response.status_code == 200
        response.close()


def test_no_addendum_after_the_bid_deadline(client, create_tender, cast, as_user):
    tender = create_tender(Stage.bid_opening)
    as_user(cast['pokja'])
    assert upload(client, tender.code, PDF, reason='Terlambat').status_code == 403
    assert db.session.scalar(select(func.count()).select_from(Addendum)) == 0


def test_vendors_download_during_the_download_stage_and_each_is_logged(
    client, create_tender, cast, as_user
):
    tender = create_tender(Stage.clarification)
    [doc] = db.session.scalars(select(Document)).all()
    url = f'/tenders/{tender.code}/documents/{doc.id}'
    anonymous = client.get(url)
    assert anonymous.status_code == 302 and '/auth/login' in anonymous.headers['Location']
    as_user(cast['vendor'])
    response = client.get(url)
    assert response.status_code == 200
    assert response.data == PDF
    assert response.headers['Content-Type'] == 'application/pdf'
    assert 'attachment' in response.headers['Content-Disposition']
    response.close()
    [event] = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == 'tender.document_downloaded')
    ).all()
    assert event.actor_id == cast['vendor'].id and doc.sha256 in event.payload
    clock.set_now(tender.schedule[Stage.download].end + timedelta(seconds=1))
    refused = client.get(url)
    assert refused.status_code == 403
    assert 'tahap Download Dokumen Pemilihan' in refused.get_data(as_text=True)
    clock.set_now(T0)


def test_a_document_of_another_tender_is_not_found(client, create_tender, cast, as_user):
    first, second = create_tender(Stage.clarification), create_tender(Stage.clarification)
    doc = db.session.scalars(select(Document).where(Document.tender_id == first.id)).first()
    as_user(cast['vendor'])
    assert client.get(f'/tenders/{second.code}/documents/{doc.id}').status_code == 404
