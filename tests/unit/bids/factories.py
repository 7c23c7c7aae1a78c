"""Bid dicts, tender terms and a raw ZIP writer that can lie in every header field."""

import struct
import zlib
from dataclasses import dataclass

from lpse.bids.package import BoqLine, TenderTerms

DROP = object()
LOCAL = '<4s5H3L2H'
CENTRAL = '<4s6H3L5H2L'
REGULAR = 0o100644 << 16


def make_bid(**changes) -> dict:
    """A valid single-envelope bid for tender KEMKES-2026-00001 v1; DROP removes a field."""
    bid = {
        'format': 'lpse-bid/1',
        'tender_code': 'KEMKES-2026-00001',
        'tender_version': 1,
        'vendor_npwp': '012345678901000',
        'envelope': 'single',
        'price_lines': [
            {'item': '1', 'quantity': '100', 'unit': 'unit', 'unit_price': '11500000'},
            {'item': '2', 'quantity': '20', 'unit': 'unit', 'unit_price': '14000000.50'},
        ],
        'declared_total': '1430000010',
        'currency': 'IDR',
        'tkdn': '40.5',
        'validity_days': 90,
    }
    bid.update(changes)
    return {k: v for k, v in bid.items() if v is not DROP}


def make_terms(**changes) -> TenderTerms:
    fields = {
        'code': 'KEMKES-2026-00001',
        'version': 1,
        'vendor_npwp': '01.234.567.8-901.000',
        'boq': (BoqLine('1', 'unit'), BoqLine('2', 'Unit'), BoqLine('3', 'ls')),
    }
    return TenderTerms(**(fields | changes))


@dataclass
class Raw:
    """One entry as it will be written, with every field under the test's control."""

    name: str
    data: bytes
    method: int = 0
    flags: int = 0
    external_attr: int = REGULAR
    create_system: int = 3
    file_size: int | None = None  # what the headers claim; None = the truth
    crc: int | None = None


def deflate(data: bytes) -> bytes:
    compressor = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    return compressor.compress(data) + compressor.flush()


def local_header(e: Raw, payload: bytes) -> bytes:
    name = e.name.encode()
    size = len(e.data) if e.file_size is None else e.file_size
    crc = zlib.crc32(e.data) if e.crc is None else e.crc
    fields = (b'PK\x03\x04', 20, e.flags | 0x800, e.method, 0, 0x21, crc, len(payload), size)
    return struct.pack(LOCAL, *fields, len(name), 0) + name


def central_header(e: Raw, payload: bytes, offset: int) -> bytes:
    name = e.name.encode()
    size = len(e.data) if e.file_size is None else e.file_size
    crc = zlib.crc32(e.data) if e.crc is None else e.crc
    fields = (b'PK\x01\x02', (e.create_system << 8) | 20, 20, e.flags | 0x800, e.method, 0, 0x21)
    tail = (len(name), 0, 0, 0, 0, e.external_attr, offset)
    return struct.pack(CENTRAL, *fields, crc, len(payload), size, *tail) + name


def end_record(count: int, cd_size: int, cd_offset: int) -> bytes:
    return struct.pack('<4s4H2LH', b'PK\x05\x06', 0, 0, count, count, cd_size, cd_offset, 0)


def raw_zip(entries: list[Raw]) -> bytes:
    """A ZIP written field by field, so that a test can make any header lie."""
    body, central = bytearray(), bytearray()
    for e in entries:
        payload = deflate(e.data) if e.method == 8 else e.data
        central += central_header(e, payload, len(body))
        body += local_header(e, payload) + payload
    return bytes(body + central + end_record(len(entries), len(central), len(body)))


def overlapping_zip() -> bytes:
    """Two entries whose bytes overlap: "a" (stored) contains the whole local entry "b"."""
    b = Raw('b.pdf', b'%PDF-1.7 inner')
    b_entry = local_header(b, b.data) + b.data
    a = Raw('a.pdf', b_entry)
    a_header = local_header(a, a.data)
    body = a_header + b_entry
    central = central_header(a, a.data, 0) + central_header(b, b.data, len(a_header))
    return body + central + end_record(2, len(central), len(body))
