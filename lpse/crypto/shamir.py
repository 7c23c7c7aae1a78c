"""k-of-n custody of a tender key: AES-GCM under a 32-byte secret, split as SLIP-39 shares."""

import hashlib
import hmac
import os

import shamir_mnemonic
from cryptography import x509
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from . import pki
from .errors import (
    CorruptShare,
    MalformedKeyBlob,
    MismatchedShares,
    ShareCommitmentMismatch,
    ShareError,
    TooFewShares,
    WeakKey,
    WrongKeyUsage,
    WrongTenderSecret,
)

SECRET_BYTES = 32
NONCE_BYTES = 12
MAX_SHARES = 16  # SLIP-39 limit per group
TENDER_KEY_MAGIC = b'LPSE-TENDER-KEY\x01'
COMMITMENT_DOMAIN = b'lpse/share-commitment/v1'
OAEP_SHA256 = padding.OAEP(mgf=padding.MGF1(hashes.SHA256()), algorithm=hashes.SHA256(), label=None)


def protect_tender_key(private_key: rsa.RSAPrivateKey) -> tuple[bytes, bytes]:
    """Encrypt the tender key under a fresh 32-byte secret: (MAGIC ‖ nonce ‖ GCM blob, secret)."""
    secret, nonce = os.urandom(SECRET_BYTES), os.urandom(NONCE_BYTES)
    der = private_key.private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return TENDER_KEY_MAGIC + nonce + AESGCM(secret).encrypt(nonce, der, TENDER_KEY_MAGIC), secret


def recover_tender_key(blob: bytes, secret32: bytes) -> rsa.RSAPrivateKey:
    """Decrypt the tender key with the rebuilt secret (then check it against the tender cert)."""
    if not blob.startswith(TENDER_KEY_MAGIC) or len(secret32) != SECRET_BYTES:
        raise MalformedKeyBlob('not a protected tender key, or the secret is not 32 bytes')
    start = len(TENDER_KEY_MAGIC)
    try:
        der = AESGCM(secret32).decrypt(
            blob[start : start + NONCE_BYTES], blob[start + NONCE_BYTES :], TENDER_KEY_MAGIC
        )
    except InvalidTag:
        raise WrongTenderSecret('the rebuilt secret does not unlock this tender key') from None
    return serialization.load_der_private_key(der, None)


def split_secret(secret32: bytes, k: int, n: int) -> list[str]:
    """Split the secret into n SLIP-39 mnemonics (33 words each), any k of which rebuild it."""
    if len(secret32) != SECRET_BYTES:
        raise ValueError('the secret must be 32 bytes')
    if not (1 <= k <= n <= MAX_SHARES) or (k == 1 and n > 1):
        raise ValueError(f'cannot split {k}-of-{n}: need 2 ≤ k ≤ n ≤ {MAX_SHARES} (or 1-of-1)')
    return shamir_mnemonic.generate_mnemonics(1, [(k, n)], secret32)[0]


def combine_shares(mnemonics: list[str]) -> bytes:
    """Rebuild the secret from at least k shares of one split (the first k distinct are used)."""
    shares = {}
    for number, mnemonic in enumerate(mnemonics, start=1):
        try:
            share = shamir_mnemonic.Share.from_mnemonic(mnemonic)
        except shamir_mnemonic.MnemonicError as exc:
            raise CorruptShare(f'share {number} is not a valid key card: {exc}') from None
        shares.setdefault(share.index, share)
        if shares[share.index] != share:
            raise MismatchedShares(f'share {number} repeats the index of an earlier, different one')
    if not shares:
        raise TooFewShares('no shares were given')
    if len({s.group_parameters() for s in shares.values()}) > 1:
        raise MismatchedShares('the shares come from different splits (another tender or key)')
    threshold = next(iter(shares.values())).member_threshold
    if len(shares) < threshold:
        raise TooFewShares(f'{len(shares)} distinct shares given; {threshold} are needed')
    chosen = [s.mnemonic() for s in list(shares.values())[:threshold]]
    try:
        return shamir_mnemonic.combine_mnemonics(chosen)
    except shamir_mnemonic.MnemonicError as exc:
        raise MismatchedShares(f'the shares do not combine: {exc}') from None


def encrypt_share(mnemonic: str, member_cert: x509.Certificate) -> bytes:
    """Encrypt a share to a Pokja member's certificate (RSAES-OAEP-SHA256)."""
    public_key = member_cert.public_key()
    if not isinstance(public_key, rsa.RSAPublicKey):
        raise WeakKey('a Pokja certificate must hold an RSA key to receive a share')
    pki.check_key_strength(public_key)
    if not pki.has_key_usage(member_cert, 'key_encipherment'):
        raise WrongKeyUsage('the member certificate does not allow key encipherment')
    data = _normalise(mnemonic).encode()
    capacity = public_key.key_size // 8 - 2 * hashes.SHA256.digest_size - 2
    if len(data) > capacity:
        raise ShareError(
            f'the share ({len(data)} bytes) exceeds what the key can hold ({capacity})'
        )
    return public_key.encrypt(data, OAEP_SHA256)


def decrypt_share(ciphertext: bytes, member_key: rsa.RSAPrivateKey) -> str:
    """Decrypt a member's share with their private key."""
    try:
        return member_key.decrypt(ciphertext, OAEP_SHA256).decode()
    except (ValueError, UnicodeDecodeError):
        raise ShareError('this share was not encrypted to this key, or it was altered') from None


def share_commitment(mnemonic: str, *, context: str) -> str:
    """SHA-256 hex binding a share to its context (e.g. 'tender code/member id')."""
    digest = hashlib.sha256(COMMITMENT_DOMAIN)
    for part in (context.encode(), _normalise(mnemonic).encode()):
        digest.update(len(part).to_bytes(4, 'big') + part)
    return digest.hexdigest()


def check_share(mnemonic: str, commitment: str, *, context: str) -> None:
    """Require a released share to be the one committed to for this context."""
    expected = share_commitment(mnemonic, context=context).encode()
    if not hmac.compare_digest(expected, commitment.lower().encode()):
        raise ShareCommitmentMismatch(f'the share released for {context} is not the one issued')


def _normalise(mnemonic: str) -> str:
    """One canonical spelling of a key card: lower case, single spaces."""
    return ' '.join(mnemonic.lower().split())
