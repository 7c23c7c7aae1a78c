"""Detached CMS signatures over a sealed bid: the vendor's *submission signature*.

The server cannot look inside an envelope before opening, so it cannot see who signed the bid
inside. The vendor therefore also signs the exact `.p7m` bytes (a detached CMS SignedData,
RSA-PSS-SHA256): the server checks that signature against the SHA-256 it computed while
streaming the upload, and that the signer is the submitting vendor (docs/BID_FORMAT.md).

    openssl cms -sign -binary -outform DER -md sha256 -signer v.crt -inkey v.key \\
        -keyopt rsa_padding_mode:pss -in bid.p7m -out bid.p7m.sig

(`-keyopt` applies to the `-signer` before it, so it comes after `-signer`/`-inkey`.)
"""

from asn1crypto import cms
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.serialization import pkcs7
from pyhanko.sign.general import CMSStructuralError
from pyhanko.sign.validation import errors as pyhanko_errors
from pyhanko.sign.validation.generic_cms import validate_sig_integrity

from . import pki
from .errors import SignatureInvalid, WrongContentType, WrongKeyUsage
from .signed_data import _check_pss_sha256, _signer_certificate, check_inner_type

MAX_SIGNATURE_BYTES = 64 * 1024


def sign_detached(data: bytes, *, key, cert: x509.Certificate) -> bytes:
    """A detached CMS SignedData (DER, RSA-PSS-SHA256, signer certificate included)."""
    return pkcs7.PKCS7SignatureBuilder(
        data=data, signers=[(cert, key, hashes.SHA256(), pki.PSS_SHA256)]
    ).sign(
        serialization.Encoding.DER,
        [
            pkcs7.PKCS7Options.DetachedSignature,
            pkcs7.PKCS7Options.Binary,
            pkcs7.PKCS7Options.NoCapabilities,
        ],
    )


def verify_detached(signature_der: bytes, sha256_digest: bytes) -> x509.Certificate:
    """Check a detached RSA-PSS-SHA256 signature over content with this SHA-256 digest and
    return its signer certificate (the trust decision is the caller's)."""
    if not signature_der or len(signature_der) > MAX_SIGNATURE_BYTES:
        raise SignatureInvalid('the submission signature is missing or too large')
    try:
        info = cms.ContentInfo.load(signature_der, strict=True)
        if info['content_type'].native != 'signed_data':
            raise WrongContentType('the submission signature is not a CMS SignedData')
        signed = info['content']
        signer_infos = list(signed['signer_infos'])
        check_inner_type(signed['encap_content_info']['content_type'])
        attached = signed['encap_content_info']['content'].native
        certificates = [c.chosen for c in signed['certificates'] if c.name == 'certificate']
    except ValueError as exc:
        raise SignatureInvalid(f'the submission signature is not DER CMS ({exc})') from None
    if len(signer_infos) != 1 or attached is not None:
        raise SignatureInvalid('a submission signature is detached and has exactly one signer')
    signer_info = signer_infos[0]
    _check_pss_sha256(signer_info)
    cert = _signer_certificate(signer_info, certificates)
    if not signer_info['signed_attrs']:
        raise SignatureInvalid('the submission signature has no signed attributes')
    try:
        intact, valid = validate_sig_integrity(signer_info, cert, 'data', sha256_digest)
    except (pyhanko_errors.SignatureValidationError, CMSStructuralError, ValueError) as exc:
        raise SignatureInvalid(f'the submission signature is malformed ({exc})') from None
    if not intact:
        raise SignatureInvalid('the submission signature is over other bytes than the upload')
    if not valid:
        raise SignatureInvalid('the submission signature does not verify with its certificate')
    signer = x509.load_der_x509_certificate(cert.dump())
    if not (
        pki.has_key_usage(signer, 'digital_signature')
        or pki.has_key_usage(signer, 'content_commitment')
    ):
        raise WrongKeyUsage('the submission signer certificate is not a signing certificate')
    return signer
