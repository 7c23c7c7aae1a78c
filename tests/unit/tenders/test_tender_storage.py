"""The blob store and the content check of uploaded documents."""

import hashlib
import io
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


def ole2(stream_name):
    return storage.OLE2_MAGIC + b'\0' * 504 + stream_name.encode('utf-16-le') + b'\0' * 64


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
    assert 0 < stream.largest <= storage.CHUNK


def test_writes_are_fsynced_before_and_after_the_rename(tmp_path, monkeypatch):
    calls = []
    real_fsync, real_replace = storage.os.fsync, storage.os.replace
    monkeypatch.setattr(storage.os, 'fsync', lambda fd: calls.append('fsync') or real_fsync(fd))
    monkeypatch.setattr(
        storage.os, 'replace', lambda a, b: calls.append('rename') or real_replace(a, b)
    )
    storage.FileStore(tmp_path).put_stream(io.BytesIO(PDF), max_size=1000)
    assert calls == ['fsync', 'rename', 'fsync']


@pytest.mark.parametrize('bad', ['../etc/passwd', 'A' * 64, '', 'ab'])
def test_paths_only_from_hex_digests(tmp_path, bad):
    with pytest.raises(ValueError):
        storage.FileStore(tmp_path).path(bad)


def test_the_interface_is_abstract():
    with pytest.raises(TypeError):
        storage.BlobStore()
