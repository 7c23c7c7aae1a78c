"""Tile paths of C2SP tlog-tiles: ``tile/<L>/<N>[.p/<W>]`` and ``tile/entries/<N>[.p/<W>]``.

A full tile holds 256 hashes; <N> is written in 3-digit groups, all but the last prefixed with
``x`` (1234067 → ``x001/x234/067``), and a partial tile of W < 256 hashes adds ``.p/<W>``.
"""

import re

TILE_WIDTH = 256
MAX_LEVEL = 63
ENTRIES = 'entries'
PATH_RE = re.compile(
    r'tile/(?P<level>0|[1-9][0-9]?|entries)/(?P<groups>(?:x[0-9]{3}/)*[0-9]{3})'
    r'(?:\.p/(?P<width>[1-9][0-9]{0,2}))?'
)


def encode_index(index: int) -> str:
    """<N> as zero-padded 3-digit path elements, all but the last starting with x."""
    if index < 0:
        raise ValueError(f'negative tile index {index}')
    groups = [f'{index % 1000:03d}']
    while index >= 1000:
        index //= 1000
        groups.append(f'x{index % 1000:03d}')
    return '/'.join(reversed(groups))


def tile_path(level: int | str, index: int, width: int = TILE_WIDTH) -> str:
    """The path of tile `index` at `level` (0–63, or ENTRIES for an entry bundle)."""
    if level != ENTRIES and not (isinstance(level, int) and 0 <= level <= MAX_LEVEL):
        raise ValueError(f'tile level must be 0–{MAX_LEVEL} or {ENTRIES!r}: {level!r}')
    if not 1 <= width <= TILE_WIDTH:
        raise ValueError(f'tile width must be 1–{TILE_WIDTH}: {width}')
    partial = f'.p/{width}' if width < TILE_WIDTH else ''
    return f'tile/{level}/{encode_index(index)}{partial}'


def parse_tile_path(path: str) -> tuple[int | str, int, int]:
    """(level or ENTRIES, index, width) of a tile path; ValueError unless it is canonical."""
    match = PATH_RE.fullmatch(path)
    if not match:
        raise ValueError(f'not a tile path: {path!r}')
    level_text = match['level']
    level = level_text if level_text == ENTRIES else int(level_text)
    index = int(''.join(group.lstrip('x') for group in match['groups'].split('/')))
    width = int(match['width'] or TILE_WIDTH)
    if tile_path(level, index, width) != path:
        raise ValueError(f'not the canonical tile path: {path!r}')
    return level, index, width
