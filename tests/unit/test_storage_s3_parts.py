"""The S3 store's pure pieces: the spool copy's part hashes, the composite checksum S3 reports,
and the part slices botocore sends (and rewinds on a retry)."""

import base64
import hashlib
import io
import os

import pytest

from lpse import storage
from lpse.storage_s3 import MIN_PART, S3Store, _Slice, _spool


def spooled(tmp_path, data, part):
    fd = os.open(tmp_path / 'spool', os.O_CREAT | os.O_WRONLY, 0o600)
    return _spool(io.BytesIO(data), fd, max_size=len(data) + 1, part_size=part)


@pytest.mark.parametrize(
    ('size', 'count'), [(0, 1), (1, 1), (MIN_PART, 1), (MIN_PART + 1, 2), (3 * MIN_PART, 3)]
)
def test_the_spool_copy_hashes_each_part(tmp_path, size, count):
    data = os.urandom(size)
    result = spooled(tmp_path, data, MIN_PART)
    assert result.sha256 == hashlib.sha256(data).hexdigest() and result.size == size
    expected = [
        hashlib.sha256(data[i : i + MIN_PART]).digest() for i in range(0, max(size, 1), MIN_PART)
    ]
    assert result.parts == expected and len(result.parts) == count
    assert (tmp_path / 'spool').read_bytes() == data


def test_the_spool_copy_stops_past_the_limit(tmp_path):
    fd = os.open(tmp_path / 'spool', os.O_CREAT | os.O_WRONLY, 0o600)
    with pytest.raises(storage.BlobTooLarge):
        _spool(io.BytesIO(b'x' * 100), fd, max_size=99, part_size=MIN_PART)


def test_the_checksum_s3_reports():
    store = S3Store(client=None, bucket='b', part_size=MIN_PART)
    one = hashlib.sha256(b'one').digest()
    two = hashlib.sha256(b'two').digest()
    assert store.expected_checksum([one]) == base64.b64encode(one).decode()
    composite = base64.b64encode(hashlib.sha256(one + two).digest()).decode()
    assert store.expected_checksum([one, two]) == f'{composite}-2'


def test_a_slice_reads_its_bytes_and_rewinds():
    fh = io.BytesIO(b'0123456789')
    part = _Slice(fh, 3, 4)
    assert len(part) == 4 and part.read(2) == b'34' and part.tell() == 2
    assert part.read() == b'56' and part.read() == b''
    part.seek(0)
    assert part.read(100) == b'3456'
    part.seek(-1, os.SEEK_END)
    assert part.read() == b'6'
    buffer = bytearray(3)
    part.seek(1)
    assert part.readinto(buffer) == 3 and bytes(buffer) == b'456'


def test_a_part_smaller_than_s3_allows_is_refused():
    with pytest.raises(ValueError, match='LPSE_S3_PART_SIZE'):
        S3Store(client=None, bucket='b', part_size=MIN_PART - 1)
