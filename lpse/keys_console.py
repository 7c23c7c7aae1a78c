"""`lpse keygen` and `lpse csr`: make a self-held signing key and its CSR on your own machine.

The private key never leaves it: the server certifies the CSR (page "Kunci & sertifikat" or
`POST /api/v1/me/certificate`). The key file is PEM PKCS#8, encrypted under your passphrase
(PBES2: PBKDF2-HMAC-SHA256, 600 000 rounds, AES-256), readable by `openssl pkey`."""

import argparse
import getpass
import os
import sys
from pathlib import Path

PASSPHRASE_ENV = 'LPSE_KEY_PASSPHRASE'  # noqa: S105 — a variable name, not a secret
MIN_PASSPHRASE = 12

CSR_HELP = """\
The subject must match your account exactly, or the server refuses the CSR:

  CN            your name as shown in your LPSE profile       (--name)
  emailAddress  your login email                              (--email)
  O             vendors only: the company name, as registered (--organization)
  serialNumber  vendors only: the company NPWP, digits only   (--npwp)

Pokja members give --name and --email only. The page "Kunci & sertifikat" shows the exact
values expected for your account. The CSR is signed with RSA-PSS by your RSA-3072 key."""


def _passphrase(args, *, confirm) -> str:
    if args.passphrase_file:
        value = Path(args.passphrase_file).read_text(encoding='utf-8').rstrip('\r\n')
    elif os.environ.get(PASSPHRASE_ENV):
        value = os.environ[PASSPHRASE_ENV]
    else:
        value = getpass.getpass('Passphrase for the key file: ')
        if confirm and getpass.getpass('Repeat the passphrase: ') != value:
            raise ValueError('the passphrases differ')
    if len(value) < MIN_PASSPHRASE:
        raise ValueError(f'the passphrase must have at least {MIN_PASSPHRASE} characters')
    return value


def _write_new(path: str, data: bytes, mode: int):
    """Create the file (never overwrite: a lost key cannot be recovered)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    with os.fdopen(fd, 'wb') as out:
        out.write(data)


def _cmd_keygen(args):
    from lpse.crypto import keystore, pki

    try:
        passphrase = _passphrase(args, confirm=True)
        key = pki.generate_key()
        _write_new(args.out, keystore.dump_key_file(key, passphrase), 0o600)
    except FileExistsError:
        print(f'lpse keygen: {args.out} exists; not overwritten', file=sys.stderr)
        return 2
    except (OSError, ValueError) as exc:
        print(f'lpse keygen: {exc}', file=sys.stderr)
        return 2
    print(f'RSA-3072 key written to {args.out} (encrypted PKCS#8). Keep it and its passphrase.')
    return 0


def _cmd_csr(args):
    from cryptography.hazmat.primitives import serialization

    from lpse.crypto import keystore, pki
    from lpse.crypto.errors import CryptoError

    if bool(args.organization) != bool(args.npwp):
        print('lpse csr: vendors give both --organization and --npwp', file=sys.stderr)
        return 2
    subject = {'common_name': args.name, 'email': args.email}
    if args.organization:
        digits = ''.join(c for c in args.npwp if c.isdigit())
        if len(digits) not in (15, 16):
            print('lpse csr: --npwp must have 15 or 16 digits', file=sys.stderr)
            return 2
        subject |= {'organization': args.organization, 'serial_number': digits}
    try:
        passphrase = _passphrase(args, confirm=False)
        key = keystore.load_key_file(Path(args.key).read_bytes(), passphrase)
        csr = pki.build_csr(key, pki.build_subject(**subject))
        data = csr.public_bytes(serialization.Encoding.PEM)
        if args.out == '-':
            sys.stdout.write(data.decode('ascii'))
        else:
            _write_new(args.out, data, 0o644)
    except FileExistsError:
        print(f'lpse csr: {args.out} exists; not overwritten', file=sys.stderr)
        return 2
    except CryptoError as exc:
        print(f'lpse csr: {exc.message}', file=sys.stderr)
        return 2
    except (OSError, ValueError) as exc:
        print(f'lpse csr: {exc}', file=sys.stderr)
        return 2
    return 0


def _passphrase_option(parser):
    parser.add_argument(
        '--passphrase-file',
        help=f'read the key passphrase from this file (else ${PASSPHRASE_ENV}, else a prompt)',
    )


def register(sub):
    keygen = sub.add_parser(
        'keygen',
        help='make an RSA-3072 signing key (passphrase-protected PKCS#8 PEM)',
        description=__doc__.split('\n\n')[1],
    )
    keygen.add_argument('-o', '--out', required=True, help='the key file to create')
    _passphrase_option(keygen)
    keygen.set_defaults(func=_cmd_keygen)
    csr = sub.add_parser(
        'csr',
        help='make the certificate signing request for your key',
        description=CSR_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    csr.add_argument('--key', required=True, help='your key file (from `lpse keygen`)')
    csr.add_argument('--name', required=True, help='CN: your name as in your LPSE profile')
    csr.add_argument('--email', required=True, help='emailAddress: your login email')
    csr.add_argument('--organization', help='O: the company name (vendors)')
    csr.add_argument('--npwp', help='serialNumber: the company NPWP (vendors; digits kept)')
    csr.add_argument('-o', '--out', default='-', help='the CSR file to create (default stdout)')
    _passphrase_option(csr)
    csr.set_defaults(func=_cmd_csr)
