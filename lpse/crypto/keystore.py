"""Private keys at rest: self-held key files (PKCS#8 PEM) and server-held locked keys."""

import os

from argon2.low_level import Type, hash_secret_raw
from asn1crypto import keys as asn1_keys
from asn1crypto import pem as asn1_pem
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives import padding as sym_padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.pbkdf2 import PBKDF2HMAC

from .errors import MalformedKeyBlob, WrongPassphrase

KEY_FILE_PBKDF2_ROUNDS = 600_000  # OWASP 2023 figure for PBKDF2-HMAC-SHA256
LOCKED_KEY_MAGIC = b'LPSE-LOCKED-KEY\x01'
ARGON2_TIME_COST = 3
ARGON2_MEMORY_KIB = 64 * 1024
ARGON2_PARALLELISM = 4
SALT_BYTES = 16
NONCE_BYTES = 12


def dump_key_file(key, passphrase: str) -> bytes:
    """A self-held key file: PEM PKCS#8, PBES2 (PBKDF2-SHA256, AES-256-CBC), as openssl writes."""
    salt, iv = os.urandom(SALT_BYTES), os.urandom(16)
    kek = PBKDF2HMAC(hashes.SHA256(), 32, salt, KEY_FILE_PBKDF2_ROUNDS).derive(passphrase.encode())
    padder = sym_padding.PKCS7(128).padder()
    padded = padder.update(_pkcs8_der(key)) + padder.finalize()
    encryptor = Cipher(algorithms.AES(kek), modes.CBC(iv)).encryptor()
    pbes2 = {
        'key_derivation_func': {
            'algorithm': 'pbkdf2',
            'parameters': {
                'salt': {'specified': salt},
                'iteration_count': KEY_FILE_PBKDF2_ROUNDS,
                'prf': {'algorithm': 'sha256'},
            },
        },
        'encryption_scheme': {'algorithm': 'aes256_cbc', 'parameters': iv},
    }
    info = asn1_keys.EncryptedPrivateKeyInfo(
        {
            'encryption_algorithm': {'algorithm': 'pbes2', 'parameters': pbes2},
            'encrypted_data': encryptor.update(padded) + encryptor.finalize(),
        }
    )
    return asn1_pem.armor('ENCRYPTED PRIVATE KEY', info.dump())


def load_key_file(pem: bytes, passphrase: str):
    """Read a passphrase-protected PEM private key (ours or openssl's)."""
    try:
        return serialization.load_pem_private_key(pem, passphrase.encode())
    except TypeError:
        raise MalformedKeyBlob('the key file is not passphrase-protected') from None
    except ValueError:
        raise WrongPassphrase('wrong passphrase, or the key file is damaged') from None


def lock_private_key(key, passphrase: str) -> bytes:
    """A server-held key as MAGIC ‖ salt ‖ nonce ‖ AES-256-GCM(PKCS#8), key from argon2id."""
    salt, nonce = os.urandom(SALT_BYTES), os.urandom(NONCE_BYTES)
    header = LOCKED_KEY_MAGIC + salt
    sealed = AESGCM(_argon2_key(passphrase, salt)).encrypt(nonce, _pkcs8_der(key), header)
    return header + nonce + sealed


def unlock_private_key(blob: bytes, passphrase: str):
    """Open a `lock_private_key` blob for the moment of signing."""
    if (
        not blob.startswith(LOCKED_KEY_MAGIC)
        or len(blob) < len(LOCKED_KEY_MAGIC) + SALT_BYTES + NONCE_BYTES + 16
    ):
        raise MalformedKeyBlob('not a locked private key (unknown format or version)')
    salt_end = len(LOCKED_KEY_MAGIC) + SALT_BYTES
    header, nonce = blob[:salt_end], blob[salt_end : salt_end + NONCE_BYTES]
    try:
        der = AESGCM(_argon2_key(passphrase, header[-SALT_BYTES:])).decrypt(
            nonce, blob[salt_end + NONCE_BYTES :], header
        )
    except InvalidTag:
        raise WrongPassphrase('wrong signing passphrase, or the stored key is damaged') from None
    return serialization.load_der_private_key(der, None)


def _pkcs8_der(key) -> bytes:
    return key.private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def _argon2_key(passphrase: str, salt: bytes) -> bytes:
    return hash_secret_raw(
        passphrase.encode(),
        salt,
        time_cost=ARGON2_TIME_COST,
        memory_cost=ARGON2_MEMORY_KIB,
        parallelism=ARGON2_PARALLELISM,
        hash_len=32,
        type=Type.ID,
    )
