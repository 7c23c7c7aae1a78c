"""A witness of the audit log's Merkle tree, run by an outside party (an inspectorate, LKPP, civil
society): it pulls the log's signed checkpoint, checks that it extends the last one it saw, and
cosigns it (C2SP tlog-cosignature). It never cosigns two different trees of the same log, so a log
that shows one history to some readers and another to others is caught (C2SP tlog-witness, pulled
over HTTP instead of pushed).

The witness folder holds `witness.key` (the Ed25519 key in Go's ``PRIVATE+KEY+…`` form) and
`logs/<origin>.json`, one file per trusted log: its origin, its vkey and the last checkpoint
cosigned (null before the first)."""

import base64
import binascii
import fcntl
import json
import os
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from urllib.parse import quote

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from lpse.crypto import merkle, note
from lpse.crypto.errors import NoteError, ProofError

KEY_FILE = 'witness.key'
LOGS = 'logs'
MAX_ORIGIN = 200  # the origin names a file; keep it well under the file-name limit
CHECKPOINT_PATH = '/api/v1/log/checkpoint'
CONSISTENCY_PATH = '/api/v1/log/proof/consistency'
COSIGNATURES_PATH = '/api/v1/log/cosignatures'


class WitnessError(Exception):
    """The witness refused; `word` names why (`rollback`, `fork`, `bad signature`, `bad proof`,
    `bad checkpoint` are the log's fault; others are the caller's). `stored` and `offered` are
    the checkpoint notes compared, when there were any."""

    MISBEHAVIOUR = ('rollback', 'fork', 'bad signature', 'bad proof', 'bad checkpoint')

    def __init__(self, word: str, detail: str, *, stored: str | None = None, offered=None):
        super().__init__(f'{word}: {detail}')
        self.word, self.detail, self.stored, self.offered = word, detail, stored, offered

    @property
    def is_misbehaviour(self) -> bool:
        return self.word in self.MISBEHAVIOUR


@dataclass(frozen=True)
class Log:
    """A log this witness follows: its origin, its Ed25519 vkey, the last note cosigned."""

    origin: str
    key: str
    checkpoint: str | None = None


def default_dir() -> Path:
    """$LPSE_WITNESS_DIR, else ~/.lpse-witness."""
    return Path(os.environ.get('LPSE_WITNESS_DIR') or '~/.lpse-witness').expanduser()


def skey_text(name: str, private_key: Ed25519PrivateKey) -> str:
    """The key as Go's note package writes it: ``PRIVATE+KEY+<name>+<hex id>+base64(0x01 ‖ seed)``
    (the key ID of the Ed25519 type, whatever type the key later signs as)."""
    seed = private_key.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    public = note.Signer(name, private_key).verifier
    material = base64.b64encode(bytes([note.ED25519]) + seed).decode()
    return f'PRIVATE+KEY+{name}+{public.key_id:08x}+{material}'


def init_witness(directory: Path, name: str) -> note.Signer:
    """Make the witness key (mode 0600); refuses to replace one, whose cosignatures are out."""
    if not note.is_valid_name(name):
        raise WitnessError('bad input', f'{name!r} is not a key name (no spaces, no "+")')
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    key = Ed25519PrivateKey.generate()
    try:
        fd = os.open(directory / KEY_FILE, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise WitnessError('bad input', f'{directory / KEY_FILE} already exists') from None
    with os.fdopen(fd, 'w', encoding='ascii') as fh:
        fh.write(skey_text(name, key) + '\n')
    return note.Signer(name, key, note.COSIGNATURE_V1)


def load_signer(directory: Path) -> note.Signer:
    """The witness's cosigner key (C2SP tlog-cosignature, Ed25519)."""
    try:
        skey = (directory / KEY_FILE).read_text(encoding='ascii').strip()
        return note.Signer.from_skey(skey, note.COSIGNATURE_V1)
    except (OSError, UnicodeDecodeError, NoteError) as exc:
        raise WitnessError(
            'bad input', f'no witness key ({exc}); run `lpse witness init`'
        ) from None


def _log_path(directory: Path, origin: str) -> Path:
    return directory / LOGS / (quote(origin, safe='') + '.json')


def load_log(directory: Path, origin: str) -> Log | None:
    """The stored state of the log with this origin; None if the witness does not follow it."""
    try:
        data = json.loads(_log_path(directory, origin).read_text(encoding='utf-8'))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        raise WitnessError('bad input', f'unreadable state for {origin}: {exc}') from None
    return Log(data['origin'], data['key'], data['checkpoint'])


def save_log(directory: Path, log: Log) -> None:
    """Replace the log's state file atomically: a crash leaves the old state or the new one."""
    path = _log_path(directory, log.origin)
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix='.tmp-', suffix='.json')
    try:
        with os.fdopen(fd, 'w', encoding='utf-8') as fh:
            json.dump(vars(log), fh, indent=2, ensure_ascii=False)
            fh.write('\n')
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def add_log(directory: Path, origin: str, vkey: str) -> Log:
    """Trust the log `origin` signed by `vkey`. The key's name must be the origin (C2SP
    tlog-checkpoint: "the log's key name SHOULD match the origin line"; ours does). A new key
    for a known log keeps the last checkpoint, so a rotation cannot rewind it."""
    try:
        verifier = note.Verifier.from_vkey(vkey)
    except NoteError as exc:
        raise WitnessError('bad input', str(exc)) from None
    if verifier.alg != note.ED25519:
        raise WitnessError('bad input', 'the log key must be an Ed25519 note key (type 0x01)')
    if verifier.name != origin:
        raise WitnessError('bad input', f'the key is named {verifier.name!r}, not {origin!r}')
    if '\n' in origin or len(origin) > MAX_ORIGIN:
        raise WitnessError('bad input', f'the origin is longer than {MAX_ORIGIN} characters')
    with _locked(directory):
        known = load_log(directory, origin)
        log = Log(origin, vkey, known.checkpoint if known else None)
        save_log(directory, log)
    return log


def _origin_of(offered: bytes) -> str:
    try:
        text, _ = note.split_note(offered)
        return note.parse_checkpoint(text).origin
    except NoteError as exc:
        raise WitnessError('bad checkpoint', str(exc), offered=_show(offered)) from None


def _show(data: bytes) -> str:
    return data.decode('utf-8', 'replace')


def decode_proof(body: bytes, old_size: int, new_size: int) -> list[bytes]:
    """The hashes of a consistency proof answer ``{"from", "to", "proof": [base64…]}``;
    WitnessError 'bad proof' if it is not one, for these sizes."""
    try:
        answer = json.loads(body)
    except ValueError:
        raise WitnessError('bad proof', 'the answer is not JSON') from None
    if not isinstance(answer, dict) or not isinstance(answer.get('proof'), list):
        raise WitnessError('bad proof', 'the answer has no "proof" list')
    if (answer.get('from'), answer.get('to')) != (old_size, new_size):
        raise WitnessError('bad proof', f'the proof is not from size {old_size} to {new_size}')
    hashes = []
    for item in answer['proof']:
        try:
            value = base64.b64decode(item, validate=True)
        except (TypeError, ValueError, binascii.Error):
            value = b''
        if len(value) != merkle.HASH_SIZE:
            raise WitnessError('bad proof', f'{item!r} is not a base64 SHA-256 hash')
        hashes.append(value)
    return hashes


def check_extension(
    stored: note.Checkpoint, offered: note.Checkpoint, fetch_proof: Callable[[], bytes]
) -> None:
    """That `offered` is `stored` or a tree that grew from it (RFC 9162 §2.1.4), asking for the
    consistency proof only when one is needed; WitnessError names what is wrong."""
    if offered.size < stored.size:
        raise WitnessError('rollback', f'the log shrank from {stored.size} to {offered.size}')
    if offered.size == stored.size:
        if offered.root != stored.root:
            raise WitnessError('fork', f'two different roots for tree size {stored.size}')
        return
    if stored.size == 0:
        return  # every tree extends the empty one
    proof = decode_proof(fetch_proof(), stored.size, offered.size)
    try:
        merkle.verify_consistency(stored.size, offered.size, stored.root, offered.root, proof)
    except ProofError as exc:
        raise WitnessError('fork', str(exc)) from None


def update_log(
    directory: Path,
    offered: bytes,
    fetch_proof: Callable[[int, int], bytes],
    *,
    signer: note.Signer,
    now: datetime,
) -> tuple[str, note.Signature]:
    """Check the offered checkpoint note against the stored one, store it and cosign it: the
    checkpoint text and the cosignature. On refusal the state is left as it was."""
    with _locked(directory):
        return _update(directory, offered, fetch_proof, signer=signer, now=now)


@contextmanager
def _locked(directory: Path) -> Iterator[None]:
    """One change at a time: the check and the store must not interleave (C2SP tlog-witness)."""
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    with open(directory / '.lock', 'a') as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        yield


def _update(directory, offered, fetch_proof, *, signer, now):
    origin = _origin_of(offered)
    log = load_log(directory, origin)
    if log is None:
        raise WitnessError('unknown log', f'{origin!r} is not trusted; run `lpse witness add`')
    previous = log.checkpoint

    def refuse(word, detail):
        stored = previous or '(none yet: this is the first checkpoint seen)\n'
        return WitnessError(word, detail, stored=stored, offered=_show(offered))

    try:
        text = note.open_note(offered, [note.Verifier.from_vkey(log.key)]).text
    except NoteError as exc:
        raise refuse('bad signature', str(exc)) from None
    checkpoint = note.parse_checkpoint(text)
    if previous is not None:
        stored = note.parse_checkpoint(note.split_note(previous.encode())[0])
        try:
            check_extension(stored, checkpoint, lambda: fetch_proof(stored.size, checkpoint.size))
        except WitnessError as exc:
            raise refuse(exc.word, exc.detail) from None
    save_log(directory, Log(origin, log.key, _show(offered)))
    return text, signer.cosign(text, int(now.timestamp()))
