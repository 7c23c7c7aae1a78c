"""Bid receipts: JSON signed by the system key (RSA-PSS-SHA256 over canonical JSON).

A receipt document is ``{"receipt": {…fields}, "signature": {"alg", "value", "certificate"}}``;
the signature covers the canonical JSON of ``receipt`` (sorted keys, compact separators, UTF-8,
no JSON floats). Anyone with the instance CA certificate can check it offline
(`lpse verify-receipt`), and with the sealed bid, that the receipt is for that very file."""

import base64
import binascii
import datetime as dt
import hashlib
import hmac
import re
from collections.abc import Mapping
from typing import BinaryIO
from zoneinfo import ZoneInfo

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from . import pki
from .canonical import canonical_json
from .errors import CryptoError, KeyMismatch, SignatureInvalid, UnsupportedAlgorithm, WrongKeyUsage

FORMAT = 'lpse-receipt/1'
ALGORITHM = 'RSA-PSS-SHA256'
WIB = 'Asia/Jakarta'
HASH_CHUNK = 64 * 1024
SHA256_HEX = re.compile(r'^[0-9a-f]{64}$')
# The fields the web layer fills, with their meaning (docs/BID_FORMAT.md, "Receipt").
RECEIPT_FIELDS = {
    'format': f'always "{FORMAT}"',
    'receipt_number': 'unique receipt number, e.g. "KEMKES-2026-00001/1/000123"',
    'tender_code': 'tender (package) code',
    'tender_version': 'tender version (integer ≥ 1)',
    'envelope_kind': 'single, technical (File I) or price (File II)',
    'vendor_name': 'the bidding company, as registered',
    'vendor_npwp': "the company's NPWP, digits only",
    'envelope_sha256': 'SHA-256 of the .p7m as received, lowercase hex',
    'envelope_size': 'size of the .p7m in bytes',
    'received_at': 'commit moment, UTC, ISO 8601 with milliseconds and "Z"',
    'tender_timezone': "the tender's zone (Asia/Jakarta, Asia/Makassar or Asia/Jayapura)",
    'received_at_tender_zone': 'the same moment in the tender zone, e.g. "… 10:00:00.000 WIT"',
    'received_at_wib': 'the same moment in WIB, e.g. "… 08:00:00.000 WIB"',
    'audit_seq': 'seq of the bid.submitted audit event',
    'audit_checkpoint': 'the signed checkpoint it falls under: {"seq", "hash"}',
}
# Optional: `supersedes` (SHA-256 of the envelope this one replaces).


class ReceiptError(CryptoError):
    """A receipt was refused."""


class MalformedReceipt(ReceiptError):
    """The document is not a receipt in the `lpse-receipt/1` shape."""


class ReceiptSignatureInvalid(ReceiptError, SignatureInvalid):
    """The receipt's signature does not verify: it was altered or not signed by its certificate."""


class ReceiptEnvelopeMismatch(ReceiptError):
    """The sealed bid given is not the one the receipt acknowledges (hash or size differ)."""


class UnexpectedSigner(ReceiptError):
    """The receipt was signed by a certificate other than the system certificate expected."""


def signed_bytes(value: object) -> bytes:
    """What the system key signs: the canonical JSON in UTF-8; floats refused (they have no
    canonical form)."""
    _refuse_floats(value, 'receipt')
    return canonical_json(value).encode('utf-8')


def sign_receipt(fields: Mapping, *, key: rsa.RSAPrivateKey, cert: x509.Certificate) -> dict:
    """Sign the receipt fields with the system key: the document to hand to the vendor."""
    receipt = dict(fields)
    _check_fields(receipt)
    if not isinstance(key, rsa.RSAPrivateKey) or not pki.key_matches_certificate(key, cert):
        raise KeyMismatch('the receipt key does not belong to the system certificate')
    signature = key.sign(signed_bytes(receipt), pki.PSS_SHA256, hashes.SHA256())
    return {
        'receipt': receipt,
        'signature': {
            'alg': ALGORITHM,
            'value': base64.b64encode(signature).decode('ascii'),
            'certificate': cert.public_bytes(serialization.Encoding.PEM).decode('ascii'),
        },
    }


def verify_receipt(
    doc: Mapping,
    *,
    ca_cert: x509.Certificate,
    envelope: bytes | BinaryIO | None = None,
    now: dt.datetime | None = None,
    signer: x509.Certificate | None = None,
) -> dict:
    """Check a receipt's signature, its certificate (from our CA; `signer` pins the system
    certificate) and, given the sealed bid (bytes or a binary file), that it is the bid
    acknowledged. Returns the receipt fields."""
    receipt, signature, cert = _parse(doc)
    if signer is not None and cert != signer:
        raise UnexpectedSigner(
            f'the receipt is signed by {cert.subject.rfc4514_string()}, not the system certificate'
        )
    if now is None:
        pki.check_issued_by(cert, ca_cert)
    else:
        pki.check_certificate(cert, ca_cert, now=now)
    if not (
        pki.has_key_usage(cert, 'digital_signature')
        or pki.has_key_usage(cert, 'content_commitment')
    ):
        raise WrongKeyUsage('the receipt certificate is not a signing certificate')
    public_key = cert.public_key()
    if not isinstance(public_key, rsa.RSAPublicKey):
        raise UnsupportedAlgorithm('receipts are signed with RSA-PSS: the certificate is not RSA')
    try:
        public_key.verify(signature, signed_bytes(receipt), pki.PSS_SHA256, hashes.SHA256())
    except InvalidSignature:
        raise ReceiptSignatureInvalid(
            'the receipt signature does not verify: the receipt was altered or not signed '
            'with RSA-PSS by its certificate'
        ) from None
    _check_fields(receipt)
    if envelope is not None:
        check_envelope(receipt, envelope)
    return receipt


def check_envelope(receipt: Mapping, envelope: bytes | BinaryIO) -> None:
    """Require the sealed bid's SHA-256 and size to be the ones the receipt acknowledges."""
    digest, size = envelope_digest(envelope)
    if size != receipt['envelope_size'] or not hmac.compare_digest(
        digest, receipt['envelope_sha256']
    ):
        raise ReceiptEnvelopeMismatch(
            f'the bid file (SHA-256 {digest}, {size} bytes) is not the one this receipt '
            f'acknowledges (SHA-256 {receipt["envelope_sha256"]}, '
            f'{receipt["envelope_size"]} bytes)'
        )


def envelope_digest(envelope: bytes | BinaryIO) -> tuple[str, int]:
    """SHA-256 (hex) and size of a sealed bid, reading a file in chunks."""
    if isinstance(envelope, bytes | bytearray | memoryview):
        return hashlib.sha256(envelope).hexdigest(), len(envelope)
    digest, size = hashlib.sha256(), 0
    while chunk := envelope.read(HASH_CHUNK):
        digest.update(chunk)
        size += len(chunk)
    return digest.hexdigest(), size


def received_times(received_at: dt.datetime, tender_timezone: str) -> dict[str, str]:
    """The receipt's time fields for a commit moment: UTC, the tender zone and WIB."""
    if received_at.tzinfo is None:
        raise ValueError('received_at must be an aware datetime')
    utc = received_at.astimezone(dt.UTC)

    def show(zone: str) -> str:
        local = utc.astimezone(ZoneInfo(zone))
        return (
            local.strftime('%Y-%m-%d %H:%M:%S.')
            + f'{local.microsecond // 1000:03d} '
            + (local.tzname() or zone)
        )

    return {
        'received_at': utc.strftime('%Y-%m-%dT%H:%M:%S.') + f'{utc.microsecond // 1000:03d}Z',
        'tender_timezone': tender_timezone,
        'received_at_tender_zone': show(tender_timezone),
        'received_at_wib': show(WIB),
    }


def _parse(doc: Mapping) -> tuple[dict, bytes, x509.Certificate]:
    if not isinstance(doc, Mapping) or set(doc) != {'receipt', 'signature'}:
        raise MalformedReceipt('not a receipt: expected exactly "receipt" and "signature"')
    receipt, sig = doc['receipt'], doc['signature']
    if not isinstance(receipt, dict) or not isinstance(sig, Mapping):
        raise MalformedReceipt('not a receipt: "receipt" and "signature" must be objects')
    if sig.get('alg') != ALGORITHM:
        raise UnsupportedAlgorithm(
            f'receipt signature algorithm {sig.get("alg")!r} is not accepted; {ALGORITHM} only'
        )
    try:
        value = base64.b64decode(sig.get('value', ''), validate=True)
        cert = x509.load_pem_x509_certificate(str(sig.get('certificate', '')).encode('ascii'))
    except (binascii.Error, ValueError, TypeError, UnicodeEncodeError):
        raise MalformedReceipt(
            'the receipt signature value or certificate cannot be decoded'
        ) from None
    return receipt, value, cert


def _check_fields(receipt: dict) -> None:
    missing = [name for name in RECEIPT_FIELDS if name not in receipt]
    if missing:
        raise MalformedReceipt(f'the receipt lacks {", ".join(missing)}')
    if receipt['format'] != FORMAT:
        raise MalformedReceipt(f'unknown receipt format {receipt["format"]!r}')
    sha, size = receipt['envelope_sha256'], receipt['envelope_size']
    if not (isinstance(sha, str) and SHA256_HEX.match(sha)):
        raise MalformedReceipt('envelope_sha256 must be 64 lowercase hex digits')
    if not (isinstance(size, int) and not isinstance(size, bool) and size >= 0):
        raise MalformedReceipt('envelope_size must be a non-negative integer')


def _refuse_floats(value: object, path: str) -> None:
    if isinstance(value, float):
        raise MalformedReceipt(f'{path}: {value} is a float; receipts hold integers and strings')
    if isinstance(value, Mapping):
        for key, item in value.items():
            if not isinstance(key, str):
                raise MalformedReceipt(f'{path}: keys must be strings')
            _refuse_floats(item, f'{path}.{key}')
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            _refuse_floats(item, f'{path}[{index}]')
