"""Defensive ZIP inspection at bid opening: everything is checked and inflated in memory.

Nothing is extracted and no header is trusted for sizes: the directory is bounded before
`zipfile` parses it, every entry's local header is located and compared with the directory,
byte ranges must not overlap (the "zip bomb without recursion" trick, which Python 3.11's
`zipfile` does not detect), and entries are inflated here in bounded chunks, counting the bytes
that actually come out against the total, the per-entry ratio and the header's claim."""

import hashlib
import io
import itertools
import re
import stat
import struct
import unicodedata
import zipfile
import zlib
from dataclasses import dataclass

from .errors import MalformedPackage, UnsafePackage

MIB = 1024 * 1024
CHUNK = 64 * 1024
EOCD = b'PK\x05\x06'
ZIP64_LOCATOR = b'PK\x06\x07'
ZIP64_EOCD = b'PK\x06\x06'
LOCAL_HEADER = b'PK\x03\x04'
DESCRIPTOR = b'PK\x07\x08'
LOCAL_HEADER_FORMAT = '<4s5H3L2H'
CD_BYTES_PER_ENTRY = 1024  # 46 fixed + a name of ≤ 255 bytes + ordinary extra fields
FLAG_ENCRYPTED = 0x1
FLAG_DESCRIPTOR = 0x8
FLAG_STRONG_ENCRYPTION = 0x40
FLAG_UTF8 = 0x800
METHOD_WINZIP_AES = 99
DOS_DIRECTORY = 0x10
DOS_REPARSE_POINT = 0x400  # a Windows symbolic link or junction
DRIVE_LETTER = re.compile(r'^[A-Za-z]:')
# (name, offset, magic): archives and compressed streams must not hide inside a bid.
ARCHIVE_MAGIC = (
    ('ZIP', 0, b'PK\x03\x04'),
    ('ZIP', 0, b'PK\x05\x06'),
    ('ZIP', 0, b'PK\x07\x08'),
    ('gzip', 0, b'\x1f\x8b'),
    *(('bzip2', 0, b'BZh' + str(level).encode()) for level in range(1, 10)),
    ('xz', 0, b'\xfd7zXZ\x00'),
    ('7z', 0, b"7z\xbc\xaf'\x1c"),
    ('RAR', 0, b'Rar!\x1a\x07'),
    ('zstd', 0, b'\x28\xb5\x2f\xfd'),
    ('cabinet', 0, b'MSCF\x00\x00\x00\x00'),
    ('tar', 257, b'ustar'),
)
SNIFF_BYTES = 512


@dataclass(frozen=True)
class Limits:
    """Caps applied while inspecting one package (sizes are bytes after inflating)."""

    max_entries: int = 200
    max_total_size: int = 256 * MIB
    max_ratio: int = 100
    ratio_floor: int = 1 * MIB  # entries that inflate to less than this are not ratio-checked
    max_name_bytes: int = 255
    max_bid_json: int = 1 * MIB


@dataclass(frozen=True)
class Entry:
    """One inspected ZIP entry, fully inflated and hashed."""

    name: str
    data: bytes
    sha256: str
    is_dir: bool

    @property
    def size(self) -> int:
        return len(self.data)


@dataclass(frozen=True)
class _Span:
    info: zipfile.ZipInfo
    start: int
    data_start: int
    end: int


def inspect_zip(data: bytes, limits: Limits) -> list[Entry]:
    """Check a ZIP held in memory against every defence and return its inflated entries."""
    entries, total = [], 0
    for info, raw in checked_entries(data, limits):
        entry = _inflate(info, raw, limits, budget=limits.max_total_size - total)
        total += len(entry.data)
        entries.append(entry)
    return entries


def checked_entries(data: bytes, limits: Limits) -> list[tuple[zipfile.ZipInfo, memoryview]]:
    """The checks made before anything is inflated (directory, entry count, names, kinds,
    offsets, overlaps); returns each entry's ZipInfo with a view of its compressed bytes."""
    cd_offset = _check_directory(data, limits)
    try:
        with zipfile.ZipFile(_file(data)) as zf:
            infos = zf.infolist()
    except (zipfile.BadZipFile, NotImplementedError, ValueError, EOFError, struct.error) as exc:
        raise MalformedPackage(
            f'The file is not a readable ZIP archive ({exc}).', code='not_a_zip'
        ) from None
    if len(infos) > limits.max_entries:
        raise _too_many(len(infos), limits)
    seen: dict[str, str] = {}
    for info in infos:
        check_name(info.orig_filename, limits, seen)
        _check_kind(info)
    spans = [_locate(data, info, cd_offset) for info in infos]
    _check_overlap(spans)
    view = memoryview(data)
    return [
        (span.info, view[span.data_start : span.data_start + span.info.compress_size])
        for span in spans
    ]


def check_name(name: str, limits: Limits, seen: dict[str, str]) -> None:
    """Refuse names that escape the target folder or collide once normalised (NFC, caseless)."""
    if not name or len(name.encode('utf-8', 'surrogatepass')) > limits.max_name_bytes:
        raise UnsafePackage(
            f'An entry name is empty or longer than {limits.max_name_bytes} bytes.',
            code='bad_name',
        )
    if any(ord(c) < 32 or ord(c) == 127 for c in name):
        raise UnsafePackage(
            f'The entry name {name!r} contains control characters.', code='bad_name'
        )
    if name.startswith('/'):
        raise UnsafePackage(f'The entry "{name}" has an absolute path.', code='absolute_path')
    if '\\' in name:
        raise UnsafePackage(f'The entry "{name}" contains a backslash.', code='backslash')
    if DRIVE_LETTER.match(name):
        raise UnsafePackage(f'The entry "{name}" starts with a drive letter.', code='drive_letter')
    if '..' in name.split('/'):
        raise UnsafePackage(
            f'The entry "{name}" points outside the package (..).', code='parent_path'
        )
    key = unicodedata.normalize('NFC', name).casefold()
    if key in seen:
        same = 'twice' if seen[key] == name else f'as "{seen[key]}" and "{name}"'
        raise UnsafePackage(f'The name "{name}" appears {same}.', code='duplicate_name')
    seen[key] = name


def _check_directory(data: bytes, limits: Limits) -> int:
    """Bound the central directory before `zipfile` parses it; return where it starts."""
    pos = _rfind(data, EOCD, max(0, len(data) - 22 - 0xFFFF))
    if pos < 0 or len(data) - pos < 22:
        raise MalformedPackage('The file is not a ZIP archive.', code='not_a_zip')
    count, cd_size, cd_offset = struct.unpack('<10xHLL', data[pos : pos + 20])
    cd_end = pos
    if count == 0xFFFF or 0xFFFFFFFF in (cd_size, cd_offset):
        locator = bytes(data[pos - 20 : pos]) if pos >= 20 else b''
        if not locator.startswith(ZIP64_LOCATOR):
            raise MalformedPackage('The ZIP64 directory locator is missing.', code='not_a_zip')
        (cd_end,) = struct.unpack('<8xQ4x', locator[:20])
        record = bytes(data[cd_end : cd_end + 56])
        if len(record) < 56 or not record.startswith(ZIP64_EOCD):
            raise MalformedPackage('The ZIP64 directory record is missing.', code='not_a_zip')
        count, cd_size, cd_offset = struct.unpack('<32xQQQ', record)
    if count > limits.max_entries:
        raise _too_many(count, limits)
    if cd_size > limits.max_entries * CD_BYTES_PER_ENTRY:
        raise UnsafePackage(
            f'The ZIP directory is {cd_size} bytes, far more than its entries need.',
            code='too_many_entries',
        )
    if cd_offset + cd_size != cd_end:
        raise UnsafePackage(
            'The ZIP has data before its first entry or inside its directory.',
            code='hidden_data',
        )
    return cd_offset


def _rfind(data, sub: bytes, start: int) -> int:
    """bytes.rfind, also for a memoryview (copying only the searched tail)."""
    if not isinstance(data, memoryview):
        return data.rfind(sub, start)
    found = bytes(data[start:]).rfind(sub)
    return found + start if found >= 0 else -1


def _file(data):
    """The package as a file for zipfile: io.BytesIO over bytes (no copy), _ViewFile over a
    memoryview (io.BytesIO would copy it)."""
    return _ViewFile(data) if isinstance(data, memoryview) else io.BytesIO(data)


class _ViewFile:
    """A read-only file over a memoryview that reads and seeks as io.BytesIO does."""

    def __init__(self, view: memoryview):
        self._view, self._pos = view, 0

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._pos

    def seek(self, offset: int, whence: int = 0) -> int:
        if whence == 0:
            if offset < 0:
                raise ValueError(f'negative seek value {offset}')
            self._pos = offset
        elif whence == 1:
            self._pos = max(0, self._pos + offset)
        elif whence == 2:
            self._pos = max(0, len(self._view) + offset)
        else:
            raise ValueError(f'invalid whence ({whence}, should be 0, 1 or 2)')
        return self._pos

    def read(self, size: int | None = -1) -> bytes:
        end = len(self._view) if size is None or size < 0 else self._pos + size
        data = bytes(self._view[self._pos : end]) if end > self._pos else b''
        self._pos = max(self._pos, min(end, len(self._view)))
        return data

    def close(self) -> None:
        pass


def _too_many(count: int, limits: Limits) -> UnsafePackage:
    return UnsafePackage(
        f'The package has {count} entries; at most {limits.max_entries} are allowed.',
        code='too_many_entries',
    )


def _check_kind(info: zipfile.ZipInfo) -> None:
    name = info.orig_filename
    if info.flag_bits & (FLAG_ENCRYPTED | FLAG_STRONG_ENCRYPTION) or (
        info.compress_type == METHOD_WINZIP_AES
    ):
        raise UnsafePackage(f'The entry "{name}" is encrypted.', code='encrypted_entry')
    kind = stat.S_IFMT(info.external_attr >> 16)
    if kind == stat.S_IFLNK:
        raise UnsafePackage(f'The entry "{name}" is a symbolic link.', code='symlink')
    if kind not in (0, stat.S_IFREG, stat.S_IFDIR) or info.external_attr & DOS_REPARSE_POINT:
        raise UnsafePackage(
            f'The entry "{name}" is a special file, not a regular file.', code='special_file'
        )
    if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        raise MalformedPackage(
            f'The entry "{name}" uses compression method {info.compress_type}; '
            'only stored and deflate are accepted.',
            code='unsupported_compression',
        )


def _locate(data: bytes, info: zipfile.ZipInfo, cd_offset: int) -> _Span:
    """Find an entry's local header and data, and require them to agree with the directory."""
    name, start = info.orig_filename, info.header_offset
    header = bytes(data[start : start + 30])
    if len(header) < 30 or not header.startswith(LOCAL_HEADER):
        raise UnsafePackage(
            f'The entry "{name}" points to bytes that are not a ZIP entry.', code='bad_offset'
        )
    _, _, flags, method, _, _, _, _, _, name_len, extra_len = struct.unpack(
        LOCAL_HEADER_FORMAT, header
    )
    raw_name = bytes(data[start + 30 : start + 30 + name_len])
    local_name = raw_name.decode('utf-8' if flags & FLAG_UTF8 else 'cp437', 'replace')
    if local_name != name or method != info.compress_type:
        raise UnsafePackage(
            f'The entry "{name}" has a different name or method in its local header.',
            code='header_mismatch',
        )
    if flags & (FLAG_ENCRYPTED | FLAG_STRONG_ENCRYPTION):
        raise UnsafePackage(f'The entry "{name}" is encrypted.', code='encrypted_entry')
    data_start = start + 30 + name_len + extra_len
    end = data_start + info.compress_size
    if flags & FLAG_DESCRIPTOR:
        zip64 = max(info.compress_size, info.file_size) >= 0xFFFFFFFF
        end += (20 if zip64 else 12) + (4 if bytes(data[end : end + 4]) == DESCRIPTOR else 0)
    if end > cd_offset:
        raise UnsafePackage(
            f'The entry "{name}" runs past the end of the entry area.', code='bad_offset'
        )
    return _Span(info, start, data_start, end)


def _check_overlap(spans: list[_Span]) -> None:
    ordered = sorted(spans, key=lambda s: s.start)
    for before, after in itertools.pairwise(ordered):
        if after.start < before.end:
            raise UnsafePackage(
                f'The entries "{before.info.orig_filename}" and "{after.info.orig_filename}" '
                'overlap (a zip-bomb trick).',
                code='overlapping_entries',
            )


def _inflate(info: zipfile.ZipInfo, raw: memoryview, limits: Limits, *, budget: int) -> Entry:
    """Inflate one entry, counting real output bytes against the caps as they come out."""
    name = info.orig_filename
    digest, crc, size, parts = hashlib.sha256(), 0, 0, []
    for chunk in _chunks(info, raw):
        size += len(chunk)
        check_inflating(name, size, len(raw), limits, budget=budget)
        digest.update(chunk)
        crc = zlib.crc32(chunk, crc)
        parts.append(chunk)
    content = b''.join(parts)
    check_inflated(info, size, crc, content[:SNIFF_BYTES])
    return Entry(name, content, digest.hexdigest(), info.is_dir() or _dos_dir(info))


def check_inflating(name: str, size: int, raw_size: int, limits: Limits, *, budget: int) -> None:
    """Stop an entry as soon as its inflated `size` so far passes the package's remaining
    `budget` or the compression-ratio cap (`raw_size` is its compressed size)."""
    if size > budget:
        raise UnsafePackage(
            f'The package inflates to more than {limits.max_total_size // MIB} MB '
            f'(stopped in "{name}").',
            code='too_large',
        )
    if size > limits.ratio_floor and size > limits.max_ratio * max(raw_size, 1):
        raise UnsafePackage(
            f'The entry "{name}" inflates more than {limits.max_ratio} times its '
            'compressed size (a zip bomb).',
            code='compression_ratio',
        )


def check_inflated(info: zipfile.ZipInfo, size: int, crc: int, head: bytes) -> None:
    """Once an entry is inflated: its size and CRC must match the header, and its first bytes
    (`head`, up to SNIFF_BYTES) must not be another archive."""
    name = info.orig_filename
    if size != info.file_size:
        raise UnsafePackage(
            f'The entry "{name}" inflates to {size} bytes, but its header says {info.file_size}.',
            code='size_mismatch',
        )
    if crc != info.CRC:
        raise MalformedPackage(f'The entry "{name}" is damaged (CRC mismatch).', code='damaged')
    archive = _archive_kind(head)
    if archive:
        raise UnsafePackage(
            f'The entry "{name}" is a {archive} archive; archives inside a bid are not accepted.',
            code='nested_archive',
        )


def _chunks(info: zipfile.ZipInfo, raw: memoryview):
    """Yield the entry's plain bytes in pieces of at most CHUNK bytes."""
    if info.compress_type == zipfile.ZIP_STORED:
        for pos in range(0, len(raw), CHUNK):
            yield bytes(raw[pos : pos + CHUNK])
        return
    inflater = zlib.decompressobj(-zlib.MAX_WBITS)
    try:
        for pos in range(0, len(raw), CHUNK):
            pending = bytes(raw[pos : pos + CHUNK])
            while pending:
                out = inflater.decompress(pending, CHUNK)
                pending = inflater.unconsumed_tail
                if out:
                    yield out
        tail = inflater.flush()
    except zlib.error as exc:
        raise MalformedPackage(
            f'The entry "{info.orig_filename}" is damaged ({exc}).', code='damaged'
        ) from None
    if tail:
        yield tail
    if not inflater.eof or inflater.unused_data:
        raise MalformedPackage(
            f'The entry "{info.orig_filename}" is damaged (its compressed data is truncated '
            'or has extra bytes).',
            code='damaged',
        )


def _archive_kind(head: bytes) -> str | None:
    for kind, offset, magic in ARCHIVE_MAGIC:
        if head[offset : offset + len(magic)] == magic:
            return kind
    return None


def _dos_dir(info: zipfile.ZipInfo) -> bool:
    return bool(info.external_attr & DOS_DIRECTORY)
