"""Zero-copy DER headers in a buffer, and skeletons: the same DER with one large primitive value
emptied, so that asn1crypto parses everything around a 10 MB OCTET STRING without copying it.

asn1crypto slices its input at every nesting level (`encoded_data[start:end]` makes a new
`bytes`), so loading a CMS structure that carries a large value copies that value once per
level it sits under, with the GIL held. The opening's fast path instead walks the few headers
down to the large value here, hands asn1crypto the skeleton (every byte around the value
unchanged, the value's own length 0 and its ancestors' lengths shortened to match) and reads the
value itself as a memoryview. Anything that is not in the plain shape the walker expects raises
`Shape`, and the caller falls back to the full parse, so that odd inputs are reported exactly as
before."""

from dataclasses import dataclass

MAX_LENGTH_OCTETS = 4


class Shape(Exception):
    """The bytes are not in the shape the fast path handles (the caller parses them in full)."""


@dataclass(frozen=True)
class Element:
    """One DER element: its one-byte tag, where its header starts, its value starts and it ends."""

    tag: int
    start: int
    value: int
    end: int


def element(buf, pos: int, tag: int, end: int) -> Element:
    """The element at `pos` in `buf` (header bytes must be in `buf`), which must carry the
    one-byte `tag` and a definite length, and end at or before `end`."""
    if pos + 2 > min(end, len(buf)) or buf[pos] != tag or tag & 0x1F == 0x1F:
        raise Shape(f'no element with tag 0x{tag:02x} at byte {pos}')
    first = buf[pos + 1]
    if first < 0x80:
        length, value = first, pos + 2
    else:
        count = first & 0x7F
        if not 0 < count <= MAX_LENGTH_OCTETS or pos + 2 + count > len(buf):
            raise Shape(f'unsupported length at byte {pos}')
        length, value = int.from_bytes(buf[pos + 2 : pos + 2 + count], 'big'), pos + 2 + count
    if value + length > end:
        raise Shape(f'the element at byte {pos} overruns its container')
    return Element(tag, pos, value, value + length)


def encode_length(length: int) -> bytes:
    """A DER length (minimal form)."""
    if length < 0x80:
        return bytes((length,))
    octets = length.to_bytes((length.bit_length() + 7) // 8, 'big')
    return bytes((0x80 | len(octets),)) + octets


def skeleton(head, tail, path: list[Element], target: Element) -> bytes:
    """The DER of `path[0]` with `target`'s value removed: `head` holds the bytes from
    `path[0].start` (0) up to `target.value`, `tail` those from `target.end` to `path[0].end`;
    each element of `path` contains the next, and the last contains `target`."""
    shrink = target.end - target.start - 2  # the target becomes its tag and a zero length
    headers = []
    for outer in reversed(path):  # innermost first: each shrinks by what its content lost
        header = bytes((outer.tag,)) + encode_length(outer.end - outer.value - shrink)
        headers.append(header)
        shrink += (outer.value - outer.start) - len(header)
    out = bytearray()
    pos = 0
    for outer, header in zip(path, reversed(headers), strict=True):
        out += head[pos : outer.start]
        out += header
        pos = outer.value
    out += head[pos : target.start]
    out += bytes((target.tag, 0))
    out += tail
    return bytes(out)
