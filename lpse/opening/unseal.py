"""Opening one sealed bid with the rebuilt tender key, and saying exactly why one cannot be
opened (ARCHITECTURE §4): envelope → content key → inner SignedData → signature and signer →
the package behind the ZIP defences → the bid checked against the tender.

Pure: no database, no clock. The caller gives what the registry knows about the signer."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from cryptography import x509

from lpse.bids.errors import MalformedPackage, TenderMismatch, UnsafePackage
from lpse.bids.package import Package, TenderTerms, check_against_tender
from lpse.crypto import envelope, pki
from lpse.crypto.errors import (
    CertificateRejected,
    CryptoError,
    SignatureInvalid,
    UnsupportedAlgorithm,
    WrongContentType,
    WrongKeyUsage,
    WrongRecipient,
)
from lpse.crypto.signed_data import PARSE_ERRORS, verify_attached_view, verify_signature
from lpse.opening import stream_package
from lpse.opening.models import NotOpenableReason


@dataclass(frozen=True)
class SignerRecord:
    """What the certificate registry says about an inner signer certificate."""

    user_id: int
    revoked_at: datetime | None
    revocation_reason: str | None


@dataclass(frozen=True)
class Outcome:
    """What opening found in one envelope: a package, or the reason it could not be opened.

    ``content_key`` is the envelope's own AES-256 key (recovered whenever the envelope names the
    tender key): with it that one envelope can be read again, and nothing else."""

    reason: NotOpenableReason | None = None
    detail: str | None = None
    signature_valid: bool | None = None
    package: Package | None = None
    content_key: bytes | None = None
    signer_cert: x509.Certificate | None = None

    @property
    def opened(self) -> bool:
        return self.package is not None


def _refuse(reason, detail, **kw) -> Outcome:
    return Outcome(reason=reason, detail=detail, **kw)


def decrypt(data: bytes, tender_key) -> tuple[bytes, bytes]:
    """(content key, inner SignedData DER) of an envelope addressed to ``tender_key``."""
    aed = envelope._load_envelope(data)
    cek = envelope._unwrap_cek(aed, tender_key)
    return cek, envelope._decrypt_content(aed, cek)


def decrypt_with_content_key(data: bytes, cek: bytes) -> bytes:
    """The inner SignedData of an already opened envelope, from its own content key."""
    return envelope._decrypt_content(envelope._load_envelope(data), cek)


def open_bid(
    data: bytes,
    *,
    tender_key,
    ca_cert: x509.Certificate,
    vendor_user_id: int,
    received_at: datetime,
    terms: TenderTerms,
    signer_record: Callable[[x509.Certificate], SignerRecord | None],
) -> Outcome:
    """Open one envelope and check everything a bid must be; never raises for a bad bid."""
    try:
        cek, signed_der = decrypt(data, tender_key)
    except WrongRecipient as exc:
        return _refuse(NotOpenableReason.wrong_recipient, exc.message)
    except CryptoError as exc:
        return _refuse(NotOpenableReason.bad_envelope, exc.message)
    return check_signed(
        signed_der,
        cek=cek,
        ca_cert=ca_cert,
        vendor_user_id=vendor_user_id,
        received_at=received_at,
        terms=terms,
        signer_record=signer_record,
    )


def check_signed(
    signed_der, *, cek, ca_cert, vendor_user_id, received_at, terms, signer_record
) -> Outcome:
    """The checks after decryption: signature, signer, certificate at submission, package.

    `signed_der` may be a memoryview (an envelope opened as a stream): its content is then
    checked in place, and whatever that fast path refuses is checked again on a copy of the
    bytes by the ordinary functions, so that a refusal reads exactly as it always has."""
    try:
        verified = _verify(signed_der)
        pki.check_issued_by(verified.signer_cert, ca_cert)
    except PARSE_ERRORS as exc:
        return _refuse(
            NotOpenableReason.signature_invalid,
            f'the signer certificate cannot be parsed ({type(exc).__name__})',
            signature_valid=False,
            content_key=cek,
        )
    except (SignatureInvalid, UnsupportedAlgorithm, WrongContentType, WrongKeyUsage) as exc:
        return _refuse(
            NotOpenableReason.signature_invalid, exc.message, signature_valid=False, content_key=cek
        )
    except CertificateRejected as exc:
        return _refuse(
            NotOpenableReason.signature_invalid,
            f'the signer certificate is not from this CA ({exc.message})',
            signature_valid=False,
            content_key=cek,
        )
    cert = verified.signer_cert
    known = {'content_key': cek, 'signer_cert': cert}
    record = signer_record(cert)
    if record is None or record.user_id != vendor_user_id:
        return _refuse(
            NotOpenableReason.signer_mismatch,
            f'the bid is signed by {cert.subject.rfc4514_string()}, '
            'which is not a certificate of the submitting vendor',
            signature_valid=True,
            **known,
        )
    if record.revoked_at is not None and record.revoked_at <= received_at:
        return _refuse(
            NotOpenableReason.certificate_revoked,
            f'the signer certificate was revoked at {record.revoked_at.isoformat()} '
            f'({record.revocation_reason}), before the bid was received',
            signature_valid=True,
            **known,
        )
    try:
        pki.check_certificate(cert, ca_cert, now=received_at)
    except CertificateRejected as exc:
        return _refuse(
            NotOpenableReason.signature_invalid,
            f'the signer certificate was not valid when the bid was received ({exc.message})',
            signature_valid=False,
            **known,
        )
    try:
        package = _read_package(verified.content)
    except UnsafePackage as exc:
        return _refuse(
            NotOpenableReason.unsafe_zip, f'{exc.code}: {exc.reason}', signature_valid=True, **known
        )
    except MalformedPackage as exc:
        return _refuse(
            NotOpenableReason.package_malformed,
            f'{exc.code}: {exc.reason}',
            signature_valid=True,
            **known,
        )
    try:
        check_against_tender(package.bid, terms)
    except TenderMismatch as exc:
        return _refuse(
            NotOpenableReason.package_malformed,
            f'{exc.code}: {exc.reason}',
            signature_valid=True,
            **known,
        )
    except PARSE_ERRORS as exc:
        return _refuse(
            NotOpenableReason.package_malformed,
            f'invalid_bid_json: bid.json cannot be checked ({type(exc).__name__})',
            signature_valid=True,
            **known,
        )
    return Outcome(signature_valid=True, package=package, **known)


def _verify(signed_der):
    if isinstance(signed_der, memoryview):
        verified = verify_attached_view(signed_der)
        if verified is not None:
            return verified
        signed_der = bytes(signed_der)
    return verify_signature(signed_der)


def _read_package(content) -> Package:
    """The package, read as a stream (only bid.json is kept in memory), with what a hostile
    bid.json can raise past its own checks (a nesting deep
    enough to exhaust the JSON decoder's recursion) refused as a malformed package.

    A memoryview is read in place; if that is refused in any way the bytes are read again as
    bytes, whose refusal is the one reported."""
    if isinstance(content, memoryview):
        try:
            return stream_package.read_package(content)
        except Exception:  # the bytes' own reading below says why
            content = bytes(content)
    try:
        return stream_package.read_package(content)
    except (UnsafePackage, MalformedPackage):  # ValueErrors themselves: keep their reason
        raise
    except PARSE_ERRORS as exc:
        raise MalformedPackage(
            f'bid.json cannot be read ({type(exc).__name__})', code='bid_json_not_json'
        ) from None


def amount(value) -> Decimal | None:
    return None if value is None else Decimal(value)
