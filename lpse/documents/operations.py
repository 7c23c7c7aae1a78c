"""Issuing signed PDFs, and telling anyone whether a PDF or a receipt is one of ours."""

import hashlib
import hmac
import io
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace

from flask import current_app
from sqlalchemy import select

from lpse import audit, checkpoints, pki_service, storage
from lpse.crypto import receipts
from lpse.crypto.errors import CryptoError
from lpse.documents.models import DOCUMENT_KINDS, IssuedDocument
from lpse.extensions import db
from lpse.pdf import (
    COUNTERPARTY_FIELD,
    FIELD_NAME,
    PdfVerification,
    add_signature_fields,
    new_document_id,
    render_pdf,
    sign_pdf,
    verification_url,
)
from lpse.pdf import verify_pdf as verify_pdf_signature

MAX_DOCUMENT = 50 * 1024 * 1024
# Functions ``lookup(receipt_fields) -> dict | None`` that find the record a verified receipt
# acknowledges (the bids module registers one); the first non-None answer wins.
RECEIPT_LOOKUPS: list[Callable[[dict], dict | None]] = []


def register_receipt_lookup(lookup):
    """Decorator: add a function that finds a receipt's record (e.g. the bid) in the database."""
    RECEIPT_LOOKUPS.append(lookup)
    return lookup


def issue_document(
    kind, template, context, *, tender=None, owner=None, now, checkpoint=None, keep=None
) -> IssuedDocument:
    """Render `templates/<template>` with `context`, sign it with the system key, store it once.

    The footer cites `checkpoint` (by default the newest one; the first one is signed now if
    there is none). `keep`: the context keys the row keeps (a large document — an auditor's
    report — keeps its description, not its contents, which would also enter the state log);
    by default all. Writes `document.issued`; only flushes."""
    draft = prepare_document(kind, template, context, tender=tender, now=now, checkpoint=checkpoint)
    if keep is not None:
        kept = {*keep, 'title', 'document_id', 'verify_url', 'audit_checkpoint'}
        draft = replace(draft, data={k: v for k, v in draft.data.items() if k in kept})
    return issue_signed(draft, draft.pdf, tender=tender, owner=owner, now=now)


@dataclass(frozen=True)
class Draft:
    """A rendered, not yet signed document: its reserved id (printed with its verify URL)."""

    kind: str
    document_id: str
    pdf: bytes
    data: dict
    checkpoint_id: int


def prepare_document(
    kind, template, context, *, tender=None, now, checkpoint=None, countersigned=False
) -> Draft:
    """Render a document to be signed later; `countersigned`: with the empty signature fields
    of the counterparty (first) and of the system (last), as a contract is signed."""
    if kind not in DOCUMENT_KINDS:
        raise ValueError(f'unknown document kind {kind!r}')
    checkpoint = checkpoint or checkpoints.latest_checkpoint()
    if checkpoint is None:
        checkpoint = checkpoints.create_checkpoint('document.issued', now=now, tender=tender)
    document_id = new_document_id()
    data = {
        **context,
        'document_id': document_id,
        'verify_url': verification_url(current_app.config['LPSE_BASE_URL'], document_id),
        'audit_checkpoint': checkpoint.citation,
    }
    pdf = render_pdf(template, data, env=current_app.jinja_env, now=now)
    if countersigned:
        pdf = add_signature_fields(pdf, (COUNTERPARTY_FIELD, FIELD_NAME))
    return Draft(kind, document_id, pdf, data, checkpoint.id)


def issue_signed(draft: Draft, pdf: bytes, *, tender=None, owner=None, now) -> IssuedDocument:
    """Add the system signature to `pdf` (the draft's bytes, perhaps already signed by the
    counterparty) and store it as the issued document `draft.document_id`."""
    authority = pki_service.require_authority()
    signed = sign_pdf(
        pdf,
        key=pki_service.system_key(),
        cert=authority.system_cert,
        chain=(authority.ca_cert,),
        now=now,
    )
    blob_sha, size = storage.blob_store().put_stream(io.BytesIO(signed), max_size=MAX_DOCUMENT)
    row = IssuedDocument(
        id=draft.document_id,
        kind=draft.kind,
        title=str(draft.data.get('title') or draft.kind)[:200],
        tender_id=getattr(tender, 'id', None),
        owner_user_id=getattr(owner, 'id', None),
        sha256=blob_sha,
        size=size,
        blob_sha256=blob_sha,
        data=json.dumps(draft.data, sort_keys=True, ensure_ascii=False, default=str),
        checkpoint_id=draft.checkpoint_id,
        created_at=now,
    )
    db.session.add(row)
    db.session.flush()
    audit.record(
        'document.issued', row, actor=None, now=now, kind=draft.kind, sha256=blob_sha, size=size
    )
    return row


def find_document(document_id: str) -> IssuedDocument | None:
    return db.session.get(IssuedDocument, document_id) if isinstance(document_id, str) else None


def open_document(document: IssuedDocument):
    """The stored bytes, exactly as issued (documents are never re-rendered)."""
    return storage.blob_store().open(document.blob_sha256)


def signatures_of(document: IssuedDocument):
    """The signatures of the stored PDF, in signing order (a contract: vendor, then system)."""
    with open_document(document) as fh:
        return check_pdf(fh.read()).signature.signatures


@dataclass(frozen=True)
class PdfCheck:
    """What /verify says about an uploaded PDF: ours (which document) and a valid signature."""

    sha256: str
    document: IssuedDocument | None
    signature: PdfVerification

    @property
    def genuine(self) -> bool:
        return self.document is not None and self.signature.valid


def check_pdf(pdf: bytes) -> PdfCheck:
    """Look the bytes up by SHA-256 and check the system signature (CA + system certificates)."""
    sha = hashlib.sha256(pdf).hexdigest()
    stmt = select(IssuedDocument).where(IssuedDocument.sha256 == sha)
    document = db.session.scalars(stmt).first()
    authority = pki_service.require_authority()
    signature = verify_pdf_signature(
        pdf, ca_cert=authority.ca_cert, system_certs=checkpoints.system_certificates()
    )
    return PdfCheck(sha, document, signature)


@dataclass(frozen=True)
class ReceiptCheck:
    """A receipt's signature verdict and, when valid, the record it acknowledges (if found)."""

    valid: bool
    reason: str | None
    receipt: dict | None
    record: dict | None = None

    def as_json(self) -> dict:
        return {
            'valid': self.valid,
            'reason': self.reason,
            'receipt': self.receipt,
            'recorded': self.record is not None if self.valid else None,
            'record': self.record,
        }


def check_receipt(doc, *, envelope_sha256: str | None = None) -> ReceiptCheck:
    """Verify a receipt against our CA and pinned system certificate(s), then look it up."""
    authority = pki_service.require_authority()
    fields, reason = None, 'no system certificate'
    for cert in checkpoints.system_certificates():
        try:
            fields = receipts.verify_receipt(doc, ca_cert=authority.ca_cert, signer=cert)
            break
        except CryptoError as exc:
            reason = exc.message
        except (TypeError, ValueError, KeyError, AttributeError):
            reason = 'not a receipt document'
    if fields is None:
        return ReceiptCheck(False, reason, _fields_of(doc))
    if envelope_sha256 is not None and not hmac.compare_digest(
        str(envelope_sha256).lower(), fields['envelope_sha256']
    ):
        return ReceiptCheck(False, 'the envelope SHA-256 is not the one acknowledged', fields)
    return ReceiptCheck(True, None, fields, lookup_receipt(fields))


def lookup_receipt(fields: dict) -> dict | None:
    for lookup in RECEIPT_LOOKUPS:
        found = lookup(fields)
        if found is not None:
            return found
    return None


def _fields_of(doc) -> dict | None:
    inner = doc.get('receipt') if isinstance(doc, Mapping) else None
    return inner if isinstance(inner, dict) else None
