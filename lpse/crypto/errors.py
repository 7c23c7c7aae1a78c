"""Errors of the cryptography layer: each carries a message a person can act on."""


class CryptoError(Exception):
    """A cryptographic check refused its input; ``message`` says why in plain words."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class UnsupportedAlgorithm(CryptoError):
    """An algorithm outside the allowed set (RSA-OAEP/PSS-SHA256, AES-256-GCM, ≥3072-bit RSA)."""


class WeakKey(UnsupportedAlgorithm):
    """A public key too weak (or of a kind) we do not accept."""


class KeyMismatch(CryptoError):
    """A private key and the certificate presented with it do not belong together."""


class CsrRejected(CryptoError):
    """A certificate signing request cannot be certified."""


class MalformedCsr(CsrRejected):
    """The CSR is not a parseable PEM PKCS#10 request."""


class BadCsrSignature(CsrRejected):
    """The CSR was not signed by the private key it carries."""


class SubjectMismatch(CsrRejected):
    """The CSR names someone other than the account it was submitted for."""


class WrongPassphrase(CryptoError):
    """A passphrase-protected key could not be unlocked with the passphrase given."""


class MalformedKeyBlob(CryptoError):
    """A stored key container is not in a format we know."""


class CertificateRejected(CryptoError):
    """A certificate is not acceptable for the use asked of it."""


class NotIssuedByCa(CertificateRejected):
    """The certificate was not issued (signed) by this instance's CA."""


class CertificateNotYetValid(CertificateRejected):
    """The certificate's validity period has not started yet."""


class CertificateExpired(CertificateRejected):
    """The certificate's validity period has ended."""


class CertificateRevoked(CertificateRejected):
    """The CA has revoked the certificate."""


class WrongKeyUsage(CertificateRejected):
    """The certificate's key usage does not allow this operation."""


class EnvelopeError(CryptoError):
    """A sealed bid (.p7m) is malformed, not for us, or altered."""


class NotAnEnvelope(EnvelopeError):
    """The file is not a DER CMS structure at all."""


class WrongContentType(EnvelopeError):
    """The file is CMS, but not an AuthEnvelopedData (or not the expected inner type)."""


class TruncatedEnvelope(EnvelopeError):
    """The file ends before its declared length."""


class TrailingData(EnvelopeError):
    """Bytes follow the end of the CMS structure."""


class UnsupportedEncoding(EnvelopeError):
    """A CMS encoding or feature we do not accept (BER indefinite length, authAttrs…)."""


class WrongRecipient(EnvelopeError):
    """The envelope is not addressed to this key or certificate."""


class EnvelopeTampered(EnvelopeError):
    """Decryption failed authentication: the envelope was altered."""


class SealSelfCheckFailed(EnvelopeError):
    """An envelope just produced did not pass its own opening check."""


class SignatureInvalid(CryptoError):
    """The signature inside a sealed bid does not verify."""


class ShareError(CryptoError):
    """A tender-key share is wrong, missing or does not fit the others."""


class TooFewShares(ShareError):
    """Fewer distinct shares than the threshold were given."""


class CorruptShare(ShareError):
    """A share mnemonic has an unknown word or a bad checksum."""


class MismatchedShares(ShareError):
    """The shares belong to different splits (different tenders or key generations)."""


class ShareCommitmentMismatch(ShareError):
    """A share does not match the commitment recorded when the key was split."""


class WrongTenderSecret(CryptoError):
    """The 32-byte secret rebuilt from shares does not unlock the tender key."""


class ProofError(CryptoError):
    """A Merkle inclusion or consistency proof does not prove what it claims (RFC 9162 §2.1)."""


class NoteError(CryptoError):
    """A signed note, checkpoint or cosignature is malformed or does not verify (C2SP)."""


class MalformedNote(NoteError):
    """The bytes are not a well-formed signed note, verifier key or signature line."""


class MalformedCheckpoint(NoteError):
    """The note text is not a C2SP tlog-checkpoint body."""


class NoteSignatureInvalid(NoteError):
    """A signature by a known key does not verify: the note or the signature was altered."""


class NoteUnverified(NoteError):
    """No signature on the note is by a known key; its text must not be trusted."""
