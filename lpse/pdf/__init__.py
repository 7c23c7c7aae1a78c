"""Official PDF documents: render from templates, add the verification QR, sign, verify."""

from .qr import new_document_id, qr_data_uri, verification_url
from .render import (
    FontMissing,
    ResourceRefused,
    layout_document,
    overflows,
    render_pdf,
    template_environment,
)
from .sign import (
    COUNTERPARTY_FIELD,
    DEFAULT_REASON,
    FIELD_NAME,
    PdfVerification,
    SignatureInfo,
    SignatureRefused,
    add_signature_fields,
    check_added_signature,
    sign_pdf,
    verify_pdf,
)
from .words import terbilang

__all__ = [
    'COUNTERPARTY_FIELD',
    'DEFAULT_REASON',
    'FIELD_NAME',
    'FontMissing',
    'PdfVerification',
    'ResourceRefused',
    'SignatureInfo',
    'SignatureRefused',
    'add_signature_fields',
    'check_added_signature',
    'layout_document',
    'new_document_id',
    'overflows',
    'qr_data_uri',
    'render_pdf',
    'sign_pdf',
    'template_environment',
    'terbilang',
    'verification_url',
    'verify_pdf',
]
