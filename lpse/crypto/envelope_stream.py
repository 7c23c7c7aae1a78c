"""Opening a sealed bid as a stream: one read of the `.p7m` in large chunks, each chunk hashed
(the receipt's SHA-256) and its ciphertext decrypted straight into a caller's buffer — no copy of
the envelope is held, and asn1crypto only ever parses the envelope's skeleton (der_view).

This is a fast path, not a second definition of an envelope: it handles the plain DER shape
`seal` and OpenSSL make, runs the very checks of `envelope.open_envelope` on the skeleton, and
raises `Shape` for anything else — an unexpected layout, a recipient or parameter refused, a tag
that does not verify, bytes missing or left over. The caller then opens the envelope's bytes in
full with the ordinary functions, so every refusal is reported exactly as they report it."""

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import BinaryIO

from asn1crypto import algos, cms
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from . import envelope
from .der_view import Element, Shape, element, skeleton

CHUNK = 4 * 1024 * 1024  # read size: large, so a 10 MB envelope costs a handful of calls
HEAD = 128 * 1024  # the first read: the headers up to the ciphertext must be in it
MAX_TRAILER = 64 * 1024  # after the ciphertext: the tag (and nothing large)
SLACK = 16  # update_into wants room for a block more than it writes

__all__ = ['CHUNK', 'HEAD', 'Opened', 'Shape', 'open_stream']


@dataclass(frozen=True)
class Opened:
    """An envelope opened as a stream: the SHA-256 (hex) of every byte read, its content key,
    and the inner SignedData DER — a view into the caller's buffer."""

    sha256: str
    content_key: bytes
    signed: memoryview


@dataclass(frozen=True)
class _Layout:
    path: list[Element]  # ContentInfo, [0], AuthEnvelopedData, authEncryptedContentInfo
    recipients: Element
    algorithm: Element
    ciphertext: Element


def open_stream(
    fileobj: BinaryIO, key: rsa.RSAPrivateKey, buffer: Callable[[int], memoryview]
) -> Opened:
    """Read, hash and decrypt the envelope in `fileobj` with the tender `key`; `buffer(n)` gives
    a writable memoryview of at least n bytes (the plaintext, then room for one read; it may
    raise to refuse a size). Raises Shape when the fast path does not apply or the envelope does
    not open (see the module docstring)."""
    digest = hashlib.sha256()
    first = _read(fileobj, HEAD)
    digest.update(first)
    try:
        layout = _walk(first)
        cek = envelope._unwrap_from(
            cms.RecipientInfos.load(bytes(first[layout.recipients.start : layout.recipients.end])),
            key,
        )
        nonce = envelope._gcm_nonce(
            algos.EncryptionAlgorithm.load(
                bytes(first[layout.algorithm.start : layout.algorithm.end])
            )
        )
    except Exception as exc:  # a refusal or an odd layout: the full path says which
        raise Shape(f'not opened as a stream ({type(exc).__name__})') from exc
    ct, total = layout.ciphertext, layout.path[0].end
    size = ct.end - ct.value
    area = buffer(size + SLACK + CHUNK)
    out, spare = area[: size + SLACK], area[size + SLACK : size + SLACK + CHUNK]
    decryptor = Cipher(algorithms.AES(cek), modes.GCM(nonce)).decryptor()
    trailer = bytearray()
    written, pos, chunk = 0, 0, memoryview(first)
    while True:
        start, stop = max(ct.value - pos, 0), min(ct.end - pos, len(chunk))
        if start < stop:
            written += decryptor.update_into(chunk[start:stop], out[written:])
        after = max(ct.end - pos, 0)
        if after < len(chunk):
            trailer += chunk[after:]
            if len(trailer) > MAX_TRAILER:
                raise Shape('the envelope has more than its tag after the ciphertext')
        pos += len(chunk)
        if pos > total:
            raise Shape('bytes after the end of the envelope')
        chunk = spare[: _read_into(fileobj, spare)]
        if not chunk:
            break
        digest.update(chunk)
    if pos != total or written != size:
        raise Shape('the envelope is truncated')
    try:
        aed = envelope._load_envelope(skeleton(first[: ct.value], trailer, layout.path, ct))
        checked_nonce, emptied, mac = envelope._content_parts(aed)
        if checked_nonce != nonce or emptied:
            raise Shape('the skeleton does not match the envelope')
        decryptor.finalize_with_tag(mac)
    except Exception as exc:
        raise Shape(f'not opened as a stream ({type(exc).__name__})') from exc
    return Opened(digest.hexdigest(), cek, out[:size])


def _walk(buf) -> _Layout:
    """The headers of a ContentInfo holding an AuthEnvelopedData, down to the ciphertext."""
    info = element(buf, 0, 0x30, 1 << 62)
    content_type = element(buf, info.value, 0x06, info.end)
    explicit = element(buf, content_type.end, 0xA0, info.end)
    aed = element(buf, explicit.value, 0x30, explicit.end)
    version = element(buf, aed.value, 0x02, aed.end)
    recipients = element(buf, version.end, 0x31, aed.end)
    eci = element(buf, recipients.end, 0x30, aed.end)
    inner_type = element(buf, eci.value, 0x06, eci.end)
    algorithm = element(buf, inner_type.end, 0x30, eci.end)
    ciphertext = element(buf, algorithm.end, 0x80, eci.end)
    if ciphertext.end != eci.end or algorithm.end > len(buf):
        raise Shape('unexpected content after the ciphertext')
    return _Layout([info, explicit, aed, eci], recipients, algorithm, ciphertext)


def _read_into(fileobj: BinaryIO, view: memoryview) -> int:
    """Fill `view` from the stream (readinto where the stream has it); the bytes read, fewer
    only at its end."""
    readinto = getattr(fileobj, 'readinto', None)
    filled = 0
    while filled < len(view):
        if readinto is not None:
            count = readinto(view[filled:]) or 0
        else:
            data = fileobj.read(len(view) - filled)
            count = len(data)
            view[filled : filled + count] = data
        if not count:
            break
        filled += count
    return filled


def _read(fileobj: BinaryIO, size: int) -> bytes:
    """Up to `size` bytes; fewer only at the end of the stream."""
    data = fileobj.read(size)
    if len(data) < size and data:
        parts = [data]
        missing = size - len(data)
        while missing:
            more = fileobj.read(missing)
            if not more:
                break
            parts.append(more)
            missing -= len(more)
        data = b''.join(parts)
    return data
