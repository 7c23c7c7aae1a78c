"""Supporting documents: PDF or image by content, size-limited, private to the right people."""

import io

import blob_helpers
import pytest

from lpse.extensions import db
from lpse.vendors.models import VendorDocument

from .conftest import PDF, PNG

JPEG = b'\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xd9'
HTML = b'<!doctype html><script>alert(1)</script>'


def blobs(app):
    return blob_helpers.stored_blobs() + blob_helpers.leftovers()


def upload(client, kind, data, name):
    return client.post(
        '/vendors/me/documents',
        data={'kind': kind, 'file': (io.BytesIO(data), name)},
        content_type='multipart/form-data',
    )


@pytest.mark.parametrize(
    ('data', 'name', 'media_type', 'stored_name'),
    [
        (PDF, 'akta.pdf', 'application/pdf', 'akta.pdf'),
        (PNG, 'npwp.png', 'image/png', 'npwp.png'),
        (JPEG, 'nib scan.JPG', 'image/jpeg', 'nib scan.jpg'),
        (PDF, 'izin.exe', 'application/pdf', 'izin.pdf'),  # the content decides
    ],
)
def test_pdf_and_images_are_accepted(
    client, as_user, create_vendor, data, name, media_type, stored_name
):
    vendor = create_vendor(verified=False, documents=False)
    as_user(vendor.user)
    response = upload(client, 'akta', data, name)
    assert response.status_code == 303, response.get_data(as_text=True)
    doc = db.session.scalar(db.select(VendorDocument))
    assert (doc.media_type, doc.filename) == (media_type, stored_name)


@pytest.mark.parametrize(
    ('data', 'name'),
    [
        (HTML, 'ktp.png'),  # an "image" that is really HTML
        (b'GIF89a' + b'\x00' * 20, 'logo.gif'),
        (b'\x89PNG\r\n\x1a\n' + b'<html>' * 3, 'fake.png'),  # signature without IHDR
        (b'PK\x03\x04' + b'\x00' * 30, 'akta.docx'),
        (b'', 'kosong.pdf'),
    ],
)
def test_other_content_is_refused_and_nothing_kept(app, client, as_user, create_vendor, data, name):
    vendor = create_vendor(verified=False, documents=False)
    as_user(vendor.user)
    before = blobs(app)
    response = upload(client, 'akta', data, name)
    assert response.status_code == 422
    assert 'PDF, PNG atau JPEG' in response.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count()).select_from(VendorDocument)) == 0
    assert blobs(app) == before


@pytest.fixture
def app_config(app_config):
    return {**app_config, 'LPSE_VENDOR_DOCUMENT_MAX_SIZE': 1024}


def test_size_limit(app, client, as_user, create_vendor):
    vendor = create_vendor(verified=False, documents=False)
    as_user(vendor.user)
    response = upload(client, 'akta', PDF + b'0' * 2048, 'besar.pdf')
    assert response.status_code == 413
    assert db.session.scalar(db.select(db.func.count()).select_from(VendorDocument)) == 0


def test_upload_through_the_api(client, create_vendor, token_for):
    vendor = create_vendor(verified=False, documents=False)
    headers = token_for(vendor.user)
    response = client.post(
        f'/api/v1/vendors/{vendor.id}/documents',
        headers=headers,
        data={'kind': 'npwp', 'file': (io.BytesIO(PNG), 'npwp.png')},
        content_type='multipart/form-data',
    )
    assert response.status_code == 201, response.get_json()
    response = client.post(
        f'/api/v1/vendors/{vendor.id}/documents',
        headers=headers,
        data={'kind': 'npwp', 'file': (io.BytesIO(HTML), 'npwp.png')},
        content_type='multipart/form-data',
    )
    assert response.status_code == 422
    other = create_vendor(verified=False, documents=False)
    response = client.post(
        f'/api/v1/vendors/{other.id}/documents',
        headers=headers,
        data={'kind': 'npwp', 'file': (io.BytesIO(PNG), 'npwp.png')},
        content_type='multipart/form-data',
    )
    assert response.status_code == 404


def test_the_same_file_twice_is_refused_and_the_first_stands(client, as_user, create_vendor):
    vendor = create_vendor(verified=False, documents=False)
    as_user(vendor.user)
    assert upload(client, 'npwp', PDF, 'npwp.pdf').status_code == 303
    again = upload(client, 'npwp', PDF, 'npwp lagi.pdf')  # a double click, a resend
    assert again.status_code == 409
    assert 'Berkas yang sama sudah diunggah (npwp.pdf).' in again.get_data(as_text=True)
    db.session.expire_all()
    assert [d.filename for d in vendor.documents] == ['npwp.pdf']
    # One scan may hold several documents: the same file as another kind is accepted.
    assert upload(client, 'nib', PDF, 'gabungan.pdf').status_code == 303


def test_a_verified_vendor_cannot_change_its_documents(client, as_user, create_vendor):
    vendor = create_vendor(verified=True)
    as_user(vendor.user)
    assert upload(client, 'akta', PDF, 'akta.pdf').status_code == 403


def test_who_may_download(client, as_user, create_vendor, person, agency):
    vendor = create_vendor(verified=False)
    doc = vendor.documents[0]
    url = f'/vendors/{vendor.id}/documents/{doc.id}'
    response = client.get(url)
    response.close()
    assert response.status_code == 302  # to the login page
    expected = [
        (vendor.user, 200),
        (person('verif@lpse.go.id', 'verifier', agency=agency), 200),
        (person('adm@lpse.go.id', 'admin', agency=agency), 200),
        (person('aud@bpkp.go.id', 'auditor'), 200),
        (create_vendor().user, 404),
        (person('pokja@lpse.go.id', 'pokja', agency=agency), 404),
    ]
    for user, status in expected:
        as_user(user)
        response = client.get(url)
        assert response.status_code == status, user.email
        if status == 200:
            assert response.data == PDF
            assert response.headers['Content-Disposition'].startswith('attachment')
            assert 'sandbox' in response.headers['Content-Security-Policy']
        response.close()
