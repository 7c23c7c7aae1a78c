"""`lpse seal` end to end, with an OpenSSL cross-check of what it writes."""

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from lpse.bids.package import read_package
from lpse.console import main
from lpse.crypto.envelope import open_envelope, verify_signed_data

from .conftest import PASSPHRASE
from .factories import make_bid

LPSE = Path(sys.executable).with_name('lpse')
DECRYPT = ['openssl', 'cms', '-decrypt', '-binary', '-inform', 'DER']
VERIFY = ['openssl', 'cms', '-verify', '-binary', '-inform', 'DER']
PDF = b'%PDF-1.7\n' + b'surat penawaran harga ' * 500


@pytest.fixture
def bid_dir(tmp_path, monkeypatch):
    monkeypatch.delenv('LPSE_KEY_PASSPHRASE', raising=False)
    (tmp_path / 'bid.json').write_text(json.dumps(make_bid(), indent=2), encoding='utf-8')
    (tmp_path / 'surat.pdf').write_bytes(PDF)
    (tmp_path / 'foto.jpg').write_bytes(b'\xff\xd8\xff\xe0' + os.urandom(3000))
    return tmp_path


def seal_args(files, d: Path, **changes) -> list[str]:
    options = {
        '--tender-cert': files.tender_cert,
        '--key': files.vendor_key,
        '--cert': files.vendor_cert,
        '--bid': d / 'bid.json',
        '--passphrase-file': files.passphrase,
        '-o': d / 'bid.p7m',
    } | changes
    args = ['seal']
    for option, value in options.items():
        if value is not None:
            args += [option, str(value)]
    return [*args, '--attach', str(d / 'surat.pdf'), str(d / 'foto.jpg')]


def openssl_open(files, p7m: Path) -> bytes:
    """What an auditor does with the published tender key: decrypt, then verify the signature."""
    recipient = ['-recip', str(files.tender_cert), '-inkey', str(files.tender_key)]
    signed = subprocess.run(
        [*DECRYPT, '-in', str(p7m), *recipient],
        check=True,
        capture_output=True,
    ).stdout
    verified = subprocess.run(
        [*VERIFY, '-CAfile', str(files.ca), '-purpose', 'any'],
        input=signed,
        check=True,
        capture_output=True,
    )
    assert b'Verification successful' in verified.stderr
    return verified.stdout


def assert_is_our_bid(package_zip: bytes, d: Path) -> None:
    package = read_package(package_zip)
    assert package.bid['tender_code'] == 'KEMKES-2026-00001'
    assert package.attachment('surat.pdf').data == PDF
    assert package.attachment('foto.jpg').data == (d / 'foto.jpg').read_bytes()


def test_seal_via_main_then_openssl(pki_files, bid_dir, capsys, tender, ca):
    assert main(seal_args(pki_files, bid_dir)) == 0
    sealed = (bid_dir / 'bid.p7m').read_bytes()
    out = capsys.readouterr().out
    assert hashlib.sha256(sealed).hexdigest() in out
    assert f'{len(sealed)} bytes' in out
    package_zip = openssl_open(pki_files, bid_dir / 'bid.p7m')
    assert_is_our_bid(package_zip, bid_dir)
    ours = verify_signed_data(open_envelope(sealed, tender.key), ca_cert=ca.cert)
    assert ours.content == package_zip
    assert sorted(p.name for p in bid_dir.iterdir()) == [
        'bid.json',
        'bid.p7m',
        'bid.p7m.sig',
        'foto.jpg',
        'surat.pdf',
    ]


def test_seal_via_console_script_then_openssl(pki_files, bid_dir):
    env = dict(os.environ, LPSE_KEY_PASSPHRASE=PASSPHRASE)
    args = seal_args(pki_files, bid_dir, **{'--passphrase-file': None})
    result = subprocess.run([str(LPSE), *args], capture_output=True, text=True, env=env)
    assert result.returncode == 0, result.stderr
    assert 'SHA-256' in result.stdout
    assert_is_our_bid(openssl_open(pki_files, bid_dir / 'bid.p7m'), bid_dir)


def test_progress_is_shown_for_large_files(pki_files, bid_dir, capsys):
    (bid_dir / 'surat.pdf').write_bytes(b'%PDF-1.7\n' + os.urandom(6 * 1024 * 1024))
    assert main(seal_args(pki_files, bid_dir)) == 0
    err = capsys.readouterr().err
    assert 'reading surat.pdf: 100%' in err
    assert 'writing bid.p7m: 100%' in err


def refused(args, capsys, d: Path) -> str:
    assert main(args) == 2
    assert not (d / 'bid.p7m').exists()
    assert not [p for p in d.iterdir() if p.name.endswith('.tmp')]
    return capsys.readouterr().err


def test_wrong_passphrase(pki_files, bid_dir, capsys, tmp_path):
    wrong = tmp_path / 'wrong.txt'
    wrong.write_text('not the passphrase', encoding='utf-8')
    err = refused(seal_args(pki_files, bid_dir, **{'--passphrase-file': wrong}), capsys, bid_dir)
    assert 'wrong passphrase' in err


def test_passphrase_from_environment(pki_files, bid_dir, monkeypatch):
    monkeypatch.setenv('LPSE_KEY_PASSPHRASE', PASSPHRASE)
    assert main(seal_args(pki_files, bid_dir, **{'--passphrase-file': None})) == 0


def test_key_not_matching_certificate(pki_files, bid_dir, capsys):
    err = refused(seal_args(pki_files, bid_dir, **{'--key': pki_files.other_key}), capsys, bid_dir)
    assert 'does not belong to the certificate' in err


@pytest.mark.parametrize('cert', ['pokja_cert', 'vendor_cert'])
def test_tender_certificate_must_be_a_tender_certificate(pki_files, bid_dir, capsys, cert):
    args = seal_args(pki_files, bid_dir, **{'--tender-cert': getattr(pki_files, cert)})
    assert 'is not a tender certificate' in refused(args, capsys, bid_dir)


def test_invalid_bid_names_every_path(pki_files, bid_dir, capsys):
    bad = make_bid(tkdn='120', declared_total=1000.5)
    (bid_dir / 'bid.json').write_text(json.dumps(bad), encoding='utf-8')
    err = refused(seal_args(pki_files, bid_dir), capsys, bid_dir)
    assert 'declared_total: 1000.5 is a JSON number' in err
    bad = make_bid(tkdn='120', envelope='technical')
    (bid_dir / 'bid.json').write_text(json.dumps(bad), encoding='utf-8')
    err = refused(seal_args(pki_files, bid_dir), capsys, bid_dir)
    assert "tkdn: '120' is not a percentage" in err
    assert 'price_lines: not allowed in a technical envelope' in err


def test_bid_json_that_is_not_json(pki_files, bid_dir, capsys):
    (bid_dir / 'bid.json').write_text('{"format": ', encoding='utf-8')
    assert 'not valid JSON' in refused(seal_args(pki_files, bid_dir), capsys, bid_dir)


def test_missing_attachment(pki_files, bid_dir, capsys):
    (bid_dir / 'foto.jpg').unlink()
    err = refused(seal_args(pki_files, bid_dir), capsys, bid_dir)
    assert f'attachment not found: {bid_dir / "foto.jpg"}' in err


def test_bid_for_another_company(pki_files, bid_dir, capsys):
    (bid_dir / 'bid.json').write_text(
        json.dumps(make_bid(vendor_npwp='0987654321098765')), encoding='utf-8'
    )
    assert 'your certificate is for NPWP' in refused(seal_args(pki_files, bid_dir), capsys, bid_dir)
