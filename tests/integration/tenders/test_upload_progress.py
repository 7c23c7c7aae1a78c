"""Tender and vendor document forms show the size limit before the upload and report upload
progress like the bid form (#16 point 6): the form is marked for static/js/upload-progress.js,
carries its progress bar, loads the script (a static file: CSP allows no inline script)."""

import re


def _has_progress(page: str, action_hint: str) -> None:
    form = re.search(r'<form[^>]*data-progress="[^"]+"[^>]*>(.*?)</form>', page, re.S)
    assert form, 'no form marked for upload progress'
    assert action_hint in page
    assert '<progress max="100"' in form.group(1) and 'role="status"' in form.group(1)
    assert 'js/upload-progress.js' in page
    assert '<script>' not in page  # no inline script


def test_tender_document_form(app, client, create_tender, cast, as_user):
    app.config['LPSE_DOCUMENT_MAX_SIZE'] = 3 * 1024 * 1024
    tender = create_tender('draft')
    as_user(cast['pokja'])
    page = client.get(f'/tenders/{tender.code}/documents/new').get_data(as_text=True)
    _has_progress(page, 'enctype="multipart/form-data"')
    assert 'paling besar 3 MB' in page


def test_vendor_document_form(app, client, person, as_user):
    from vendor_helpers import verify_vendor

    from lpse.extensions import db
    from lpse.vendors.models import VendorStatus

    user = person('cv.progres@contoh.co.id', 'vendor')
    verify_vendor(user, company='CV Progres', status=VendorStatus.changes_requested)
    db.session.commit()
    app.config['LPSE_VENDOR_DOCUMENT_MAX_SIZE'] = 1536 * 1024
    as_user(user)
    page = client.get('/vendors/me').get_data(as_text=True)
    _has_progress(page, '/vendors/me/documents')
    assert 'paling besar 1,5 MB' in page


def test_the_script_is_served(client):
    script = client.get('/static/js/upload-progress.js')
    assert script.status_code == 200 and b'upload.addEventListener' in script.data
