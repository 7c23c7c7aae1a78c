"""C2SP signed notes with Ed25519 keys, tlog-checkpoint bodies and tlog-cosignature/v1.

A note is a text ending in a newline, a blank line, then one line per signature:
``— <key name> base64(key ID ‖ signature)`` (c2sp.org/signed-note). A checkpoint is a note whose
text is ``origin\\nsize\\nbase64(root)\\n`` plus optional extension lines
(c2sp.org/tlog-checkpoint). A witness cosigns a checkpoint with a timestamped Ed25519 signature
over ``cosignature/v1\\ntime <t>\\n<checkpoint text>`` (c2sp.org/tlog-cosignature). Compatible
with golang.org/x/mod/sumdb/note and transparency-dev/formats.
"""

import base64
import binascii
import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from .errors import (
    MalformedCheckpoint,
    MalformedNote,
    NoteSignatureInvalid,
    NoteUnverified,
)

ED25519 = 0x01  # signed-note §Signature types: a plain Ed25519 note signature
COSIGNATURE_V1 = 0x04  # tlog-cosignature: a timestamped Ed25519 checkpoint cosignature
ALGORITHMS = {ED25519: 'Ed25519', COSIGNATURE_V1: 'Ed25519 cosignature/v1'}
KEY_SIZE = 32
SIGNATURE_SIZE = 64
MAX_SIGNATURES = 100  # the spec asks verifiers to accept at least 16; Go's limit is 100
MAX_TIMESTAMP = 2**63 - 1
MAX_TREE_SIZE = 2**63 - 1  # what a signed 64-bit column holds
HASH_SIZE = 32
SIGNATURE_PREFIX = '— '
SIZE_RE = re.compile(r'0|[1-9][0-9]*')
KEY_ID_RE = re.compile(r'[0-9a-f]{8}')


def is_valid_name(name: str) -> bool:
    """A key name: non-empty, without Unicode spaces or '+' (signed-note §Format)."""
    return bool(name) and '+' not in name and not any(c.isspace() for c in name)


def key_id(name: str, alg: int, public_key: bytes) -> int:
    """SHA-256(name ‖ 0x0A ‖ alg ‖ public key)[:4] as a big-endian uint32 (signed-note)."""
    digest = hashlib.sha256(name.encode() + b'\n' + bytes([alg]) + public_key).digest()
    return int.from_bytes(digest[:4], 'big')


def _b64decode(text: str) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise MalformedNote(f'not standard base64: {text!r}') from exc


def _b64encode(data: bytes) -> str:
    return base64.b64encode(data).decode()


def cosignature_message(text: str, timestamp: int) -> bytes:
    """What an Ed25519 cosigner signs (tlog-cosignature §Ed25519 signed message)."""
    return f'cosignature/v1\ntime {timestamp}\n{text}'.encode()


@dataclass(frozen=True)
class Signature:
    """One signature line; `blob` is what follows the key ID (timestamp ‖ signature for a
    cosignature); `timestamp` is set by open_note once a cosignature has verified."""

    name: str
    key_id: int
    blob: bytes
    timestamp: int | None = field(default=None, compare=False)

    @property
    def line(self) -> str:
        """``— <name> base64(key ID ‖ blob)`` and its newline (signed-note §Signatures)."""
        encoded = _b64encode(self.key_id.to_bytes(4, 'big') + self.blob)
        return f'{SIGNATURE_PREFIX}{self.name} {encoded}\n'


def parse_signature_line(line: str) -> Signature:
    """One signature line, with or without its newline; MalformedNote if it is not one."""
    body = line.removesuffix('\n')
    if not body.startswith(SIGNATURE_PREFIX) or '\n' in body:
        raise MalformedNote(f'not a signature line: {line!r}')
    name, _, encoded = body[len(SIGNATURE_PREFIX) :].partition(' ')
    if not is_valid_name(name):
        raise MalformedNote(f'bad key name in signature line: {line!r}')
    raw = _b64decode(encoded)
    if len(raw) < 5:
        raise MalformedNote(f'signature too short to hold a key ID: {line!r}')
    return Signature(name, int.from_bytes(raw[:4], 'big'), raw[4:])


@dataclass(frozen=True)
class Verifier:
    """A public key under a name, for one signature type (signed-note §Verifier keys)."""

    name: str
    alg: int
    public_key: bytes

    def __post_init__(self):
        if not is_valid_name(self.name):
            raise ValueError(f'invalid key name {self.name!r}')
        if self.alg not in ALGORITHMS or len(self.public_key) != KEY_SIZE:
            raise ValueError(f'not an Ed25519 key of a known signature type: {self.alg:#04x}')

    @property
    def key_id(self) -> int:
        return key_id(self.name, self.alg, self.public_key)

    @property
    def vkey(self) -> str:
        """``<name>+<hex key ID>+base64(alg ‖ public key)``."""
        material = _b64encode(bytes([self.alg]) + self.public_key)
        return f'{self.name}+{self.key_id:08x}+{material}'

    @classmethod
    def from_vkey(cls, vkey: str) -> 'Verifier':
        """Parse a vkey string; MalformedNote if any part is wrong or the key ID mismatches."""
        name, _, rest = vkey.partition('+')
        hex_id, _, material = rest.partition('+')
        if not is_valid_name(name) or not KEY_ID_RE.fullmatch(hex_id):
            raise MalformedNote(f'not a verifier key: {vkey!r}')
        raw = _b64decode(material)
        if len(raw) != 1 + KEY_SIZE or raw[0] not in ALGORITHMS:
            raise MalformedNote(f'not an Ed25519 or cosignature/v1 verifier key: {vkey!r}')
        verifier = cls(name, raw[0], raw[1:])
        if verifier.key_id != int(hex_id, 16):
            raise MalformedNote(f'the key ID of {vkey!r} does not match its name and key')
        return verifier

    def check(self, text: str, blob: bytes) -> int | None:
        """Verify a signature blob over the note text: return the cosignature's timestamp
        (None for a plain signature); NoteSignatureInvalid if it does not verify."""
        timestamp = None
        message = text.encode()
        if self.alg == COSIGNATURE_V1:
            if len(blob) != 8 + SIGNATURE_SIZE:
                raise NoteSignatureInvalid(f'the cosignature by {self.name} has a wrong length')
            timestamp, blob = int.from_bytes(blob[:8], 'big'), blob[8:]
            if timestamp > MAX_TIMESTAMP:
                raise NoteSignatureInvalid(f'the cosignature by {self.name} has a bad timestamp')
            message = cosignature_message(text, timestamp)
        try:
            Ed25519PublicKey.from_public_bytes(self.public_key).verify(blob, message)
        except (InvalidSignature, ValueError) as exc:
            raise NoteSignatureInvalid(f'the signature by {self.name} does not verify') from exc
        return timestamp


class Signer:
    """An Ed25519 private key under a name: a log's note signer (ED25519) or a witness's
    cosigner (COSIGNATURE_V1). The key ID differs by type, so one key may serve both."""

    def __init__(self, name: str, private_key: Ed25519PrivateKey, alg: int = ED25519):
        public = private_key.public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw
        )
        self.verifier = Verifier(name, alg, public)
        self._key = private_key

    @property
    def name(self) -> str:
        return self.verifier.name

    @property
    def alg(self) -> int:
        return self.verifier.alg

    @property
    def key_id(self) -> int:
        return self.verifier.key_id

    @property
    def vkey(self) -> str:
        return self.verifier.vkey

    @classmethod
    def from_skey(cls, skey: str, alg: int = ED25519) -> 'Signer':
        """A key in Go's ``PRIVATE+KEY+<name>+<hex id>+base64(0x01 ‖ seed)`` form
        (golang.org/x/mod/sumdb/note), as the `alg` signer."""
        prefix, name_and_rest = skey[:12], skey[12:]
        name, _, rest = name_and_rest.partition('+')
        hex_id, _, material = rest.partition('+')
        if prefix != 'PRIVATE+KEY+' or not is_valid_name(name) or not KEY_ID_RE.fullmatch(hex_id):
            raise MalformedNote('not a signer key')
        raw = _b64decode(material)
        if len(raw) != 1 + KEY_SIZE or raw[0] != ED25519:
            raise MalformedNote('not an Ed25519 signer key')
        signer = cls(name, Ed25519PrivateKey.from_private_bytes(raw[1:]), alg)
        if Verifier(name, ED25519, signer.verifier.public_key).key_id != int(hex_id, 16):
            raise MalformedNote('the key ID of the signer key does not match its name and key')
        return signer

    def sign(self, text: str) -> Signature:
        """A plain Ed25519 signature of the note text (signed-note §Ed25519 signatures)."""
        if self.alg != ED25519:
            raise ValueError(f'{self.name} is a cosigner: use cosign() with a timestamp')
        _check_text(text)
        return Signature(self.name, self.key_id, self._key.sign(text.encode()))

    def cosign(self, text: str, timestamp: int) -> Signature:
        """A timestamped cosignature of a checkpoint text (tlog-cosignature §Format)."""
        if self.alg != COSIGNATURE_V1:
            raise ValueError(f'{self.name} is not a cosigner key')
        if not 0 <= timestamp <= MAX_TIMESTAMP:
            raise ValueError(f'cosignature timestamp out of range: {timestamp}')
        parse_checkpoint(text)
        signature = self._key.sign(cosignature_message(text, timestamp))
        blob = timestamp.to_bytes(8, 'big') + signature
        return Signature(self.name, self.key_id, blob, timestamp)


def _check_text(text: str) -> None:
    """Note text: ends in a newline, no control characters but newlines (signed-note §Format)."""
    if not text.endswith('\n'):
        raise MalformedNote('the note text must end with a newline')
    if any(ord(c) < 0x20 and c != '\n' for c in text):
        raise MalformedNote('the note text contains a control character')


def sign_note(text: str, *signers: Signer, cosignatures: Iterable[Signature] = ()) -> bytes:
    """The signed note: the text, a blank line, the signers' lines, then any cosignatures
    gathered from witnesses (a line from one of `signers` is not repeated)."""
    _check_text(text)
    own = [signer.sign(text) for signer in signers]
    mine = {(s.name, s.key_id) for s in own}
    lines = [*own, *(c for c in cosignatures if (c.name, c.key_id) not in mine)]
    if not lines:
        raise ValueError('a note needs at least one signature')
    return (text + '\n' + ''.join(s.line for s in lines)).encode()


@dataclass(frozen=True)
class OpenedNote:
    """A note whose text is vouched for by `verified`; `unverified` are by unknown keys."""

    text: str
    verified: list[Signature]
    unverified: list[Signature]


def split_note(note: bytes) -> tuple[str, list[Signature]]:
    """Text and signature lines of a note, nothing verified; MalformedNote if ill-formed."""
    try:
        message = note.decode('utf-8')
    except UnicodeDecodeError as exc:
        raise MalformedNote('the note is not UTF-8') from exc
    if any(ord(c) < 0x20 and c != '\n' for c in message):
        raise MalformedNote('the note contains a control character')
    split = message.rfind('\n\n')
    if split < 0:
        raise MalformedNote('no blank line separates the text from the signatures')
    text, lines = message[: split + 1], message[split + 2 :]
    if not lines.endswith('\n'):
        raise MalformedNote('the note must end with a signature line and a newline')
    signatures = lines[:-1].split('\n')
    if len(signatures) > MAX_SIGNATURES:
        raise MalformedNote(f'more than {MAX_SIGNATURES} signatures')
    return text, [parse_signature_line(line) for line in signatures]


def _index(verifiers: Iterable[Verifier]) -> dict[tuple[str, int], Verifier]:
    known: dict[tuple[str, int], Verifier] = {}
    for verifier in verifiers:
        other = known.setdefault((verifier.name, verifier.key_id), verifier)
        if other != verifier:
            raise ValueError(
                f'two keys share the name and ID {verifier.name}+{verifier.key_id:08x}'
            )
    return known


def open_note(note: bytes, verifiers: Iterable[Verifier]) -> OpenedNote:
    """Verify a signed note (signed-note §Signatures): signatures by unknown keys are kept
    aside, any known key whose signature fails rejects the note, and at least one must hold."""
    text, signatures = split_note(note)
    known = _index(verifiers)
    verified: dict[tuple[str, int], Signature] = {}
    unverified: list[Signature] = []
    for signature in signatures:
        verifier = known.get((signature.name, signature.key_id))
        if verifier is None:
            if signature not in unverified:
                unverified.append(signature)
            continue
        timestamp = verifier.check(text, signature.blob)
        verified.setdefault(
            (signature.name, signature.key_id), replace(signature, timestamp=timestamp)
        )
    if not verified:
        raise NoteUnverified('no signature on the note is by a known key')
    return OpenedNote(text, list(verified.values()), unverified)


def verify_cosignature(text: str, signature: Signature | str, verifier: Verifier) -> int:
    """Check a witness's cosignature (a Signature or its line) of a checkpoint text and
    return its timestamp (tlog-cosignature); NoteError if it is not that witness's or fails."""
    if isinstance(signature, str):
        signature = parse_signature_line(signature)
    if verifier.alg != COSIGNATURE_V1:
        raise ValueError(f'{verifier.name} is not a cosigner key')
    if (signature.name, signature.key_id) != (verifier.name, verifier.key_id):
        raise NoteUnverified(f'the cosignature is not by {verifier.name}')
    _check_text(text)
    timestamp = verifier.check(text, signature.blob)
    assert timestamp is not None  # a COSIGNATURE_V1 verifier always reads one
    return timestamp


@dataclass(frozen=True)
class Checkpoint:
    """A log's tree head (tlog-checkpoint §Note text)."""

    origin: str
    size: int
    root: bytes
    extensions: tuple[str, ...] = ()

    @property
    def text(self) -> str:
        return format_checkpoint(self.origin, self.size, self.root, self.extensions)


def format_checkpoint(origin: str, size: int, root: bytes, extensions: Iterable[str] = ()) -> str:
    """``origin\\nsize\\nbase64(root)\\n`` then any extension lines (tlog-checkpoint)."""
    extensions = tuple(extensions)
    if size < 0 or len(root) != HASH_SIZE:
        raise ValueError('a checkpoint needs a size ≥ 0 and a 32-byte root')
    if not all(line and '\n' not in line for line in (origin, *extensions)):
        raise ValueError('the origin and extension lines must be single non-empty lines')
    text = '\n'.join([origin, str(size), _b64encode(root), *extensions]) + '\n'
    _check_text(text)
    return text


def parse_checkpoint(text: str) -> Checkpoint:
    """The checkpoint in a note text; MalformedCheckpoint names the first thing wrong."""
    if not text.endswith('\n'):
        raise MalformedCheckpoint('a checkpoint text ends with a newline')
    lines = text[:-1].split('\n')
    if len(lines) < 3:
        raise MalformedCheckpoint('a checkpoint has an origin, a size and a root hash line')
    origin, size, root, *extensions = lines
    if not origin:
        raise MalformedCheckpoint('the checkpoint origin is empty')
    if not SIZE_RE.fullmatch(size) or int(size) > MAX_TREE_SIZE:
        raise MalformedCheckpoint(f'the tree size {size!r} is not a decimal without zero padding')
    try:
        root_hash = base64.b64decode(root, validate=True)
    except (binascii.Error, ValueError):
        root_hash = b''
    if len(root_hash) != HASH_SIZE or _b64encode(root_hash) != root:
        raise MalformedCheckpoint(f'the root {root!r} is not a base64 SHA-256 hash')
    if not all(extensions):
        raise MalformedCheckpoint('a checkpoint extension line is empty')
    if any(ord(c) < 0x20 and c != '\n' for c in text):
        raise MalformedCheckpoint('the checkpoint contains a control character')
    return Checkpoint(origin, int(size), root_hash, tuple(extensions))
