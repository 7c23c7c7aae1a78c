"""Reading a bid package at opening without holding its inflated files in memory.

`lpse.bids.package.read_package` keeps every inflated entry (up to 256 MiB a package); an
opening runs several envelopes at once and only needs bid.json, and an attachment download
needs one file. This reader applies the same defences — it calls lpse.bids.zipcheck's own checks
for names, kinds, offsets, overlaps, sizes, ratios, CRC and nested archives — and the same
package rules as read_package, in the same order with the same error codes, but hashes each
entry as a stream and keeps only the bytes asked for (bid.json, and the one wanted attachment)."""

import hashlib
import zipfile
import zlib
from dataclasses import dataclass

from lpse.bids import zipcheck
from lpse.bids.package import BID_JSON, DEFAULT_LIMITS, Attachment, Package, check_entries
from lpse.bids.zipcheck import SNIFF_BYTES, Limits


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
    entries, total = [], 0
    for info, raw in zipcheck.checked_entries(data, limits):
        keep_it = info.orig_filename in keep
        entry = _inflate(info, raw, limits, budget=limits.max_total_size - total, keep=keep_it)
        total += entry.size
        entries.append(entry)
    return entries


def _inflate(info, raw, limits: Limits, *, budget: int, keep: bool) -> Streamed:
    """zipcheck._inflate, hashing as the bytes come out and keeping them only if asked."""
    name = info.orig_filename
    digest, crc, size, head, parts = hashlib.sha256(), 0, 0, b'', []
    for chunk in _pieces(info, raw):
        size += len(chunk)
        zipcheck.check_inflating(name, size, len(raw), limits, budget=budget)
        digest.update(chunk)
        crc = zlib.crc32(chunk, crc)
        if len(head) < SNIFF_BYTES:
            head += bytes(chunk[: SNIFF_BYTES - len(head)])
        if keep:
            parts.append(bytes(chunk))
    zipcheck.check_inflated(info, size, crc, head)
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
    bid, by_name = check_entries(inspect_zip(zip_bytes, limits, keep=keep), limits)
    listed = dict.fromkeys(a['name'] for a in bid['attachments'])
    return Package(
        bid,
        tuple(Attachment(n, by_name[n].data or b'', by_name[n].sha256) for n in listed),
    )
