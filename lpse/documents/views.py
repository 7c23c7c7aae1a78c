"""Public verification of PDFs and receipts, document metadata, and downloads of issued PDFs."""

import json

from flask import Blueprint, abort, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user

from lpse.documents import operations
from lpse.documents.forms import VerifyForm
from lpse.extensions import login_manager

bp = Blueprint('documents', __name__)
# Issued documents are small; anything larger is refused before it is read.
VERIFY_MAX_BYTES = 10 * 1024 * 1024


@bp.route('/verify', methods=['GET', 'POST'])
def verify():
    """Anyone: upload a PDF or a receipt, learn whether this system issued it."""
    if (request.content_length or 0) > VERIFY_MAX_BYTES + 64 * 1024:
        abort(413)
    form = VerifyForm()
    if not form.is_submitted():
        return render_template('documents/verify.html', form=form)
    if not form.validate():
        return render_template('documents/verify.html', form=form), 422
    data = _submitted_bytes(form)
    if data is None:
        form.file.errors = [_('Unggah berkas PDF atau tempel tanda terima JSON.')]
        return render_template('documents/verify.html', form=form), 422
    if data.startswith(b'%PDF-'):
        result = operations.check_pdf(data)
        return render_template('documents/verify.html', form=form, pdf=result)
    doc = _parse_json(data)
    if doc is None:
        form.file.errors = [_('Berkas ini bukan PDF dan bukan tanda terima JSON.')]
        return render_template('documents/verify.html', form=form), 422
    result = operations.check_receipt(doc, envelope_sha256=form.envelope_sha256.data or None)
    return render_template('documents/verify.html', form=form, receipt=result)


@bp.get('/verify/<document_id>')
def detail(document_id):
    """The public facts of an issued document (kind, date, tender, SHA-256), never its content.
    An address copied from a sentence with its closing punctuation leads to the document."""
    trimmed = document_id.rstrip('.,;:)')
    if trimmed != document_id and trimmed:
        return redirect(url_for('documents.detail', document_id=trimmed), 301)
    document = operations.find_document(document_id)
    if document is None:
        abort(404)
    signatures = operations.signatures_of(document)
    return render_template('documents/detail.html', document=document, signatures=signatures)


@bp.get('/documents/<document_id>.pdf')
def download(document_id):
    """The stored bytes of an issued PDF, for those `IssuedDocument.can_download` allows."""
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    document = operations.find_document(document_id)
    if document is None:
        abort(404)
    if not document.can_download(current_user):
        abort(403)
    response = send_file(
        operations.open_document(document),
        mimetype='application/pdf',
        as_attachment=True,
        download_name=f'{document.kind}-{document.id}.pdf',
        etag=document.sha256,
    )
    response.headers['X-Content-Type-Options'] = 'nosniff'
    return response


def _submitted_bytes(form) -> bytes | None:
    upload = form.file.data
    if upload and getattr(upload, 'filename', None):
        data = upload.stream.read(VERIFY_MAX_BYTES + 1)
        if len(data) > VERIFY_MAX_BYTES:
            abort(413)
        return data or None
    text = (form.receipt.data or '').strip()
    return text.encode('utf-8') if text else None


def _parse_json(data: bytes):
    try:
        value = json.loads(data.decode('utf-8'))
    except (UnicodeDecodeError, ValueError, RecursionError):
        return None
    return value if isinstance(value, dict) else None
