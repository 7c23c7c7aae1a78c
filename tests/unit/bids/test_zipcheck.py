"""ZIP defences at opening: every hostile archive is made by hand and refused with its code,
without anything being written to disk."""

import bz2
import gzip
import hashlib
import io
import json
import lzma
import os
import struct
import tarfile
import tempfile
import zipfile

import pytest

from lpse.bids.errors import MalformedPackage, UnsafePackage
from lpse.bids.package import read_package
from lpse.bids.zipcheck import MIB, Limits

from .factories import REGULAR, Raw, make_bid, overlapping_zip, raw_zip

PDF = b'%PDF-1.7\n' + b'lampiran ' * 100


@pytest.fixture(autouse=True)
def no_disk(tmp_path, monkeypatch):
    """Run in an empty folder that is also the temp dir; it must still be empty afterwards."""
    work = tmp_path / 'work'
    work.mkdir()
    monkeypatch.chdir(work)
    monkeypatch.setenv('TMPDIR', str(work))
    monkeypatch.setattr(tempfile, 'tempdir', str(work))
    yield
    assert os.listdir(work) == []


def bid_json(files: list[Raw], **listing_changes) -> Raw:
    listing = [
        {'name': f.name, 'sha256': hashlib.sha256(f.data).hexdigest(), 'size': len(f.data)}
        for f in files
    ]
    listing = [dict(item, **listing_changes.get(item['name'], {})) for item in listing]
    return Raw('bid.json', json.dumps(make_bid(attachments=listing)).encode())


def package(*files: Raw, listed: list[Raw] | None = None, **listing_changes) -> bytes:
    return raw_zip([bid_json(files if listed is None else listed, **listing_changes), *files])


def refused(data: bytes, error=UnsafePackage, limits: Limits | None = None) -> str:
    with pytest.raises(error) as exc:
        read_package(data, **({'limits': limits} if limits else {}))
    assert type(exc.value) is error
    return exc.value.code


@pytest.fixture(scope='module')
def zeros_bomb() -> bytes:
    """50 MB of zeros in one deflated entry whose headers claim 1000 bytes."""
    return package(Raw('zeros.pdf', bytes(50 * MIB), method=8, file_size=1000), listed=[])


def test_a_hand_made_valid_package_opens():
    pdf = Raw('surat.pdf', PDF, method=8)
    opened = read_package(package(pdf, Raw('foto.jpg', b'\xff\xd8\xff' + bytes(100))))
    assert opened.attachment('surat.pdf').data == PDF


def test_a_zipfile_deflated_package_opens():
    out = io.BytesIO()
    listing = [{'name': 'a.pdf', 'sha256': hashlib.sha256(PDF).hexdigest(), 'size': len(PDF)}]
    with zipfile.ZipFile(out, 'w', zipfile.ZIP_DEFLATED) as zf:
        zf.writestr('bid.json', json.dumps(make_bid(attachments=listing)))
        zf.writestr('a.pdf', PDF)
    assert read_package(out.getvalue()).attachment('a.pdf').data == PDF


def test_bomb_is_stopped_by_its_ratio_not_its_header(zeros_bomb):
    assert refused(zeros_bomb) == 'compression_ratio'


def test_bomb_is_stopped_by_counting_inflated_bytes(zeros_bomb):
    limits = Limits(max_ratio=10**6, max_total_size=10 * MIB)
    assert refused(zeros_bomb, limits=limits) == 'too_large'


def test_header_lying_about_size_is_caught(zeros_bomb):
    limits = Limits(max_ratio=10**6, max_total_size=100 * MIB)
    assert refused(zeros_bomb, limits=limits) == 'size_mismatch'


def test_ratio_bomb_with_honest_headers():
    assert refused(package(Raw('big.pdf', bytes(5 * MIB), method=8))) == 'compression_ratio'


def test_overlapping_entries():
    assert refused(overlapping_zip()) == 'overlapping_entries'


@pytest.mark.parametrize(
    ('name', 'code'),
    [
        ('../evil', 'parent_path'),
        ('docs/../../evil', 'parent_path'),
        ('/abs', 'absolute_path'),
        ('..\\evil', 'backslash'),
        ('C:evil', 'drive_letter'),
        ('evil\x00.pdf', 'bad_name'),
    ],
)
def test_escaping_names(name, code):
    assert refused(package(Raw(name, PDF), listed=[])) == code


def test_symlink_entry():
    link = Raw('passwd.pdf', b'/etc/passwd', external_attr=0o120777 << 16)
    assert refused(package(link)) == 'symlink'


@pytest.mark.parametrize('kind', [0o010644, 0o020644, 0o060644, 0o140644])
def test_special_files(kind):
    assert refused(package(Raw('odd.pdf', b'x', external_attr=kind << 16))) == 'special_file'


def test_windows_reparse_point():
    assert refused(package(Raw('link.pdf', b'x', create_system=0, external_attr=0x400))) == (
        'special_file'
    )


def _zip_bytes() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, 'w') as zf:
        zf.writestr('inner.pdf', PDF)
    return out.getvalue()


def _tar_bytes() -> bytes:
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode='w', format=tarfile.USTAR_FORMAT) as tf:
        info = tarfile.TarInfo('inner.pdf')
        info.size = len(PDF)
        tf.addfile(info, io.BytesIO(PDF))
    return out.getvalue()


@pytest.mark.parametrize(
    ('name', 'make'),
    [
        ('lampiran.zip', _zip_bytes),
        ('lampiran.pdf.gz', lambda: gzip.compress(PDF, mtime=0)),
        ('disguised.pdf', lambda: gzip.compress(PDF, mtime=0)),
        ('lampiran.bz2', lambda: bz2.compress(PDF)),
        ('lampiran.xz', lambda: lzma.compress(PDF)),
        ('lampiran.tar', _tar_bytes),
        ('lampiran.7z', lambda: b"7z\xbc\xaf'\x1c" + bytes(30)),
        ('lampiran.rar', lambda: b'Rar!\x1a\x07\x01\x00' + bytes(30)),
    ],
)
def test_nested_archives(name, make):
    assert refused(package(Raw(name, make(), method=8))) == 'nested_archive'


def test_too_many_entries():
    files = [Raw(f'{i:03d}.pdf', b'%PDF') for i in range(200)]
    assert refused(package(*files)) == 'too_many_entries'


def test_directory_count_that_lies_is_still_capped():
    files = [Raw(f'{i:03d}.pdf', b'%PDF') for i in range(300)]
    data = bytearray(package(*files))
    data[-14:-10] = struct.pack('<HH', 1, 1)  # the end record now claims one entry
    assert refused(bytes(data)) == 'too_many_entries'


def test_encrypted_entry_flag():
    assert refused(package(Raw('secret.pdf', PDF, flags=0x1))) == 'encrypted_entry'


@pytest.mark.parametrize('second', ['surat.pdf', 'SURAT.pdf'])
def test_duplicate_names(second):
    files = [Raw('surat.pdf', PDF), Raw(second, PDF + b'x')]
    assert refused(package(*files, listed=files[:1])) == 'duplicate_name'


def test_duplicate_bid_json():
    bid = bid_json([])
    assert refused(raw_zip([bid, bid])) == 'duplicate_name'


def test_missing_bid_json():
    assert refused(raw_zip([Raw('surat.pdf', PDF)]), MalformedPackage) == 'missing_bid_json'


def test_attachment_hash_mismatch():
    data = package(Raw('surat.pdf', PDF), **{'surat.pdf': {'sha256': '1' * 64}})
    assert refused(data, MalformedPackage) == 'attachment_mismatch'


def test_attachment_missing_or_unlisted():
    pdf, jpg = Raw('surat.pdf', PDF), Raw('foto.jpg', b'\xff\xd8')
    assert refused(package(pdf, listed=[pdf, jpg]), MalformedPackage) == 'missing_attachment'
    assert refused(package(pdf, jpg, listed=[pdf]), MalformedPackage) == 'unlisted_file'


def test_folder_entries_are_not_part_of_the_format():
    folder = Raw('docs/', b'', external_attr=(0o040755 << 16) | 0x10)
    assert refused(package(folder, listed=[]), MalformedPackage) == 'unexpected_entry'


def test_local_header_naming_another_file():
    data = bytearray(package(Raw('surat.pdf', PDF)))
    name_at = data.index(b'PK\x03\x04', 1) + 30  # the second local header: surat.pdf
    data[name_at : name_at + 9] = b'evil!.pdf'
    assert refused(bytes(data)) == 'header_mismatch'


def test_data_before_the_first_entry():
    assert refused(b'MZ' + bytes(100) + package(Raw('surat.pdf', PDF))) == 'hidden_data'


def test_damaged_entry():
    data = package(Raw('surat.pdf', PDF, crc=12345))
    assert refused(data, MalformedPackage) == 'damaged'


def test_not_a_zip():
    assert refused(b'%PDF-1.7 not a zip', MalformedPackage) == 'not_a_zip'


def test_reasons_are_short_sentences(zeros_bomb):
    with pytest.raises(UnsafePackage) as exc:
        read_package(zeros_bomb)
    assert exc.value.reason.endswith('.') and len(exc.value.reason) < 120
    assert '"zeros.pdf"' in exc.value.reason


def test_regular_external_attr_is_what_the_writer_sets():
    assert REGULAR >> 16 == 0o100644


def test_unsupported_zip_version_is_malformed_not_a_crash():
    data = bytearray(package(Raw('surat.pdf', PDF)))
    central = data.index(b'PK\x01\x02')
    data[central + 6 : central + 8] = struct.pack('<H', 99)  # "version needed to extract" 9.9
    assert refused(bytes(data), MalformedPackage) == 'not_a_zip'
