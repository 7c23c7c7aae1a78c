"""Official PDF documents: render from templates, add the verification QR, sign, verify."""

from .qr import new_document_id, qr_data_uri, verification_url
from .render import FontMissing, ResourceRefused, render_pdf, template_environment
from .sign import DEFAULT_REASON, PdfVerification, sign_pdf, verify_pdf
from .words import terbilang

__all__ = [
    'DEFAULT_REASON',
    'FontMissing',
    'PdfVerification',
    'ResourceRefused',
    'new_document_id',
    'qr_data_uri',
    'render_pdf',
    'sign_pdf',
    'template_environment',
    'terbilang',
    'verification_url',
    'verify_pdf',
]
