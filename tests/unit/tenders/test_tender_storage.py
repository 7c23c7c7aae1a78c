"""The blob store and the content check of uploaded documents."""

import hashlib
import io
import struct
import zipfile

import pytest

from lpse import storage

PDF = b'%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj <<>> endobj\n%%EOF\n'
DOCX_TYPES = (
    '<?xml version="1.0"?><Types><Override PartName="/word/document.xml" ContentType="'
    'application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>'
)


def zipped(entries):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, 'w') as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def _entry(name, kind):
    encoded = name.encode('utf-16-le') + b'\0\0'
    return (
        encoded.ljust(64, b'\0')
        + struct.pack('<HBB', len(encoded), kind, 1)
        + struct.pack('<III', 0xFFFFFFFF, 0xFFFFFFFF, 0xFFFFFFFF if kind == 2 else 1)
        + b'\0' * 48
    )


def ole2(stream_name, *, padding=b''):
    """A minimal compound file (MS-CFB v3): sector 0 the FAT, sector 1 the directory with the
    root entry and one stream called ``stream_name``."""
    header = bytearray(512)
    header[:8] = storage.OLE2_MAGIC
    struct.pack_into('<HHHHH', header, 0x18, 0x3E, 3, 0xFFFE, 9, 6)
    struct.pack_into('<III', header, 0x2C, 1, 1, 0)  # 1 FAT sector; directory at sector 1
    struct.pack_into('<I', header, 0x38, 4096)
    struct.pack_into('<IIII', header, 0x3C, 0xFFFFFFFE, 0, 0xFFFFFFFE, 0)
    struct.pack_into('<109I', header, 0x4C, 0, *[0xFFFFFFFF] * 108)
    fat = struct.pack('<128I', 0xFFFFFFFD, 0xFFFFFFFE, *[0xFFFFFFFF] * 126)
    directory = _entry('Root Entry', 5) + _entry(stream_name, 2) + b'\0' * 256
    return bytes(header) + fat + directory + padding


DOCX = zipped({'[Content_Types].xml': DOCX_TYPES, 'word/document.xml': '<w:document/>'})
ODT = zipped({'mimetype': storage.ODT, 'content.xml': '<office:document/>'})


@pytest.mark.parametrize(
    ('data', 'expected'),
    [
        (PDF, storage.PDF),
        (DOCX, storage.DOCX),
        (ODT, storage.ODT),
        (ole2('WordDocument'), storage.DOC),
        (ole2('Workbook'), storage.XLS),
        (b'MZ\x90\x00\x03\x00\x00\x00' + b'\0' * 100, None),  # a Windows executable
        (b'\x7fELF\x02\x01\x01' + b'\0' * 100, None),  # a Linux executable
        (b'<html><script>alert(1)</script></html>', None),
        (b' %PDF-1.4 not at the start', None),
        (zipped({'evil.exe': 'MZ'}), None),  # a plain zip
        (zipped({'[Content_Types].xml': DOCX_TYPES.replace('.main+xml', '.macro+xml')}), None),
        (zipped({'mimetype': 'application/x-shockwave-flash'}), None),
        (b'PK\x03\x04 broken zip', None),
        (ole2('SomethingElse'), None),
        (ole2('Book'), storage.XLS),  # Excel 5/95
        # Any OLE2 file whose *data* merely mentions the name (an .msi, a .msg…) is refused.
        (ole2('Contents', padding='WordDocument'.encode('utf-16-le') * 4), None),
        (ole2('WordDocument')[:600], None),  # truncated: the directory sector is missing
        (storage.OLE2_MAGIC + b'\0' * 504 + 'WordDocument'.encode('utf-16-le'), None),
        (b'', None),
    ],
)
def test_type_is_judged_by_content(tmp_path, data, expected):
    path = tmp_path / 'upload.pdf'  # the name always claims PDF; it must not matter
    path.write_bytes(data)
    assert storage.sniff_document(path) == expected


def test_put_stream_names_the_blob_by_its_sha256(tmp_path):
    store = storage.FileStore(tmp_path)
    digest, size = store.put_stream(io.BytesIO(PDF), max_size=1000)
    assert (digest, size) == (hashlib.sha256(PDF).hexdigest(), len(PDF))
    assert store.exists(digest)
    with store.open(digest) as f:
        assert f.read() == PDF
    assert store.path(digest).parent.name == digest[:2]
    assert list((tmp_path / 'incoming').iterdir()) == []


def test_the_same_content_is_stored_once(tmp_path):
    store = storage.FileStore(tmp_path)
    first = store.put_stream(io.BytesIO(PDF), max_size=1000)
    assert store.put_stream(io.BytesIO(PDF), max_size=1000) == first
    assert len(list(tmp_path.glob('??/*'))) == 1


def test_oversized_streams_leave_nothing(tmp_path):
    store = storage.FileStore(tmp_path)
    with pytest.raises(storage.BlobTooLarge):
        store.put_stream(io.BytesIO(b'x' * 1001), max_size=1000)
    assert list(tmp_path.rglob('*')) == [tmp_path / 'incoming']


def test_a_refused_check_leaves_nothing(tmp_path):
    store = storage.FileStore(tmp_path)

    def refuse(path):
        raise storage.BlobRejected('no')

    with pytest.raises(storage.BlobRejected):
        store.put_stream(io.BytesIO(b'MZ'), max_size=1000, check=refuse)
    assert list(tmp_path.rglob('*')) == [tmp_path / 'incoming']


class CountingStream(io.RawIOBase):
    """A large stream produced on the fly; records the biggest read asked of it."""

    def __init__(self, size):
        self.left, self.largest = size, 0

    def readable(self):
        return True

    def read(self, n=-1):
        self.largest = max(self.largest, n)
        n = self.left if n < 0 else min(n, self.left)
        self.left -= n
        return b'a' * n


def test_streams_are_copied_in_chunks(tmp_path):
    stream = CountingStream(5 * 1024 * 1024)
    _digest, size = storage.FileStore(tmp_path).put_stream(stream, max_size=10 * 1024 * 1024)
    assert size == 5 * 1024 * 1024
    assert 0 < stream.largest <= storage.BLOCK < size  # one block at a time, never the whole


def test_bytes_are_counted_as_they_arrive_not_once_per_block():
    """A block is handed out whole (one hash update, one write), but gathered from CHUNK reads
    with `counted` after each: the upload lock's heartbeat keeps beating on a slow link whose
    1 MiB block takes longer to arrive than the lock lasts."""
    seen = []

    class Watched(storage.HashingStream):
        def counted(self, size):
            seen.append(size)

    stream = CountingStream(storage.BLOCK + 100)
    reader = Watched(stream)
    first = reader.read(storage.CHUNK)
    assert len(first) == storage.BLOCK
    assert stream.largest <= storage.CHUNK
    assert seen == [storage.CHUNK * n for n in range(1, storage.BLOCK // storage.CHUNK + 1)]
    assert reader.read() == b'a' * 100 and reader.read() == b''
    assert reader.size == storage.BLOCK + 100
    assert reader.sha.hexdigest() == hashlib.sha256(b'a' * (storage.BLOCK + 100)).hexdigest()


def test_writes_are_fsynced_before_and_after_the_rename(tmp_path, monkeypatch):
    calls = []
    real_fsync, real_replace = storage.os.fsync, storage.os.replace
    monkeypatch.setattr(storage.os, 'fsync', lambda fd: calls.append('fsync') or real_fsync(fd))
    monkeypatch.setattr(
        storage.os, 'replace', lambda a, b: calls.append('rename') or real_replace(a, b)
    )
    digest = hashlib.sha256(PDF).hexdigest()
    (tmp_path / 'incoming').mkdir()
    (tmp_path / digest[:2]).mkdir()
    storage.FileStore(tmp_path).put_stream(io.BytesIO(PDF), max_size=1000)
    assert calls == ['fsync', 'rename', 'fsync']


def test_a_new_fan_out_directory_is_fsynced_in_its_parent(tmp_path, monkeypatch):
    synced, real_fsync, real_replace = [], storage.os.fsync, storage.os.replace

    def fsync(fd):
        synced.append(storage.os.readlink(f'/proc/self/fd/{fd}'))
        return real_fsync(fd)

    monkeypatch.setattr(storage.os, 'fsync', fsync)
    monkeypatch.setattr(
        storage.os, 'replace', lambda a, b: synced.append('rename') or real_replace(a, b)
    )
    root = tmp_path / 'blobs'
    digest, _size = storage.FileStore(root).put_stream(io.BytesIO(PDF), max_size=1000)
    fan_out = str(root / digest[:2])
    # tmp_path gets blobs/, blobs/ gets incoming/ and the fan-out directory, all before the
    # rename; the fan-out directory gets the blob after it.
    assert synced[synced.index('rename') + 1 :] == [fan_out]
    before = synced[: synced.index('rename')]
    assert before.count(str(root)) == 2 and str(tmp_path) in before


def test_the_store_is_chosen_by_configuration(app, tmp_path):
    class MemoryStore(storage.BlobStore):
        def __init__(self, config):
            self.config = config

        def put_stream(self, fileobj, *, max_size, check=None):
            raise NotImplementedError

        def open(self, sha256):
            raise NotImplementedError

        def exists(self, sha256):
            return False

        def delete(self, sha256):
            raise NotImplementedError

        def list_blobs(self):
            return iter(())

        def stored_at(self, sha256):
            return None

        def sweep_incoming(self, *, older_than, dry_run=False):
            return 0

    app.config.pop('LPSE_BLOB_STORE', None)  # (LPSE_TEST_BLOB_STORE=s3 sets it)
    assert isinstance(storage.blob_store(), storage.FileStore)  # the default: 'file'
    storage.register_store('memory', MemoryStore)
    try:
        app.config['LPSE_BLOB_STORE'] = 'memory'
        assert isinstance(storage.blob_store(), MemoryStore)
        app.config['LPSE_BLOB_STORE'] = 's3-not-installed'
        with pytest.raises(RuntimeError, match='unknown blob store'):
            storage.blob_store()
    finally:
        storage.STORES.pop('memory')
        app.config.pop('LPSE_BLOB_STORE')


@pytest.mark.parametrize('bad', ['../etc/passwd', 'A' * 64, '', 'ab'])
def test_paths_only_from_hex_digests(tmp_path, bad):
    with pytest.raises(ValueError):
        storage.FileStore(tmp_path).path(bad)


def test_the_interface_is_abstract():
    with pytest.raises(TypeError):
        storage.BlobStore()
