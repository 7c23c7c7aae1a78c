"""PAdES signatures on issued PDFs with the system certificate, and their verification; a
document both parties sign (a contract) carries the counterparty's signature first."""

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
from pyhanko.sign.diff_analysis import DEFAULT_DIFF_POLICY, ModificationLevel
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.errors import SignatureValidationError
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.registry import SimpleCertificateStore

DEFAULT_REASON = 'Dokumen resmi LPSE'
FIELD_NAME = 'TandaTanganLPSE'
COUNTERPARTY_FIELD = 'TandaTanganPenyedia'


class SignatureRefused(Exception):
    """A counterparty's signed PDF that is not exactly the draft with one valid signature."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class SignatureInfo:
    """One signature of a PDF, as /verify lists it."""

    signer_subject: str | None
    signer_name: str | None
    signed_at: dt.datetime | None
    valid: bool
    reason_if_invalid: str | None


@dataclass(frozen=True)
class PdfVerification:
    """What `/verify/<id>` says about a PDF: genuine or not, and why not."""

    valid: bool
    intact: bool
    signer_subject: str | None
    signed_at: dt.datetime | None
    coverage: str | None
    reason_if_invalid: str | None
    signatures: tuple[SignatureInfo, ...] = ()


def sign_pdf(
    pdf: bytes,
    *,
    key,
    cert: x509.Certificate,
    chain: tuple[x509.Certificate, ...] = (),
    reason: str = DEFAULT_REASON,
    location: str = 'Indonesia',
    field_name: str = FIELD_NAME,
    now: dt.datetime,
) -> bytes:
    """Add an invisible PAdES B-B signature (RSA-PSS, SHA-256) by `key`, dated `now`, in a new
    signature field `field_name` (an incremental update: earlier signatures stay valid)."""
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
        field_name=field_name,
        md_algorithm='sha256',
        subfilter=fields.SigSeedSubFilter.PADES,
        reason=reason,
        location=location,
    )
    writer = _DatedWriter(BytesIO(pdf), now=now)
    pdf_signer = _DatedPdfSigner(
        meta, signer=signer, new_field_spec=fields.SigFieldSpec(field_name), now=now
    )
    return pdf_signer.sign_pdf(writer).getvalue()


def verify_pdf(
    pdf: bytes,
    *,
    ca_cert: x509.Certificate,
    system_certs: Iterable[x509.Certificate],
    now: dt.datetime | None = None,
) -> PdfVerification:
    """Check the system signature of an issued PDF against the instance CA, and any earlier
    signature (a contract's vendor signature).

    Valid means: the last signature is intact and mathematically valid, the signer chains to
    `ca_cert` and is one of `system_certs` (the current and past system certificates: vendors'
    certificates chain to the same CA), and it covers the whole file (nothing appended after
    signing); every earlier signature is intact, valid and chains to `ca_cert`. The certificate
    path is checked at `now`, or by default at the signing time the document states: a B-B
    signature carries no trusted timestamp, so the SHA-256 stored at issue is what anchors it in
    time. Revocation is not checked here (no CRL fetching); that is the caller's
    `pki.check_certificate` with the instance CRL.
    """
    try:
        reader = PdfFileReader(BytesIO(pdf), strict=False)
        signatures = reader.embedded_signatures
    except (PdfError, ValueError, KeyError) as exc:
        return _invalid(f'not a readable PDF ({exc})')
    if not signatures:
        return _invalid('expected a signature, found 0')
    checked = [_check(embedded, ca_cert, now) for embedded in signatures]
    infos = tuple(info for info, _status in checked)
    last, status = checked[-1]
    if status is None:
        return _invalid(last.reason_if_invalid or 'the signature could not be validated')
    coverage = status.coverage.name.lower() if status.coverage else None
    problems = [last.reason_if_invalid] if not last.valid else []
    if not problems and _fingerprint(status.signing_cert) not in {
        _fingerprint(c) for c in system_certs
    }:
        problems.append('signed by a certificate of this CA that is not the system certificate')
    if status.coverage is not SignatureCoverageLevel.ENTIRE_FILE:
        problems.append('the signature does not cover the whole file (content added after it)')
    for info in infos[:-1]:
        if not info.valid:
            problems.append(f'the signature of {info.signer_name}: {info.reason_if_invalid}')
    return PdfVerification(
        valid=not problems,
        intact=status.intact,
        signer_subject=last.signer_subject,
        signed_at=status.signer_reported_dt,
        coverage=coverage,
        reason_if_invalid='; '.join(problems) or None,
        signatures=infos,
    )


def _check(embedded, ca_cert, now):
    """(SignatureInfo, the pyHanko status or None) of one embedded signature."""
    context = ValidationContext(
        trust_roots=[_to_asn1(ca_cert)],
        allow_fetching=False,
        revocation_mode='soft-fail',
        moment=now or embedded.self_reported_timestamp,
    )
    try:
        status = validate_pdf_signature(embedded, signer_validation_context=context)
    except (SignatureValidationError, PdfError, ValueError) as exc:
        reason = f'the signature could not be validated ({exc})'
        return SignatureInfo(None, None, None, False, reason), None
    problem = None
    if not status.intact:
        problem = 'the document was changed after signing (digest mismatch)'
    elif not status.valid:
        problem = 'the signature value does not match the signer certificate'
    elif not status.trusted:
        why = status.trust_problem_indic.name if status.trust_problem_indic else 'untrusted'
        problem = f'the signer certificate is not trusted under this LPSE CA ({why})'
    subject = x509.load_der_x509_certificate(status.signing_cert.dump()).subject
    names = subject.get_attributes_for_oid(x509.NameOID.COMMON_NAME)
    info = SignatureInfo(
        signer_subject=subject.rfc4514_string(),
        signer_name=str(names[0].value) if names else subject.rfc4514_string(),
        signed_at=status.signer_reported_dt,
        valid=problem is None,
        reason_if_invalid=problem,
    )
    return info, status


def check_added_signature(
    draft: bytes, signed: bytes, *, ca_cert: x509.Certificate, now: dt.datetime
) -> x509.Certificate:
    """The signer certificate of `signed`, which must be `draft` (unsigned) plus exactly one
    incremental revision adding one signature that is intact, valid, chains to `ca_cert` at
    `now`, covers the whole file and changes nothing of the draft but the signature field
    (pyHanko's difference analysis). Raises SignatureRefused saying what is wrong."""
    if not signed.startswith(draft) or len(signed) == len(draft):
        raise SignatureRefused(
            'the signed PDF is not the draft with a signature added (its content differs)'
        )
    try:
        reader = PdfFileReader(BytesIO(signed), strict=False)
        signatures = reader.embedded_signatures
    except (PdfError, ValueError, KeyError) as exc:
        raise SignatureRefused(f'not a readable PDF ({exc})') from None
    if len(signatures) != 1:
        raise SignatureRefused(f'expected one signature, found {len(signatures)}')
    info, status = _check(signatures[0], ca_cert, now)
    if status is None or not info.valid:
        raise SignatureRefused(info.reason_if_invalid or 'invalid signature')
    if status.coverage is not SignatureCoverageLevel.ENTIRE_FILE:
        raise SignatureRefused('the signature does not cover the whole file')
    try:
        base = PdfFileReader(BytesIO(draft), strict=False).xrefs.total_revisions - 1
        result = DEFAULT_DIFF_POLICY.review_file(reader, base)
    except (PdfError, ValueError, KeyError) as exc:
        raise SignatureRefused(f'the changes could not be analysed ({exc})') from None
    level = getattr(result, 'modification_level', None)
    if level is None or level > ModificationLevel.FORM_FILLING:
        raise SignatureRefused('the signed revision changes the content of the draft')
    return x509.load_der_x509_certificate(status.signing_cert.dump())


def add_signature_fields(pdf: bytes, names: Iterable[str]) -> bytes:
    """The PDF with empty signature fields `names` (a document both parties sign): each
    signature then only fills its field, which difference analysis accepts as form filling."""
    writer = IncrementalPdfFileWriter(BytesIO(pdf))
    for name in names:
        fields.append_signature_field(writer, fields.SigFieldSpec(name))
    acroform = writer.root['/AcroForm']
    acroform = acroform.get_object() if hasattr(acroform, 'get_object') else acroform
    acroform['/SigFlags'] = generic.NumberObject(3)  # signatures exist; append only
    writer.update_root()
    out = BytesIO()
    writer.write(out)
    return out.getvalue()


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
