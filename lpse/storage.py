"""The blob store: immutable files named by their SHA-256 (ARCHITECTURE §4, §7).

`FileStore` keeps blobs under ``LPSE_DATA_DIR/blobs``; the S3-compatible store
(`lpse.storage_s3.S3Store`) implements the same `BlobStore` interface and is chosen with
``LPSE_BLOB_STORE=s3`` (see `blob_store`). Code outside the stores never sees where a blob
lives: it puts a stream, opens, checks existence, deletes and sweeps through the interface. Writes
stream in chunks to a temporary file on the same file system, are checked, fsynced, renamed to
their hash and the directory fsynced (a new fan-out directory in its parent too), so a blob
that was acknowledged is never lost and a rejected upload leaves nothing behind.
"""

import abc
import contextlib
import hashlib
import importlib
import logging
import os
import re
import struct
import tempfile
import time
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import BinaryIO

from flask import current_app

log = logging.getLogger(__name__)

CHUNK = 64 * 1024
BLOCK = 1024 * 1024  # what a store reads at a time: memory stays one block per upload
SHA256_RE = re.compile(r'^[0-9a-f]{64}$')


class BlobTooLarge(ValueError):
    """The stream passed the size limit; nothing was stored."""

    def __init__(self, max_size):
        super().__init__(f'larger than {max_size} bytes')
        self.max_size = max_size


class BlobRejected(ValueError):
    """The content check refused the stream; nothing was stored."""


class BlobCorrupt(RuntimeError):
    """The store holds (or its server received) other bytes than the hash names: never kept,
    never overwritten silently."""


class HashingStream:
    """A read-only stream that hashes (SHA-256) and counts the bytes it hands out.

    The stores copy through one: the digest that names the blob is taken over exactly the
    bytes written. A caller that needs the digest itself (the bid submission checks a
    signature over it before the rename) passes its own not-yet-read `HashingStream`, and the
    store hashes through that one instead of wrapping it again: one SHA-256 pass, not two.
    Reads hand out blocks of at least `block` bytes whatever `n` asks: each hash update and
    write releases and retakes the GIL, and under a burst of threads every retake waits."""

    def __init__(self, stream: BinaryIO, *, block: int = BLOCK):
        self.stream, self.block = stream, block
        self.sha, self.size = hashlib.sha256(), 0

    def read(self, n: int = -1) -> bytes:
        want = max(n, self.block) if n and n > 0 else self.block
        parts, got = [], 0
        while got < want:
            # Gathered from CHUNK reads: a read blocks until its bytes arrive, and `counted`
            # (the cap, the upload lock's heartbeat) must see them as they do — a vendor on a
            # slow link sends a block in longer than the lock lasts.
            piece = self.stream.read(min(CHUNK, want - got))
            if not piece:
                break
            parts.append(piece)
            got += len(piece)
            self.size += len(piece)
            self.counted(self.size)
        chunk = parts[0] if len(parts) == 1 else b''.join(parts)
        if chunk:
            self.sha.update(chunk)
        return chunk

    def counted(self, size: int) -> None:
        """Called after each read with the total so far, before the bytes are hashed (a
        subclass refuses past its cap there, or beats a heartbeat)."""

    @classmethod
    def over(cls, fileobj) -> 'HashingStream':
        """`fileobj` itself if it is a HashingStream nothing was read from yet, else a new
        one around it (a stream already read from would hash bytes the store never saw)."""
        if isinstance(fileobj, HashingStream) and fileobj.size == 0:
            return fileobj
        return cls(fileobj)


class BlobStore(abc.ABC):
    """Content-addressed, write-once storage of files."""

    @abc.abstractmethod
    def put_stream(
        self, fileobj: BinaryIO, *, max_size: int, check: Callable[[Path], None] | None = None
    ) -> tuple[str, int]:
        """Store the stream; ``check(path)`` may refuse it first. Return (sha256, size)."""

    @abc.abstractmethod
    def open(self, sha256: str) -> BinaryIO:
        """The stored bytes, for reading."""

    @abc.abstractmethod
    def exists(self, sha256: str) -> bool: ...

    @abc.abstractmethod
    def delete(self, sha256: str) -> None:
        """Remove the blob (nothing happens if it is not there). Only for a blob no row refers
        to: a refused upload, a rolled-back document, an orphan found by the sweep."""

    @abc.abstractmethod
    def list_blobs(self) -> Iterator[tuple[str, float]]:
        """(sha256, time it was stored as a POSIX timestamp) of every stored blob."""

    @abc.abstractmethod
    def stored_at(self, sha256: str) -> float | None:
        """When the blob was stored, or last stored again (POSIX timestamp); None if absent."""

    @abc.abstractmethod
    def sweep_incoming(self, *, older_than: float, dry_run: bool = False) -> int:
        """Remove what unfinished uploads left (temp files, multipart uploads) older than
        ``older_than`` seconds; return how many (that would be) removed."""

    def probe(self) -> None:
        """Raise if the store cannot take a write now (/health); leaves nothing behind."""
        raise NotImplementedError


class FileStore(BlobStore):
    """Blobs as files under ``root``, fanned out by the first two hex digits of the hash."""

    def __init__(self, root):
        self.root = Path(root)

    def path(self, sha256: str) -> Path:
        if not SHA256_RE.match(sha256 or ''):
            raise ValueError('not a SHA-256 hex digest')
        return self.root / sha256[:2] / sha256

    def exists(self, sha256: str) -> bool:
        return self.path(sha256).is_file()

    def open(self, sha256: str) -> BinaryIO:
        return self.path(sha256).open('rb')

    def delete(self, sha256: str) -> None:
        path = self.path(sha256)
        with contextlib.suppress(FileNotFoundError):
            path.chmod(0o600)
            path.unlink()

    def stored_at(self, sha256: str) -> float | None:
        try:
            return self.path(sha256).stat().st_mtime
        except FileNotFoundError:
            return None

    def list_blobs(self) -> Iterator[tuple[str, float]]:
        if not self.root.is_dir():
            return
        for fan in sorted(self.root.glob('??')):
            for path in fan.iterdir():
                if SHA256_RE.match(path.name) and path.name.startswith(fan.name):
                    with contextlib.suppress(FileNotFoundError):
                        yield path.name, path.stat().st_mtime

    def probe(self) -> None:
        incoming = self.root / 'incoming'
        _make_dir(incoming)
        fd, name = tempfile.mkstemp(dir=incoming, prefix='probe-')
        try:
            os.write(fd, b'ok')
        finally:
            os.close(fd)
            os.unlink(name)

    def sweep_incoming(self, *, older_than: float, dry_run: bool = False) -> int:
        """Delete temp files of uploads that never finished (a killed process leaves them);
        only those older than ``older_than`` seconds, so live uploads of other workers stay."""
        incoming = self.root / 'incoming'
        if not incoming.is_dir():
            return 0
        cutoff, removed = time.time() - older_than, 0
        for leftover in incoming.glob('up-*'):
            try:
                if leftover.stat().st_mtime < cutoff:
                    if not dry_run:
                        leftover.unlink()
                    removed += 1
            except FileNotFoundError:
                continue  # another worker swept it first
        return removed

    def put_stream(self, fileobj, *, max_size, check=None):
        incoming = self.root / 'incoming'
        _make_dir(incoming)
        fd, tmp_name = tempfile.mkstemp(dir=incoming, prefix='up-')
        tmp = Path(tmp_name)
        try:
            digest, size = _copy_hashing(fileobj, fd, max_size)
            if check is not None:
                check(tmp)
            final = self.path(digest)
            _make_dir(final.parent)
            try:
                # Stored already: touch it, so the orphan sweep sees it as young until the
                # row that refers to it commits (a sweep that removed it first: write it).
                os.utime(final)
                tmp.unlink()
            except FileNotFoundError:
                os.replace(tmp, final)
                _fsync_dir(final.parent)
            return digest, size
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise


def _copy_hashing(fileobj, fd, max_size):
    """Copy in blocks (memory stays flat), hash as we go (once: through the caller's
    `HashingStream` if it gave one), stop past ``max_size``; fsync."""
    stream = HashingStream.over(fileobj)
    with os.fdopen(fd, 'wb') as out:
        while chunk := stream.read(BLOCK):
            if stream.size > max_size:
                raise BlobTooLarge(max_size)
            out.write(chunk)
        out.flush()
        os.fsync(out.fileno())
    return stream.sha.hexdigest(), stream.size


def _make_dir(path):
    """Create ``path`` (and missing parents) durably: each new directory's entry is fsynced in
    its parent, so a blob renamed into a new fan-out directory survives a crash."""
    path = Path(path)
    if path.is_dir():
        return
    _make_dir(path.parent)
    try:
        path.mkdir()
    except FileExistsError:
        return  # made concurrently; its creator syncs the parent
    _fsync_dir(path.parent)


def _fsync_dir(path):
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


STORES: dict[str, Callable[[dict], BlobStore]] = {
    'file': lambda config: FileStore(Path(config['LPSE_DATA_DIR']) / 'blobs'),
    # boto3 is imported only when the S3 store is chosen (the `s3` extra)
    's3': lambda config: importlib.import_module('lpse.storage_s3').from_config(config),
}


def register_store(name: str, factory: Callable[[dict], BlobStore]) -> None:
    """Make ``LPSE_BLOB_STORE = name`` build the store with ``factory(app.config)`` (e.g. an
    S3-compatible store reading its bucket and credentials from the configuration)."""
    STORES[name] = factory


# An unfinished upload older than this is a leftover of a killed process, never a live one.
INCOMING_MAX_AGE = 6 * 3600


def sweep_on_start(app) -> None:
    """At start-up, remove what killed uploads left in the local store's incoming folder, or
    in the S3 store's spool folder on this node (its unfinished multipart uploads are swept by
    `flask lpse blobs-sweep`, which needs the network)."""
    name = app.config.get('LPSE_BLOB_STORE') or 'file'
    if name == 's3':
        removed = importlib.import_module('lpse.storage_s3').sweep_spool(
            app.config, older_than=INCOMING_MAX_AGE
        )
    elif name == 'file' and app.config.get('LPSE_DATA_DIR'):
        removed = FileStore(Path(app.config['LPSE_DATA_DIR']) / 'blobs').sweep_incoming(
            older_than=INCOMING_MAX_AGE
        )
    else:
        return
    if removed:
        log.info('removed %d unfinished upload(s) from the blob store', removed)


def _hash_columns():
    from lpse.extensions import db

    for table in db.metadata.sorted_tables:
        for column in table.columns:
            if column.name.endswith('sha256') and getattr(column.type, 'length', None) == 64:
                yield column


def referenced_hashes(session) -> set[str]:
    """Every hash a row holds in a ``…sha256`` column of 64 characters, in any table: a blob
    named by one of them is referenced. Wider than needed (a rules hash is never a blob), which
    only keeps more; a model added later is covered without a list to maintain."""
    from lpse.extensions import db

    found: set[str] = set()
    for column in _hash_columns():
        found.update(v for v in session.execute(db.select(column).distinct()).scalars() if v)
    return found


def is_referenced(session, sha256: str) -> bool:
    """`referenced_hashes` for one hash, read now (in a fresh transaction)."""
    from lpse.extensions import db

    session.rollback()
    return any(
        session.execute(db.select(column).where(column == sha256).limit(1)).first()
        for column in _hash_columns()
    )


def sweep(
    store: BlobStore,
    referenced: set[str],
    *,
    older_than: float,
    dry_run: bool = False,
    still_unreferenced: Callable[[str], bool] = lambda sha256: True,
):
    """Delete the blobs no row refers to and what unfinished uploads left, all older than
    ``older_than`` seconds (a blob is written before its row commits: a young unreferenced
    blob may be an upload in flight; storing bytes that are there already touches them).
    Right before each delete the row check (``still_unreferenced``) and the age are read
    again. Return (orphans, leftovers) removed or, with ``dry_run``, that would be."""
    cutoff, orphans = time.time() - older_than, []
    for sha256, stored_at in list(store.list_blobs()):
        if sha256 not in referenced and stored_at < cutoff:
            if dry_run:
                orphans.append(sha256)
                continue
            again = store.stored_at(sha256)
            if again is not None and again < cutoff and still_unreferenced(sha256):
                store.delete(sha256)
                orphans.append(sha256)
    leftovers = store.sweep_incoming(older_than=older_than, dry_run=dry_run)
    return orphans, leftovers


def blob_store() -> BlobStore:
    """The application's store, chosen by ``LPSE_BLOB_STORE`` (default 'file': a local folder
    under the data directory). A name registered with `register_store`, or a factory given as
    ``'package.module:callable'``."""
    config = current_app.config
    name = config.get('LPSE_BLOB_STORE') or 'file'
    factory = STORES.get(name)
    if factory is None and ':' in name:
        module, _sep, attr = name.partition(':')
        factory = getattr(importlib.import_module(module), attr)
    if factory is None:
        raise RuntimeError(f'LPSE_BLOB_STORE: unknown blob store {name!r}')
    store = factory(config)
    if not isinstance(store, BlobStore):
        raise RuntimeError(f'LPSE_BLOB_STORE: {name!r} did not give a BlobStore')
    return store


# --- what a file really is, from its bytes -------------------------------------------------

PDF = 'application/pdf'
DOCX = 'application/vnd.openxmlformats-officedocument.wordprocessingml.document'
XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'
PPTX = 'application/vnd.openxmlformats-officedocument.presentationml.presentation'
ODT = 'application/vnd.oasis.opendocument.text'
ODS = 'application/vnd.oasis.opendocument.spreadsheet'
DOC = 'application/msword'
XLS = 'application/vnd.ms-excel'
EXTENSIONS = {
    PDF: 'pdf',
    DOCX: 'docx',
    XLSX: 'xlsx',
    PPTX: 'pptx',
    ODT: 'odt',
    ODS: 'ods',
    DOC: 'doc',
    XLS: 'xls',
}
# The main part each OOXML package declares in [Content_Types].xml (macro-enabled ones differ).
OOXML_MAIN = {
    DOCX: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml',
    XLSX: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml',
    PPTX: 'application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml',
}
OLE2_MAGIC = bytes.fromhex('d0cf11e0a1b11ae1')
MAX_ZIP_ENTRIES = 5000
MAX_MANIFEST = 1024 * 1024


def sniff_document(path: Path) -> str | None:
    """The media type of a PDF or office file judged by its content, or None for anything else.

    The name is never consulted: an executable or HTML page called ``.pdf`` is None."""
    with open(path, 'rb') as f:
        head = f.read(8)
    if head.startswith(b'%PDF-'):
        return PDF
    if head.startswith(b'PK\x03\x04'):
        return _sniff_zip(path)
    if head == OLE2_MAGIC:
        return _sniff_ole2(path)
    return None


def _sniff_zip(path):
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
            if len(infos) > MAX_ZIP_ENTRIES:
                return None
            names = {i.filename: i for i in infos}
            mimetype = names.get('mimetype')
            if mimetype is not None and mimetype.file_size < 100:
                value = archive.read(mimetype).decode('ascii', 'replace').strip()
                return value if value in (ODT, ODS) else None
            manifest = names.get('[Content_Types].xml')
            if manifest is None or manifest.file_size > MAX_MANIFEST:
                return None
            text = archive.read(manifest).decode('utf-8', 'replace')
    except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError):
        return None
    for media_type, main in OOXML_MAIN.items():
        if f'ContentType="{main}"' in text:
            return media_type
    return None


OLE2_FREE, OLE2_END = 0xFFFFFFFF, 0xFFFFFFFE
MAX_DIRECTORY_SECTORS = 1024
LEGACY_STREAMS = {'WordDocument': DOC, 'Workbook': XLS, 'Book': XLS}


def _sniff_ole2(path):
    """A legacy Word or Excel file: its directory must hold a `WordDocument` (Word) or
    `Workbook`/`Book` (Excel) stream. Any other OLE2 file (an .msi, a .msg…) is refused."""
    try:
        names = ole2_stream_names(path)
    except (OSError, ValueError, struct.error):
        return None
    for name, media_type in LEGACY_STREAMS.items():
        if name in names:
            return media_type
    return None


def ole2_stream_names(path) -> set[str]:
    """The names of the streams in an OLE2 (compound file) directory, read by following the
    directory's sector chain through the FAT (MS-CFB §2); ValueError for a malformed file."""
    with open(path, 'rb') as f:
        header = f.read(512)
        if len(header) < 512 or header[:8] != OLE2_MAGIC:
            raise ValueError('not an OLE2 file')
        shift = struct.unpack_from('<H', header, 0x1E)[0]
        if shift not in (9, 12):
            raise ValueError('bad sector size')
        size = 1 << shift
        fat_count, first_dir = struct.unpack_from('<II', header, 0x2C)
        difat = struct.unpack_from('<109I', header, 0x4C)

        def sector(sid):
            f.seek((sid + 1) * size)
            data = f.read(size)
            if len(data) != size:
                raise ValueError('truncated sector')
            return data

        fat = []
        for sid in difat[: min(fat_count, 109)]:
            if sid == OLE2_FREE:
                break
            fat.extend(struct.unpack(f'<{size // 4}I', sector(sid)))
        names, sid, seen = set(), first_dir, 0
        while sid != OLE2_END:
            seen += 1
            if sid >= len(fat) or seen > MAX_DIRECTORY_SECTORS:
                raise ValueError('bad directory chain')
            data = sector(sid)
            for offset in range(0, size, 128):
                length, kind = struct.unpack_from('<HB', data, offset + 64)
                if kind == 2 and 2 <= length <= 64:  # a stream
                    names.add(data[offset : offset + length - 2].decode('utf-16-le', 'replace'))
            sid = fat[sid]
    return names
