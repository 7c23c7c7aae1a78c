"""The blob store: immutable files named by their SHA-256 (ARCHITECTURE §4, §7).

`FileStore` keeps blobs under ``LPSE_DATA_DIR/blobs``; an S3-compatible store implements the
same `BlobStore` interface. Writes stream in chunks to a temporary file on the same file system,
are checked, fsynced, renamed to their hash and the directory fsynced, so a blob that was
acknowledged is never lost and a rejected upload leaves nothing behind.
"""

import abc
import hashlib
import os
import re
import tempfile
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

from flask import current_app

CHUNK = 64 * 1024
SHA256_RE = re.compile(r'^[0-9a-f]{64}$')


class BlobTooLarge(ValueError):
    """The stream passed the size limit; nothing was stored."""

    def __init__(self, max_size):
        super().__init__(f'larger than {max_size} bytes')
        self.max_size = max_size


class BlobRejected(ValueError):
    """The content check refused the stream; nothing was stored."""


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

    def put_stream(self, fileobj, *, max_size, check=None):
        incoming = self.root / 'incoming'
        incoming.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(dir=incoming, prefix='up-')
        tmp = Path(tmp_name)
        try:
            digest, size = _copy_hashing(fileobj, fd, max_size)
            if check is not None:
                check(tmp)
            final = self.path(digest)
            final.parent.mkdir(parents=True, exist_ok=True)
            if final.exists():
                tmp.unlink()
            else:
                os.replace(tmp, final)
                _fsync_dir(final.parent)
            return digest, size
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise


def _copy_hashing(fileobj, fd, max_size):
    """Copy in chunks (memory stays flat), hash as we go, stop past ``max_size``; fsync."""
    sha, size = hashlib.sha256(), 0
    with os.fdopen(fd, 'wb') as out:
        while chunk := fileobj.read(CHUNK):
            size += len(chunk)
            if size > max_size:
                raise BlobTooLarge(max_size)
            sha.update(chunk)
            out.write(chunk)
        out.flush()
        os.fsync(out.fileno())
    return sha.hexdigest(), size


def _fsync_dir(path):
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def blob_store() -> BlobStore:
    """The application's store (a local folder under the data directory)."""
    return FileStore(Path(current_app.config['LPSE_DATA_DIR']) / 'blobs')


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


def _sniff_ole2(path):
    """A legacy Word or Excel file: the stream names sit in the directory sectors."""
    with open(path, 'rb') as f:
        data = f.read(4 * 1024 * 1024)
    if 'WordDocument'.encode('utf-16-le') in data:
        return DOC
    if 'Workbook'.encode('utf-16-le') in data or 'Book'.encode('utf-16-le') + b'\0\0' in data:
        return XLS
    return None
