"""Detached CMS signatures over a sealed bid: the vendor's *submission signature*.

The server cannot look inside an envelope before opening, so it cannot see who signed the bid
inside. The vendor therefore also signs the exact `.p7m` bytes (a detached CMS SignedData,
RSA-PSS-SHA256): the server checks that signature against the SHA-256 it computed while
streaming the upload (`signed_data.verify_signature` with `detached_sha256`), and that the
signer is the submitting vendor (docs/BID_FORMAT.md).

    openssl cms -sign -binary -outform DER -md sha256 -signer v.crt -inkey v.key \\
        -keyopt rsa_padding_mode:pss -in bid.p7m -out bid.p7m.sig

(`-keyopt` applies to the `-signer` before it, so it comes after `-signer`/`-inkey`.)
"""

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.serialization import pkcs7

from . import pki


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
