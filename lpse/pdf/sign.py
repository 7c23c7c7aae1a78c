"""PAdES signatures on issued PDFs with the system certificate, and their verification."""

import datetime as dt
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from io import BytesIO

from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, signers
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.errors import SignatureValidationError
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.registry import SimpleCertificateStore

DEFAULT_REASON = 'Dokumen resmi LPSE'
FIELD_NAME = 'TandaTanganLPSE'


@dataclass(frozen=True)
class PdfVerification:
    """What `/verify/<id>` says about a PDF: genuine or not, and why not."""

    valid: bool
    intact: bool
    signer_subject: str | None
    signed_at: dt.datetime | None
    coverage: str | None
    reason_if_invalid: str | None


def sign_pdf(
    pdf: bytes,
    *,
    key,
    cert: x509.Certificate,
    chain: tuple[x509.Certificate, ...] = (),
    reason: str = DEFAULT_REASON,
    location: str = 'Indonesia',
    now: dt.datetime,
) -> bytes:
    """Add an invisible PAdES B-B signature (RSA-PSS, SHA-256) by the system key, dated `now`."""
    if now.tzinfo is None:
        raise ValueError('now must be timezone-aware')
    # /M and the signature dictionary hold whole seconds; truncate so verification round-trips.
    now = now.astimezone(dt.UTC).replace(microsecond=0)
    signer = signers.SimpleSigner(
        signing_cert=_to_asn1(cert),
        signing_key=asn1_keys.PrivateKeyInfo.load(
            key.private_bytes(
                serialization.Encoding.DER,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        ),
        cert_registry=SimpleCertificateStore.from_certs([_to_asn1(c) for c in chain]),
        prefer_pss=True,
    )
    meta = signers.PdfSignatureMetadata(
        field_name=FIELD_NAME,
        md_algorithm='sha256',
        subfilter=fields.SigSeedSubFilter.PADES,
        reason=reason,
        location=location,
    )
    writer = _DatedWriter(BytesIO(pdf), now=now)
    pdf_signer = _DatedPdfSigner(
        meta, signer=signer, new_field_spec=fields.SigFieldSpec(FIELD_NAME), now=now
    )
    return pdf_signer.sign_pdf(writer).getvalue()


def verify_pdf(
    pdf: bytes,
    *,
    ca_cert: x509.Certificate,
    system_certs: Iterable[x509.Certificate],
    now: dt.datetime | None = None,
) -> PdfVerification:
    """Check the one system signature of an issued PDF against the instance CA.

    Valid means: the signature is intact and mathematically valid, the signer chains to
    `ca_cert` and is one of `system_certs` (the current and past system certificates: vendors'
    certificates chain to the same CA), and it covers the whole file (nothing appended after
    signing). The certificate path is checked at `now`, or by default at the signing time the
    document states: a B-B signature carries no trusted timestamp, so the SHA-256 stored at issue
    is what anchors it in time. Revocation is not checked here (no CRL fetching); that is the
    caller's `pki.check_certificate` with the instance CRL.
    """
    try:
        reader = PdfFileReader(BytesIO(pdf), strict=False)
        signatures = reader.embedded_signatures
    except (PdfError, ValueError, KeyError) as exc:
        return _invalid(f'not a readable PDF ({exc})')
    if len(signatures) != 1:
        return _invalid(f'expected one signature, found {len(signatures)}')
    embedded = signatures[0]
    signed_at = embedded.self_reported_timestamp
    context = ValidationContext(
        trust_roots=[_to_asn1(ca_cert)],
        allow_fetching=False,
        revocation_mode='soft-fail',
        moment=now or signed_at,
    )
    try:
        status = validate_pdf_signature(embedded, signer_validation_context=context)
    except (SignatureValidationError, PdfError, ValueError) as exc:
        return _invalid(f'the signature could not be validated ({exc})')
    coverage = status.coverage.name.lower() if status.coverage else None
    problems = []
    if not status.intact:
        problems.append('the document was changed after signing (digest mismatch)')
    elif not status.valid:
        problems.append('the signature value does not match the signer certificate')
    elif not status.trusted:
        why = status.trust_problem_indic.name if status.trust_problem_indic else 'untrusted'
        problems.append(f'the signer certificate is not trusted under this LPSE CA ({why})')
    elif _fingerprint(status.signing_cert) not in {_fingerprint(c) for c in system_certs}:
        problems.append('signed by a certificate of this CA that is not the system certificate')
    if status.coverage is not SignatureCoverageLevel.ENTIRE_FILE:
        problems.append('the signature does not cover the whole file (content added after it)')
    subject = x509.load_der_x509_certificate(status.signing_cert.dump()).subject
    return PdfVerification(
        valid=not problems,
        intact=status.intact,
        signer_subject=subject.rfc4514_string(),
        signed_at=status.signer_reported_dt,
        coverage=coverage,
        reason_if_invalid='; '.join(problems) or None,
    )


def _invalid(reason: str) -> PdfVerification:
    return PdfVerification(False, False, None, None, None, reason)


def _fingerprint(cert: asn1_x509.Certificate | x509.Certificate) -> str:
    der = cert.dump() if isinstance(cert, asn1_x509.Certificate) else _to_asn1(cert).dump()
    return hashlib.sha256(der).hexdigest()


def _to_asn1(cert: x509.Certificate) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))


class _DatedPdfSigner(signers.PdfSigner):
    """A PdfSigner whose signing time (/M, CMS attributes) is `now`, not the wall clock."""

    def __init__(self, *args, now: dt.datetime, **kwargs):
        super().__init__(*args, **kwargs)
        self._now = now

    def init_signing_session(self, pdf_out, existing_fields_only=False):
        session = super().init_signing_session(pdf_out, existing_fields_only)
        # pyHanko offers no parameter for this; the session reads it when it builds /M.
        session.system_time = self._now
        return session


class _DatedWriter(IncrementalPdfFileWriter):
    """Stamps /ModDate with `now` and keeps the renderer's /Producer.

    pyHanko otherwise writes the wall clock into /ModDate and appends its own name and version
    to /Producer in the signing revision.
    """

    def __init__(self, stream, *, now: dt.datetime):
        super().__init__(stream)
        self._now = now

    def _update_meta(self):
        info = self.prev.trailer_view.get('/Info')
        producer = info.get_object().get('/Producer') if info is not None else None
        super()._update_meta()
        if self._info is None:
            return
        info = self._info.get_object()
        info['/ModDate'] = generic.pdf_date(self._now)
        if producer is not None:
            info['/Producer'] = producer
        self.mark_update(self._info)
