"""Attachments kept across a refused bid form (a wrong signing passphrase), never in clear.

A browser cannot refill a file input, so when the server refuses the form after the files
arrived (the passphrase was wrong and the page had no JavaScript to check it first), the files
are kept for the next try: each is encrypted (AES-256-GCM, the file name as associated data)
under a fresh random key and stored as a blob; the key travels only in the vendor's own session
(the caller keeps the returned `kept` dict there). Once the key is forgotten — the bid is sent,
the vendor logs out, the session ends — the blobs are unreadable noise that the store's sweep of
unreferenced blobs removes. Pure of requests: the view moves `kept` in and out of the session."""

import base64
import io
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from flask import current_app

from lpse import storage

MAX_KEPT_FILES = 20
FIELDS = ('attachments', 'price_attachments')


def keep(files: dict[str, list[tuple[str, bytes]]]) -> dict | None:
    """Encrypt and store ``files`` ({field: [(name, bytes)]}); the dict to keep in the session
    (None when there is nothing to keep)."""
    if not any(files.values()):
        return None
    key = AESGCM.generate_key(bit_length=256)
    aead = AESGCM(key)
    limit = int(current_app.config.get('LPSE_BID_MAX_SIZE', 50 * 1024 * 1024)) + 64
    kept = {'key': base64.b64encode(key).decode('ascii'), 'files': []}
    for field in FIELDS:
        for name, data in files.get(field, [])[:MAX_KEPT_FILES]:
            nonce = os.urandom(12)
            sealed = nonce + aead.encrypt(nonce, data, name.encode('utf-8'))
            sha256, _size = storage.blob_store().put_stream(io.BytesIO(sealed), max_size=limit)
            kept['files'].append([field, name, sha256, len(data)])
    return kept


def listed(kept: dict | None, field: str) -> list[tuple[str, int]]:
    """(name, size) of the files kept for ``field``, for the page to say what it will send."""
    if not kept:
        return []
    return [(name, size) for f, name, _sha, size in kept.get('files', []) if f == field]


def restore(kept: dict | None, field: str) -> list[tuple[str, bytes]]:
    """The kept files of ``field``, decrypted; a file that cannot be read back is left out
    (the page lists what is sent, and the receipt names every attached file)."""
    if not kept:
        return []
    try:
        aead = AESGCM(base64.b64decode(kept['key']))
    except (KeyError, ValueError):
        return []
    out = []
    for f, name, sha256, _size in kept.get('files', []):
        if f != field:
            continue
        try:
            with storage.blob_store().open(sha256) as fh:
                sealed = fh.read()
            out.append((name, aead.decrypt(sealed[:12], sealed[12:], name.encode('utf-8'))))
        except (OSError, InvalidTag, ValueError):
            continue
    return out
