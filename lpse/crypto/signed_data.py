"""CMS SignedData as bids carry it: one RSA-PSS-SHA256 signer, content attached (the bid
inside its envelope) or detached (the submission signature over the `.p7m`)."""

import hashlib
from dataclasses import dataclass

from asn1crypto import cms
from asn1crypto import x509 as asn1_x509
from cryptography import exceptions as crypto_exceptions
from cryptography import x509
from pyhanko.sign.general import CMSStructuralError
from pyhanko.sign.validation import errors as pyhanko_errors
from pyhanko.sign.validation.generic_cms import validate_sig_integrity

from . import der_view, pki
from .errors import SignatureInvalid, UnsupportedAlgorithm, WrongContentType, WrongKeyUsage

MIN_PSS_SALT = 32
MAX_SIGNATURE_BYTES = 64 * 1024  # a detached signature: one certificate and a few attributes

# What asn1crypto's lazy parsing and the certificate loaders raise on hostile DER, wherever in
# the structure it sits: each means the signature cannot be checked, never a server error.
PARSE_ERRORS = (
    ValueError,
    TypeError,
    KeyError,
    IndexError,
    OverflowError,
    RecursionError,
    crypto_exceptions.UnsupportedAlgorithm,
    x509.InvalidVersion,
)


@dataclass(frozen=True)
class VerifiedContent:
    """Signed bytes whose signature verified, and who signed them (`content` is None for a
    detached signature: the caller holds the bytes)."""

    content: bytes | None
    signer_cert: x509.Certificate


def verify_signature(signed_der: bytes, detached_sha256: bytes | None = None) -> VerifiedContent:
    """Check the one RSA-PSS-SHA256 signature of a CMS SignedData and its signer's key usage
    (no trust decision): over the attached content (a bid inside its envelope), or, given
    `detached_sha256`, over detached content with that digest (the submission signature).

    Raises only CryptoErrors: a structure that cannot even be parsed is an invalid signature."""
    if detached_sha256 is not None and not 0 < len(signed_der or b'') <= MAX_SIGNATURE_BYTES:
        raise SignatureInvalid('the submission signature is missing or too large')
    try:
        return _verify(signed_der, detached_sha256)
    except PARSE_ERRORS as exc:
        raise SignatureInvalid(
            f'the signature structure cannot be parsed ({type(exc).__name__})'
        ) from None


def verify_attached_view(signed: memoryview) -> VerifiedContent | None:
    """verify_signature over a SignedData held in a buffer, without copying its content: the
    headers are walked down to the content, asn1crypto parses the skeleton (der_view) and the
    content is hashed and returned as a view. None when that shape does not apply or anything is
    refused — the caller then runs verify_signature on the bytes, which says why."""
    try:
        path, content = _walk_signed(signed)
        skeleton = der_view.skeleton(signed[: content.value], signed[content.end :], path, content)
        verified = _verify(skeleton, None, content=signed[content.value : content.end])
    except Exception:  # an odd layout or a refusal: the full parse reports it
        return None
    return verified


def _walk_signed(buf) -> tuple[list[der_view.Element], der_view.Element]:
    """The headers of a ContentInfo holding a SignedData, down to its attached content."""
    element = der_view.element
    info = element(buf, 0, 0x30, len(buf))
    if info.end != len(buf):
        raise der_view.Shape('bytes after the SignedData')
    content_type = element(buf, info.value, 0x06, info.end)
    explicit = element(buf, content_type.end, 0xA0, info.end)
    signed = element(buf, explicit.value, 0x30, explicit.end)
    version = element(buf, signed.value, 0x02, signed.end)
    digests = element(buf, version.end, 0x31, signed.end)
    encap = element(buf, digests.end, 0x30, signed.end)
    inner_type = element(buf, encap.value, 0x06, encap.end)
    wrapper = element(buf, inner_type.end, 0xA0, encap.end)
    content = element(buf, wrapper.value, 0x04, wrapper.end)
    if content.end != wrapper.end or wrapper.end != encap.end:
        raise der_view.Shape('unexpected content beside the attached content')
    return [info, explicit, signed, encap, wrapper], content


def _verify(
    signed_der: bytes, detached_sha256: bytes | None, *, content: memoryview | None = None
) -> VerifiedContent:
    """`content`, when given, is the attached content whose value `signed_der` (a skeleton)
    carries emptied."""
    detached = detached_sha256 is not None
    what = 'the submission signature' if detached else 'the signature'
    inner = 'the submission signature' if detached else 'the inner content'
    try:
        info = cms.ContentInfo.load(signed_der, strict=True)
        if info['content_type'].native != 'signed_data':
            raise WrongContentType(f'{inner} is {info["content_type"].native!r}, not signed')
        signed = info['content']
        signer_infos = list(signed['signer_infos'])
        check_inner_type(signed['encap_content_info']['content_type'])
        if content is None:
            content = signed['encap_content_info']['content'].native
        elif signed['encap_content_info']['content'].native != b'':
            raise ValueError('the skeleton still carries content')
        certificates = [c.chosen for c in signed['certificates'] if c.name == 'certificate']
    except ValueError as exc:
        raise WrongContentType(f'{inner} is not a CMS SignedData ({exc})') from None
    if len(signer_infos) != 1 or (content is not None) is detached:
        raise SignatureInvalid(
            'a submission signature is detached and has exactly one signer'
            if detached
            else 'a bid must carry its content and exactly one signature'
        )
    signer_info = signer_infos[0]
    _check_pss_sha256(signer_info)
    cert = _signer_certificate(signer_info, certificates)
    if not signer_info['signed_attrs']:
        raise SignatureInvalid(f'{what} has no signed attributes')
    digest = detached_sha256 if detached else hashlib.sha256(content).digest()
    try:
        intact, valid = validate_sig_integrity(signer_info, cert, 'data', digest)
    except (pyhanko_errors.SignatureValidationError, CMSStructuralError, ValueError) as exc:
        raise SignatureInvalid(f'{what} is malformed ({exc})') from None
    if not intact:
        raise SignatureInvalid(
            'the submission signature is over other bytes than the upload'
            if detached
            else 'the signed content digest does not match: the content was altered'
        )
    if not valid:
        raise SignatureInvalid(f'{what} does not verify with the signer certificate')
    signer_cert = x509.load_der_x509_certificate(cert.dump())
    if not (
        pki.has_key_usage(signer_cert, 'digital_signature')
        or pki.has_key_usage(signer_cert, 'content_commitment')
    ):
        raise WrongKeyUsage('the signer certificate is not a signing certificate')
    return VerifiedContent(content, signer_cert)


def _check_pss_sha256(signer_info: cms.SignerInfo) -> None:
    algorithm = signer_info['signature_algorithm']
    name = algorithm['algorithm'].native
    if name != 'rsassa_pss':
        raise UnsupportedAlgorithm(f'signature algorithm {name} is not allowed; RSA-PSS required')
    params = algorithm['parameters']
    mgf = params['mask_gen_algorithm']
    if not (
        signer_info['digest_algorithm']['algorithm'].native == 'sha256'
        and params['hash_algorithm']['algorithm'].native == 'sha256'
        and mgf['algorithm'].native == 'mgf1'
        and mgf['parameters']['algorithm'].native == 'sha256'
        and params['salt_length'].native >= MIN_PSS_SALT
        and params['trailer_field'].native == 'trailer_field_bc'
    ):
        raise UnsupportedAlgorithm('RSA-PSS parameters must be SHA-256, MGF1-SHA-256, salt ≥ 32')


def _signer_certificate(signer_info: cms.SignerInfo, certificates) -> asn1_x509.Certificate:
    sid = signer_info['sid']
    for cert in certificates:
        if sid.name == 'issuer_and_serial_number':
            found = cert.issuer == sid.chosen['issuer'] and cert.serial_number == (
                sid.chosen['serial_number'].native
            )
        else:
            found = cert.key_identifier == sid.chosen.native
        if found:
            return cert
    raise SignatureInvalid('the signer certificate is not included in the signature')


def check_inner_type(content_type: cms.ContentType) -> None:
    """Require the plain id-data content type (the bid ZIP, or the SignedData as opaque bytes)."""
    if content_type.native != 'data':
        raise WrongContentType(f'inner content type {content_type.native!r}; expected data')
