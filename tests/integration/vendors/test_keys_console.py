"""`lpse keygen` and `lpse csr`: a passphrase-protected key file and the CSR the server accepts."""

import subprocess

from cryptography import x509

from lpse.console import build_parser, main
from lpse.crypto import pki

KEY_PASSPHRASE = 'kunci saya sendiri 2026'


def test_keygen_and_csr_make_what_the_server_certifies(
    tmp_path, client, authority, create_vendor, token_for, monkeypatch
):
    vendor = create_vendor()
    (tmp_path / 'pass.txt').write_text(KEY_PASSPHRASE + '\n')
    key = tmp_path / 'kunci.pem'
    assert main(['keygen', '-o', str(key), '--passphrase-file', str(tmp_path / 'pass.txt')]) == 0
    assert key.read_bytes().startswith(b'-----BEGIN ENCRYPTED PRIVATE KEY-----')
    assert oct(key.stat().st_mode & 0o777) == '0o600'
    result = subprocess.run(
        [
            'openssl',
            'pkey',
            '-in',
            str(key),
            '-passin',
            f'pass:{KEY_PASSPHRASE}',
            '-noout',
            '-text_pub',
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0 and '3072 bit' in result.stdout
    assert main(['keygen', '-o', str(key), '--passphrase-file', str(tmp_path / 'pass.txt')]) == 2

    monkeypatch.setenv('LPSE_KEY_PASSPHRASE', KEY_PASSPHRASE)
    csr = tmp_path / 'permintaan.csr'
    assert (
        main(
            [
                'csr',
                '--key',
                str(key),
                '--name',
                vendor.user.name,
                '--email',
                vendor.user.email,
                '--organization',
                vendor.company_name,
                '--npwp',
                vendor.npwp_display,
                '-o',
                str(csr),
            ]
        )
        == 0
    )
    parsed = x509.load_pem_x509_csr(csr.read_bytes())
    assert pki.subject_attributes(parsed.subject)['serial_number'] == vendor.npwp
    response = client.post(
        '/api/v1/me/certificate', headers=token_for(vendor.user), json={'csr': csr.read_text()}
    )
    assert response.status_code == 201, response.get_json()


def test_csr_with_a_wrong_passphrase_or_half_a_vendor_subject(tmp_path, monkeypatch, capsys):
    key = tmp_path / 'kunci.pem'
    monkeypatch.setenv('LPSE_KEY_PASSPHRASE', KEY_PASSPHRASE)
    assert main(['keygen', '-o', str(key)]) == 0
    monkeypatch.setenv('LPSE_KEY_PASSPHRASE', 'frasa yang lain sekali')
    assert main(['csr', '--key', str(key), '--name', 'A', '--email', 'a@b.id']) == 2
    assert 'wrong passphrase' in capsys.readouterr().err
    monkeypatch.setenv('LPSE_KEY_PASSPHRASE', KEY_PASSPHRASE)
    assert (
        main(
            ['csr', '--key', str(key), '--name', 'A', '--email', 'a@b.id', '--organization', 'PT A']
        )
        == 2
    )
    monkeypatch.setenv('LPSE_KEY_PASSPHRASE', 'pendek')
    assert main(['keygen', '-o', str(tmp_path / 'lain.pem')]) == 2
    assert not (tmp_path / 'lain.pem').exists()


def test_csr_help_documents_the_subject():
    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == 'command')
    help_text = sub.choices['csr'].format_help()
    for word in ('CN', 'emailAddress', 'serialNumber', 'NPWP', 'company name'):
        assert word in help_text
