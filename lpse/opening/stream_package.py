"""Reading a bid package at opening without holding its inflated files in memory.

`lpse.bids.package.read_package` keeps every inflated entry (up to 256 MiB a package); an
opening runs several envelopes at once and only needs bid.json, and an attachment download
needs one file. This reader applies the same defences — it calls lpse.bids.zipcheck's own checks
for names, kinds, offsets, overlaps, sizes, ratios, CRC and nested archives — and the same
package rules as read_package, in the same order with the same error codes, but hashes each
entry as a stream and keeps only the bytes asked for (bid.json, and the one wanted attachment)."""

import hashlib
import io
import struct
import zipfile
import zlib
from dataclasses import dataclass

from lpse.bids import zipcheck
from lpse.bids.errors import MalformedPackage, UnsafePackage
from lpse.bids.package import BID_JSON, DEFAULT_LIMITS, Attachment, Package
from lpse.bids.validation import load_bid_json, validate_bid
from lpse.bids.zipcheck import MIB, SNIFF_BYTES, Limits


@dataclass(frozen=True)
class Streamed:
    """One inspected entry: its size and SHA-256, and its bytes only when they were kept."""

    name: str
    size: int
    sha256: str
    is_dir: bool
    data: bytes | None


def inspect_zip(data: bytes, limits: Limits, *, keep: frozenset[str]) -> list[Streamed]:
    """zipcheck.inspect_zip, keeping the inflated bytes only of the entries named in `keep`."""
    cd_offset = zipcheck._check_directory(data, limits)
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            infos = zf.infolist()
    except (zipfile.BadZipFile, NotImplementedError, ValueError, EOFError, struct.error) as exc:
        raise MalformedPackage(
            f'The file is not a readable ZIP archive ({exc}).', code='not_a_zip'
        ) from None
    if len(infos) > limits.max_entries:
        raise zipcheck._too_many(len(infos), limits)
    seen: dict[str, str] = {}
    for info in infos:
        zipcheck.check_name(info.orig_filename, limits, seen)
        zipcheck._check_kind(info)
    spans = [zipcheck._locate(data, info, cd_offset) for info in infos]
    zipcheck._check_overlap(spans)
    entries, total = [], 0
    view = memoryview(data)
    for span in spans:
        raw = view[span.data_start : span.data_start + span.info.compress_size]
        keep_it = span.info.orig_filename in keep
        entry = _inflate(span.info, raw, limits, budget=limits.max_total_size - total, keep=keep_it)
        total += entry.size
        entries.append(entry)
    return entries


def _inflate(info, raw, limits: Limits, *, budget: int, keep: bool) -> Streamed:
    """zipcheck._inflate, hashing as the bytes come out and keeping them only if asked."""
    name = info.orig_filename
    digest, crc, size, head, parts = hashlib.sha256(), 0, 0, b'', []
    for chunk in _pieces(info, raw):
        size += len(chunk)
        if size > budget:
            raise UnsafePackage(
                f'The package inflates to more than {limits.max_total_size // MIB} MB '
                f'(stopped in "{name}").',
                code='too_large',
            )
        if size > limits.ratio_floor and size > limits.max_ratio * max(len(raw), 1):
            raise UnsafePackage(
                f'The entry "{name}" inflates more than {limits.max_ratio} times its '
                'compressed size (a zip bomb).',
                code='compression_ratio',
            )
        digest.update(chunk)
        crc = zlib.crc32(chunk, crc)
        if len(head) < SNIFF_BYTES:
            head += bytes(chunk[: SNIFF_BYTES - len(head)])
        if keep:
            parts.append(bytes(chunk))
    if size != info.file_size:
        raise UnsafePackage(
            f'The entry "{name}" inflates to {size} bytes, but its header says {info.file_size}.',
            code='size_mismatch',
        )
    if crc != info.CRC:
        raise MalformedPackage(f'The entry "{name}" is damaged (CRC mismatch).', code='damaged')
    archive = zipcheck._archive_kind(head)
    if archive:
        raise UnsafePackage(
            f'The entry "{name}" is a {archive} archive; archives inside a bid are not accepted.',
            code='nested_archive',
        )
    return Streamed(
        name,
        size,
        digest.hexdigest(),
        info.is_dir() or zipcheck._dos_dir(info),
        b''.join(parts) if keep else None,
    )


STORED_PIECE = 1024 * 1024


def _pieces(info, raw: memoryview):
    """The entry's plain bytes: a stored entry as views into the package (no copy; hashlib and
    zlib.crc32 read them in place), a deflated one through zipcheck's bounded inflater."""
    if info.compress_type == zipfile.ZIP_STORED:
        for pos in range(0, len(raw), STORED_PIECE):
            yield raw[pos : pos + STORED_PIECE]
        return
    yield from zipcheck._chunks(info, raw)


def read_package(
    zip_bytes: bytes, *, want: str | None = None, limits: Limits = DEFAULT_LIMITS
) -> Package:
    """lpse.bids.package.read_package without the attachments' bytes: every check is made,
    but only the attachment named `want` (if any) carries its data; the others carry b''."""
    keep = frozenset({BID_JSON} | ({want} if want else set()))
    entries = inspect_zip(zip_bytes, limits, keep=keep)
    for entry in entries:
        if entry.is_dir or '/' in entry.name:
            raise MalformedPackage(
                f'The package has a folder entry "{entry.name}"; files sit at its top level.',
                code='unexpected_entry',
            )
    by_name = {entry.name: entry for entry in entries}
    if BID_JSON not in by_name:
        raise MalformedPackage('The package has no bid.json.', code='missing_bid_json')
    if by_name[BID_JSON].size > limits.max_bid_json:
        raise MalformedPackage(
            f'bid.json is larger than {limits.max_bid_json} bytes.', code='bid_json_too_large'
        )
    bid = load_bid_json(by_name[BID_JSON].data)
    validate_bid(bid)
    listed = {a['name']: a for a in bid['attachments']}
    for name in listed:
        if name not in by_name:
            raise MalformedPackage(
                f'The attachment "{name}" listed in bid.json is missing from the package.',
                code='missing_attachment',
            )
    for name in by_name:
        if name != BID_JSON and name not in listed:
            raise MalformedPackage(
                f'The file "{name}" is in the package but not listed in bid.json.',
                code='unlisted_file',
            )
    for name, listing in listed.items():
        entry = by_name[name]
        if entry.size != listing['size'] or entry.sha256 != listing['sha256']:
            raise MalformedPackage(
                f'The attachment "{name}" does not match the SHA-256 and size in bid.json.',
                code='attachment_mismatch',
            )
    return Package(
        bid,
        tuple(Attachment(n, by_name[n].data or b'', by_name[n].sha256) for n in listed),
    )
