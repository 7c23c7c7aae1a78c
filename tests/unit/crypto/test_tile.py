"""C2SP tlog-tiles paths: the spec's example and Go sumdb/tlog's tile path seeds."""

import pytest

from lpse.crypto import tile


@pytest.mark.parametrize(
    ('level', 'index', 'width', 'path'),
    [
        (0, 1234067, 256, 'tile/0/x001/x234/067'),  # the spec's example index
        (0, 0, 256, 'tile/0/000'),
        (1, 5, 7, 'tile/1/005.p/7'),
        (63, 999, 255, 'tile/63/999.p/255'),
        (2, 1000, 256, 'tile/2/x001/000'),
        ('entries', 3057500, 1, 'tile/entries/x003/x057/500.p/1'),
        (5, 123456078, 2, 'tile/5/x123/x456/078.p/2'),
    ],
)
def test_paths_round_trip(level, index, width, path):
    assert tile.tile_path(level, index, width) == path
    assert tile.parse_tile_path(path) == (level, index, width)


@pytest.mark.parametrize(
    'path',
    [
        'tile/0/1',  # groups are three digits
        'tile/0/001/002',  # all but the last group start with x
        'tile/0/x000/001',  # no zero leading group
        'tile/0/x001',  # the last group has no x
        'tile/64/000',  # level 0–63
        'tile/01/000',  # no leading zero in the level
        'tile/0/000.p/256',  # a partial tile is narrower than 256
        'tile/0/000.p/0',
        'tile/0/000.p/07',
        'tile/data/000',
        'tile/3/-1/123/456/078',
        'tile/0/000/',
    ],
)
def test_non_canonical_paths_are_refused(path):
    with pytest.raises(ValueError):
        tile.parse_tile_path(path)


@pytest.mark.parametrize(
    ('level', 'index', 'width'),
    [(-1, 0, 256), (64, 0, 256), (0, -1, 256), (0, 0, 0), (0, 0, 257), ('data', 0, 256)],
)
def test_impossible_tiles_have_no_path(level, index, width):
    with pytest.raises(ValueError):
        tile.tile_path(level, index, width)
