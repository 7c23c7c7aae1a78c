"""Supporting documents (akta, NIB, NPWP, licences): PDF or image, checked by content."""

import re
from pathlib import Path

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from lpse import audit, storage
from lpse.errors import Conflict, DomainError, NotAllowed, NotFound, ValidationFailed
from lpse.extensions import db
from lpse.i18n import byte_size
from lpse.vendors.models import (
    MAX_DOCUMENTS,
    MAX_DOCUMENTS_PER_KIND,
    DocumentKind,
    Vendor,
    VendorDocument,
)

PNG = 'image/png'
JPEG = 'image/jpeg'
EXTENSIONS = {storage.PDF: 'pdf', PNG: 'png', JPEG: 'jpg'}
DEFAULT_MAX_SIZE = 10 * 1024 * 1024


class TooLarge(DomainError):
    status = 413
    code = 'too_large'


def sniff_image(path: Path) -> str | None:
    """PNG (signature and IHDR first) or JPEG (SOI then a marker), judged by the bytes."""
    with open(path, 'rb') as f:
        head = f.read(16)
    if head.startswith(b'\x89PNG\r\n\x1a\n') and head[12:16] == b'IHDR':
        return PNG
    if head.startswith(b'\xff\xd8\xff') and len(head) >= 4 and head[3] >= 0xC0:
        return JPEG
    return None


def sniff(path: Path) -> str | None:
    """A PDF, PNG or JPEG by its content; office files and anything else are refused."""
    found = storage.sniff_document(path)
    if found == storage.PDF:
        return found
    return sniff_image(path) if found is None else None


def _safe_filename(name):
    name = re.sub(r'[^A-Za-z0-9._ -]+', '_', (name or '').rsplit('/', 1)[-1].rsplit('\\', 1)[-1])
    return name.strip(' .')[:150] or 'dokumen'


def add_document(vendor, *, kind, fileobj, filename, actor, now, ip=None) -> VendorDocument:
    """Store an uploaded document for the vendor (while its data may still change)."""
    if not vendor.can_edit(actor):
        raise NotAllowed(_l('Dokumen hanya dapat diunggah sebelum data diverifikasi.'))
    try:
        kind = DocumentKind(kind).value
    except ValueError:
        raise ValidationFailed(_l('Pilih jenis dokumen yang tersedia.'), field='kind') from None
    if len(vendor.documents) >= MAX_DOCUMENTS:
        raise ValidationFailed(
            _l('Paling banyak %(n)s dokumen; hapus yang tidak diperlukan.', n=MAX_DOCUMENTS),
            field='file',
        )
    if sum(d.kind == kind for d in vendor.documents) >= MAX_DOCUMENTS_PER_KIND:
        raise ValidationFailed(
            _l(
                'Paling banyak %(n)s dokumen per jenis; hapus yang tidak diperlukan.',
                n=MAX_DOCUMENTS_PER_KIND,
            ),
            field='kind',
        )
    found = {}

    def check(path):
        found['type'] = sniff(path)
        if found['type'] is None:
            raise storage.BlobRejected('not a PDF, PNG or JPEG')

    max_size = int(current_app.config.get('LPSE_VENDOR_DOCUMENT_MAX_SIZE', DEFAULT_MAX_SIZE))
    try:
        sha256, size = storage.blob_store().put_stream(fileobj, max_size=max_size, check=check)
    except storage.BlobTooLarge:
        raise TooLarge(
            _l('Berkas melebihi batas %(size)s.', size=byte_size(max_size)),
            field='file',
        ) from None
    except storage.BlobRejected:
        raise ValidationFailed(
            _l('Berkas harus PDF, PNG atau JPEG; isinya diperiksa, bukan namanya.'), field='file'
        ) from None
    # The same file twice as the same kind (a double click, a resend): refused, the first one
    # stands. (One scan may serve several kinds.) The vendor row is locked first (PostgreSQL),
    # so two uploads at once cannot both pass the check.
    db.session.execute(select(Vendor.id).where(Vendor.id == vendor.id).with_for_update())
    same = db.session.scalar(
        select(VendorDocument).where(
            VendorDocument.vendor_id == vendor.id,
            VendorDocument.kind == kind,
            VendorDocument.sha256 == sha256,
        )
    )
    if same is not None:
        raise Conflict(
            _l('Berkas yang sama sudah diunggah (%(name)s).', name=same.filename), field='file'
        )
    stem = _safe_filename(filename).rsplit('.', 1)[0] or 'dokumen'
    document = VendorDocument(
        vendor_id=vendor.id,
        kind=kind,
        filename=f'{stem}.{EXTENSIONS[found["type"]]}',
        media_type=found['type'],
        sha256=sha256,
        size=size,
        uploaded_at=now,
        uploaded_by_id=actor.id,
    )
    db.session.add(document)
    db.session.flush()
    db.session.refresh(vendor, ['documents'])
    audit.record(
        'vendor.document_added',
        vendor,
        actor=actor,
        now=now,
        ip=ip,
        kind=kind,
        sha256=sha256,
        size=size,
    )
    return document


def delete_document(vendor, document, *, actor, now, ip=None):
    """Remove a supporting document while the vendor's data may still change (audited). The
    blob stays in the content-addressed store (another row may name the same bytes)."""
    if document.vendor_id != vendor.id:
        raise NotFound(_l('Dokumen tidak ditemukan.'))
    if not vendor.can_edit(actor):
        raise NotAllowed(_l('Dokumen hanya dapat dihapus sebelum data diverifikasi.'))
    details = {'kind': document.kind, 'sha256': document.sha256, 'filename': document.filename}
    db.session.delete(document)
    db.session.flush()
    db.session.refresh(vendor, ['documents'])
    audit.record('vendor.document_deleted', vendor, actor=actor, now=now, ip=ip, **details)
