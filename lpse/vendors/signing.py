"""A vendor signs a PDF the system drafted (a contract, a qualification form): on the server
with its server-held key (its passphrase), or by uploading the draft it signed with its
self-held key. Either way the signed PDF must be exactly the draft plus one valid signature by
the vendor's own usable certificate (chain to our CA, not revoked)."""

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from lpse import pki_service
from lpse.crypto import pki
from lpse.errors import ValidationFailed
from lpse.extensions import db
from lpse.pdf import COUNTERPARTY_FIELD, SignatureRefused, check_added_signature, sign_pdf
from lpse.vendors import enrolment

MAX_SIGNED_PDF = 20 * 1024 * 1024
VENDOR_REASON = 'Penyedia menyetujui dan menandatangani dokumen ini'


class SignatureInvalid(ValidationFailed):
    code = 'signature_invalid'


def vendor_signed(draft, *, actor, now, passphrase=None, signed_pdf=None, ip=None):
    """``(signed PDF, Certificate, via)`` for the `draft` bytes: signed now with the actor's
    server-held key when no `signed_pdf` is given, else the uploaded one checked."""
    if signed_pdf is None:
        key, certificate = enrolment.unlock_signing_key(actor, passphrase, now=now, ip=ip)
        signed_pdf = sign_pdf(
            draft,
            key=key,
            cert=certificate.x509,
            chain=(pki_service.require_authority().ca_cert,),
            reason=VENDOR_REASON,
            field_name=COUNTERPARTY_FIELD,
            now=now,
        )
        del key
        via = 'server'
    else:
        if not isinstance(signed_pdf, bytes) or len(signed_pdf) > MAX_SIGNED_PDF:
            raise SignatureInvalid(_l('Unggah PDF draf yang telah Anda tandatangani.'))
        via = 'upload'
    return signed_pdf, check_vendor_signature(draft, signed_pdf, actor, now), via


def check_vendor_signature(draft, signed, actor, now):
    """The actor's usable Certificate that added the one signature `signed` has over `draft`."""
    authority = pki_service.require_authority()
    try:
        cert = check_added_signature(draft, signed, ca_cert=authority.ca_cert, now=now)
    except SignatureRefused as exc:
        raise SignatureInvalid(
            _l('Tanda tangan ditolak: %(why)s', why=exc.reason), field='file'
        ) from None
    fingerprint = pki.certificate_fingerprint(cert)
    certificate = db.session.scalar(
        select(pki_service.Certificate).where(
            pki_service.Certificate.fingerprint == fingerprint,
            pki_service.Certificate.user_id == actor.id,
        )
    )
    if certificate is None:
        raise SignatureInvalid(
            _l('Tanda tangan ditolak: sertifikatnya bukan sertifikat akun Anda.'), field='file'
        )
    pki_service.check_usable(certificate, now=now)
    return certificate
