"""The S3 blob store against a real HTTP S3 endpoint (moto_server, started for these tests
whatever LPSE_TEST_BLOB_STORE says): content-addressed keys, conditional writes, checksums,
multipart uploads aborted and swept, memory flat in the blob size."""

import hashlib
import io
import tracemalloc

import pytest
import s3_helpers

from lpse import storage
from lpse.storage_s3 import MIN_PART, S3Store

MB = 1024 * 1024


@pytest.fixture
def store(tmp_path):
    client = s3_helpers.client()
    return S3Store(
        client,
        s3_helpers.new_bucket(),
        prefix='blobs/',
        part_size=MIN_PART,
        spool_dir=tmp_path / 'spool',
    )


class Generated(io.RawIOBase):
    """``size`` deterministic bytes made as they are read: the test holds no copy of them."""

    def __init__(self, size, seed=b'lpse'):
        self.left, self.counter, self.seed = size, 0, seed
        self.sha = hashlib.sha256()

    def readable(self):
        return True

    def read(self, n=-1):
        n = self.left if n is None or n < 0 else min(n, self.left)
        out = bytearray()
        while len(out) < n:
            out += hashlib.sha256(self.seed + self.counter.to_bytes(8, 'big')).digest()
            self.counter += 1
        data = bytes(out[:n])
        self.left -= len(data)
        self.sha.update(data)
        return data


def objects(store):
    listed = store.client.list_objects_v2(Bucket=store.bucket).get('Contents', [])
    return sorted(o['Key'] for o in listed)


def uploads(store):
    return store.client.list_multipart_uploads(Bucket=store.bucket).get('Uploads', [])


def test_small_blob_round_trip_under_its_hash(store, tmp_path):
    sha, size = store.put_stream(io.BytesIO(b'%PDF-1.7 sealed'), max_size=100)
    assert sha == hashlib.sha256(b'%PDF-1.7 sealed').hexdigest() and size == 15
    assert objects(store) == [f'blobs/{sha}']
    assert store.exists(sha)
    with store.open(sha) as fh:
        assert fh.read() == b'%PDF-1.7 sealed'
    assert [s for s, _at in store.list_blobs()] == [sha]
    assert list((tmp_path / 'spool').iterdir()) == []  # the spool file is gone


def test_multipart_blob_round_trip_and_checksum(store):
    source = Generated(2 * MIN_PART + 12345)
    sha, size = store.put_stream(source, max_size=20 * MB)
    assert sha == source.sha.hexdigest() and size == 2 * MIN_PART + 12345
    digest = hashlib.sha256()
    with store.open(sha) as fh:
        while chunk := fh.read(64 * 1024):
            digest.update(chunk)
    assert digest.hexdigest() == sha
    head = store.client.head_object(Bucket=store.bucket, Key=store.key(sha), ChecksumMode='ENABLED')
    assert head['ContentLength'] == size
    # the server's checksum is the composite of the three parts' SHA-256
    reported = head['ChecksumSHA256'].split('-')[0]
    assert reported != sha and len(reported) == 44
    assert uploads(store) == []


def test_the_same_bytes_twice_are_one_object(store):
    first = store.put_stream(io.BytesIO(b'same'), max_size=10)
    assert store.put_stream(io.BytesIO(b'same'), max_size=10) == first
    assert len(objects(store)) == 1


def test_conditional_write_never_overwrites_other_bytes(store, monkeypatch):
    """Different bytes under a content address (written behind the store's back) are refused,
    and stay as they were for the operator to examine."""
    sha = hashlib.sha256(b'the real bid').hexdigest()
    store.client.put_object(Bucket=store.bucket, Key=store.key(sha), Body=b'tampered')
    with pytest.raises(storage.BlobCorrupt):
        store.put_stream(io.BytesIO(b'the real bid'), max_size=100)
    body = store.client.get_object(Bucket=store.bucket, Key=store.key(sha))['Body'].read()
    assert body == b'tampered'

    # The same when the other write lands between our look and our write: the server refuses
    # ours (If-None-Match: *) and the store finds other bytes there.
    monkeypatch.setattr(store, '_head', lambda key, real=store._head: None)
    with pytest.raises(storage.BlobCorrupt):
        store.put_stream(io.BytesIO(b'the real bid'), max_size=100)
    assert store.client.get_object(Bucket=store.bucket, Key=store.key(sha))['Body'].read() == (
        b'tampered'
    )


def test_a_concurrent_write_of_the_same_bytes_is_success(store, monkeypatch):
    """Two nodes store the same bid: the second's conditional write is refused and that is
    fine, the object holds its bytes."""
    sha, _ = store.put_stream(Generated(MIN_PART + 10), max_size=20 * MB)
    real_head, looks = store._head, []

    def head_missing_first(key):
        looks.append(key)
        return None if len(looks) == 1 else real_head(key)

    monkeypatch.setattr(store, '_head', head_missing_first)
    assert store.put_stream(Generated(MIN_PART + 10), max_size=20 * MB)[0] == sha
    assert len(looks) == 2  # the look before, the look after the refusal
    assert objects(store) == [store.key(sha)] and uploads(store) == []


def test_a_checksum_the_server_reports_differently_is_detected(store):
    """The server says the object it stored has another SHA-256 checksum: refused, and the
    object this write made is removed."""
    hook, answers = 'after-call.s3.HeadObject', []

    def other_checksum(http_response, parsed, **kwargs):
        status = parsed.get('ResponseMetadata', {}).get('HTTPStatusCode')
        answers.append(status)
        if status == 200:
            parsed['ChecksumSHA256'] = hashlib.sha256(b'other bytes').digest().hex()[:44]

    store.client.meta.events.register(hook, other_checksum, unique_id='lpse-test-checksum')
    try:
        with pytest.raises(storage.BlobCorrupt, match='other bytes'):
            store.put_stream(io.BytesIO(b'bytes in flight'), max_size=100)
    finally:
        store.client.meta.events.unregister(hook, unique_id='lpse-test-checksum')
    assert answers == [404, 200]  # absent before the write, checked after it
    assert objects(store) == []


def test_too_large_or_refused_keeps_nothing(store, tmp_path):
    with pytest.raises(storage.BlobTooLarge):
        store.put_stream(Generated(MIN_PART * 2), max_size=MIN_PART)

    def refuse(path):
        assert path.read_bytes() == b'not a pdf'  # the check reads a local spool file
        raise storage.BlobRejected('not a PDF')

    with pytest.raises(storage.BlobRejected):
        store.put_stream(io.BytesIO(b'not a pdf'), max_size=100, check=refuse)
    assert objects(store) == [] and uploads(store) == []
    assert list((tmp_path / 'spool').iterdir()) == []


def test_a_failed_multipart_upload_is_aborted(store, monkeypatch):
    real = store.client.upload_part
    calls = []

    def flaky(**kwargs):
        calls.append(kwargs['PartNumber'])
        if kwargs['PartNumber'] == 2:
            raise ConnectionError('network gone')
        return real(**kwargs)

    monkeypatch.setattr(store.client, 'upload_part', flaky)
    with pytest.raises(ConnectionError):
        store.put_stream(Generated(2 * MIN_PART + 1), max_size=20 * MB)
    assert calls == [1, 2]
    assert uploads(store) == [] and objects(store) == []


def test_incomplete_multipart_uploads_are_swept(store, tmp_path):
    """What a killed process leaves: a multipart upload never completed, a spool file."""
    left = store.client.create_multipart_upload(
        Bucket=store.bucket, Key=store.key('a' * 64), ChecksumAlgorithm='SHA256'
    )
    (tmp_path / 'spool').mkdir()
    (tmp_path / 'spool' / 'up-killed').write_bytes(b'half a bid')
    store.sweep_incoming(older_than=3600)  # (moto dates every upload in 2010: it goes)
    assert (tmp_path / 'spool' / 'up-killed').exists()  # young: may be a live upload
    left = store.client.create_multipart_upload(
        Bucket=store.bucket, Key=store.key('a' * 64), ChecksumAlgorithm='SHA256'
    )
    assert store.sweep_incoming(older_than=0, dry_run=True) == 2
    assert [u['UploadId'] for u in uploads(store)] == [left['UploadId']]
    assert store.sweep_incoming(older_than=0) == 2
    assert uploads(store) == [] and list((tmp_path / 'spool').iterdir()) == []


def test_memory_stays_flat_for_a_20_mb_upload_and_download(store):
    size = 20 * MB
    tracemalloc.start()
    try:
        source = Generated(size)
        sha, stored = store.put_stream(source, max_size=size)
        _current, upload_peak = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        digest = hashlib.sha256()
        with store.open(sha) as fh:
            while chunk := fh.read(64 * 1024):
                digest.update(chunk)
        _current, download_peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert stored == size and digest.hexdigest() == sha == source.sha.hexdigest()
    # a part is 5 MB: holding one part (let alone the blob) in memory would fail these
    assert upload_peak < 4 * MB, upload_peak
    assert download_peak < 4 * MB, download_peak


def test_missing_blob_reads_as_file_not_found(store):
    with pytest.raises(FileNotFoundError):
        store.open('b' * 64)
    assert not store.exists('b' * 64)
    store.delete('b' * 64)  # deleting what is not there is fine
    with pytest.raises(ValueError):
        store.open('../etc/passwd')


def test_probe_leaves_nothing(store):
    store.probe()
    assert objects(store) == []


def test_the_app_builds_the_s3_store_from_its_configuration(app):
    config = s3_helpers.app_config()
    app.config.update(config)
    built = storage.blob_store()
    assert isinstance(built, S3Store)
    assert built.bucket == config['LPSE_S3_BUCKET'] and built.prefix == config['LPSE_S3_PREFIX']
    app.config['LPSE_S3_BUCKET'] = ''
    with pytest.raises(RuntimeError, match='LPSE_S3_BUCKET'):
        storage.blob_store()


def test_the_environment_configures_the_s3_store(monkeypatch):
    from lpse.config import from_environment

    monkeypatch.setenv('LPSE_BLOB_STORE', 's3')
    monkeypatch.setenv('LPSE_S3_BUCKET', 'lpse-blobs')
    monkeypatch.setenv('LPSE_S3_ENDPOINT', 'http://minio.internal:9000')
    monkeypatch.setenv('LPSE_S3_PART_SIZE', str(16 * MB))
    settings = from_environment()
    assert settings['LPSE_BLOB_STORE'] == 's3'
    assert settings['LPSE_S3_BUCKET'] == 'lpse-blobs'
    assert settings['LPSE_S3_PART_SIZE'] == 16 * MB
    monkeypatch.setenv('LPSE_S3_PART_SIZE', '1000')
    with pytest.raises(RuntimeError, match='LPSE_S3_PART_SIZE'):
        from_environment()


def test_a_blob_stored_with_other_parts_is_recognised_as_the_same(store, tmp_path):
    """A node with another part size stored these bytes (another composite checksum): the
    bytes are compared, and they are the same."""
    other = S3Store(store.client, store.bucket, prefix=store.prefix, part_size=MIN_PART + 4096)
    other.spool_dir = tmp_path / 'other-spool'
    sha, _ = other.put_stream(Generated(3 * MIN_PART), max_size=20 * MB)
    assert store.put_stream(Generated(3 * MIN_PART), max_size=20 * MB)[0] == sha
    assert objects(store) == [store.key(sha)]


def test_the_spool_is_swept_when_the_app_starts(tmp_path):
    """A node killed mid-upload leaves a spool file; the next start removes it (no network:
    the bucket named here does not exist), and leaves a live upload's file alone."""
    import os
    import time

    from lpse import create_app

    spool = tmp_path / 'spool'
    spool.mkdir()
    (spool / 'up-killed').write_bytes(b'half a bid')
    old = time.time() - 2 * 24 * 3600
    os.utime(spool / 'up-killed', (old, old))
    (spool / 'up-live').write_bytes(b'being written')
    create_app(
        {
            'SQLALCHEMY_DATABASE_URI': f'sqlite:///{tmp_path / "lpse.db"}',
            'LPSE_DATA_DIR': str(tmp_path / 'data'),
            'LPSE_BLOB_STORE': 's3',
            'LPSE_S3_BUCKET': 'lpse-no-such-bucket',
            'LPSE_S3_ENDPOINT': 'http://127.0.0.1:9',
            'LPSE_S3_SPOOL_DIR': str(spool),
        }
    )
    assert sorted(p.name for p in spool.iterdir()) == ['up-live']
