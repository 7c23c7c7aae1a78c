"""`lpse seal`, `lpse submit`, `lpse verify-receipt`: seal a bid at your own desk, send it, and
check the signed receipt. Exit status: 0 ok, 1 failed (refused, self-check, network), 2 bad input.

Sealing happens on your machine with your self-held key: the plaintext bid never leaves it."""

import getpass
import json
import os
import sys
from pathlib import Path

PASSPHRASE_ENV = 'LPSE_KEY_PASSPHRASE'  # noqa: S105 — a variable name, not a secret
TOKEN_ENV = 'LPSE_API_TOKEN'  # noqa: S105 — a variable name, not a secret
RECEIPT_SUFFIX = '.receipt.json'
SIGNATURE_SUFFIX = '.sig'


class BadInput(Exception):
    """A file or option the user must fix (exit status 2)."""


def register(sub):
    seal = sub.add_parser('seal', help='sign and encrypt a bid package for a tender (.p7m)')
    seal.add_argument('--tender-cert', required=True, help="the tender's certificate (PEM)")
    seal.add_argument('--key', required=True, help='your signing key (encrypted PKCS#8 PEM)')
    seal.add_argument('--cert', required=True, help='your signing certificate (PEM)')
    seal.add_argument('--bid', required=True, help='bid.json, see docs/BID_FORMAT.md')
    seal.add_argument('--attach', nargs='*', action='extend', default=[], metavar='FILE')
    seal.add_argument('-o', '--output', required=True, help='the sealed bid to write (.p7m)')
    seal.add_argument('--passphrase-file', help=f'else ${PASSPHRASE_ENV}, else a prompt')
    seal.set_defaults(func=_cmd_seal)

    verify = sub.add_parser('verify-receipt', help='check a bid receipt (and the sealed bid)')
    verify.add_argument('receipt', help='receipt JSON, as returned on submission')
    verify.add_argument('--bid', help='the sealed bid (.p7m) the receipt should acknowledge')
    verify.add_argument('--ca', required=True, help='the instance CA certificate (PEM)')
    verify.add_argument('--system-cert', help='pin the system certificate that signs receipts')
    verify.set_defaults(func=_cmd_verify_receipt)

    submit = sub.add_parser('submit', help='upload a sealed bid and save its receipt')
    submit.add_argument('--server', required=True, help='e.g. https://lpse.example.go.id')
    submit.add_argument('--token', help=f'API token (else ${TOKEN_ENV})')
    submit.add_argument('--tender', required=True, help='tender code')
    submit.add_argument('--ca', help='verify the receipt against this CA certificate (PEM)')
    submit.add_argument('--system-cert', help='pin the system certificate that signs receipts')
    submit.add_argument(
        '--signature', help='the submission signature (default: the .p7m name + .sig)'
    )
    submit.add_argument(
        '--envelope-kind', choices=('single', 'technical', 'price'), help='for two-file tenders'
    )
    submit.add_argument('envelope', help='the sealed bid (.p7m)')
    submit.set_defaults(func=_cmd_submit)


def _cmd_seal(args):
    from lpse.crypto.errors import CryptoError, SealSelfCheckFailed

    try:
        digest, size = _seal(args)
    except BadInput as exc:
        print(f'lpse seal: {exc}', file=sys.stderr)
        return 2
    except SealSelfCheckFailed as exc:
        print(f'lpse seal: {exc}; nothing was written', file=sys.stderr)
        return 1
    except CryptoError as exc:
        print(f'lpse seal: {exc}', file=sys.stderr)
        return 2
    except OSError as exc:
        print(f'lpse seal: cannot write {args.output}: {exc}', file=sys.stderr)
        return 1
    print(f'sealed bid written to {args.output}')
    print(f'submission signature written to {args.output}{SIGNATURE_SUFFIX}')
    print(f'  SHA-256  {digest}')
    print(f'  size     {size} bytes')
    print('Your receipt must show this SHA-256 and size.')
    return 0


def _seal(args) -> tuple[str, int]:
    import hashlib

    from lpse.bids import transfer
    from lpse.bids.errors import PackageError
    from lpse.bids.package import (
        DEFAULT_LIMITS,
        bid_errors,
        build_package,
        load_bid_json,
        seal_package,
    )
    from lpse.bids.zipcheck import check_name
    from lpse.crypto import keystore, pki

    tender_cert = _load_cert(args.tender_cert, 'tender certificate')
    if not pki.has_key_usage(tender_cert, 'key_encipherment') or pki.has_key_usage(
        tender_cert, 'digital_signature'
    ):
        raise BadInput(
            f'{args.tender_cert} is not a tender certificate (its key usage must be '
            'keyEncipherment only); download it from the tender page'
        )
    cert = _load_cert(args.cert, 'signing certificate')
    try:
        bid = load_bid_json(_read(args.bid, 'bid.json'))
    except PackageError as exc:
        raise BadInput(f'{args.bid}: {exc.reason}') from None
    attachments, seen = [], {'bid.json': 'bid.json'}
    for name in args.attach:
        path = Path(name)
        if not path.is_file():
            raise BadInput(f'attachment not found: {name}')
        try:
            check_name(path.name, DEFAULT_LIMITS, seen)
        except PackageError as exc:
            raise BadInput(f'attachment {name}: {exc.reason}') from None
        attachments.append(path)
    listing = [{'name': p.name, 'sha256': '0' * 64, 'size': p.stat().st_size} for p in attachments]
    errors = bid_errors(dict(bid, attachments=listing) if isinstance(bid, dict) else bid)
    if errors:
        raise BadInput(f'{args.bid} is not a valid bid:\n  ' + '\n  '.join(errors))
    _check_npwp(bid, cert)
    key = keystore.load_key_file(_read(args.key, 'key file'), _passphrase(args))
    if not pki.key_matches_certificate(key, cert):
        raise BadInput(f'the key {args.key} does not belong to the certificate {args.cert}')
    files = [(p.name, transfer.read_with_progress(p, f'reading {p.name}')) for p in attachments]
    try:
        package = build_package(bid, files)
    except PackageError as exc:
        raise BadInput(exc.reason) from None
    del files
    sealed, signature = seal_package(package, key=key, cert=cert, recipient_cert=tender_cert)
    transfer.write_atomic(Path(args.output), sealed)
    transfer.write_atomic(Path(args.output + SIGNATURE_SUFFIX), signature)
    return hashlib.sha256(sealed).hexdigest(), len(sealed)


def _cmd_verify_receipt(args):
    from lpse.crypto import receipts
    from lpse.crypto.errors import CryptoError

    try:
        doc = _load_json(args.receipt, 'receipt')
        ca = _load_cert(args.ca, 'CA certificate')
        signer = _load_cert(args.system_cert, 'system certificate') if args.system_cert else None
        bid = Path(args.bid) if args.bid else None
        if bid is not None and not bid.is_file():
            raise BadInput(f'sealed bid not found: {args.bid}')
    except BadInput as exc:
        print(f'lpse verify-receipt: {exc}', file=sys.stderr)
        return 2
    try:
        if bid is None:
            fields = receipts.verify_receipt(doc, ca_cert=ca, signer=signer)
        else:
            with bid.open('rb') as fh:
                fields = receipts.verify_receipt(doc, ca_cert=ca, envelope=fh, signer=signer)
    except CryptoError as exc:
        print(f'lpse verify-receipt: FAILED: {exc}', file=sys.stderr)
        return 1
    _print_receipt(fields, matched=args.bid, pinned=signer is not None)
    return 0


def _cmd_submit(args):
    from lpse import api_client
    from lpse.bids import transfer
    from lpse.crypto import receipts
    from lpse.crypto.errors import CryptoError

    path = Path(args.envelope)
    token = args.token or os.environ.get(TOKEN_ENV)
    try:
        if not token:
            raise BadInput(f'give --token or set {TOKEN_ENV}')
        if not path.is_file():
            raise BadInput(f'sealed bid not found: {args.envelope}')
        signature = _signature(args)
        ca = _load_cert(args.ca, 'CA certificate') if args.ca else None
        signer = _load_cert(args.system_cert, 'system certificate') if args.system_cert else None
        result = transfer.upload_bid(
            args.server, token, args.tender, path, signature=signature, kind=args.envelope_kind
        )
    except BadInput as exc:
        print(f'lpse submit: {exc}', file=sys.stderr)
        return 2
    except api_client.ApiError as exc:
        print(f'lpse submit: {exc}', file=sys.stderr)
        return 1
    if result.status not in (200, 201):
        refusal = api_client.error_text(result.status, result.body)
        print(f'lpse submit: the server refused the bid: {refusal}', file=sys.stderr)
        return 1
    try:
        doc = json.loads(result.body)
        fields = doc['receipt']
        acknowledged = (fields['envelope_sha256'], fields['envelope_size'])
    except (ValueError, KeyError, TypeError):
        print('lpse submit: the server answered without a readable receipt', file=sys.stderr)
        return 1
    receipt_path = path.with_name(path.name + RECEIPT_SUFFIX)
    transfer.write_atomic(receipt_path, json.dumps(doc, indent=2, ensure_ascii=False).encode())
    print(f'receipt saved to {receipt_path}')
    if acknowledged != (result.sha256, result.size):
        print(
            f'lpse submit: the receipt acknowledges SHA-256 {acknowledged[0]} '
            f'({acknowledged[1]} bytes), but {result.sha256} ({result.size} bytes) was sent',
            file=sys.stderr,
        )
        return 1
    if ca is None:
        _print_receipt(fields, matched=None, pinned=False, checked=False)
        return 0
    try:
        with path.open('rb') as fh:
            fields = receipts.verify_receipt(doc, ca_cert=ca, envelope=fh, signer=signer)
    except CryptoError as exc:
        print(f'lpse submit: the receipt does not verify: {exc}', file=sys.stderr)
        return 1
    _print_receipt(fields, matched=args.envelope, pinned=signer is not None)
    return 0


def _print_receipt(fields: dict, *, matched, pinned: bool, checked: bool = True) -> None:
    head = 'OK: the receipt signature verifies' if checked else 'receipt (signature not checked)'
    print(head + ('' if pinned or not checked else ' (signed by a certificate of this CA)'))
    rows = (
        ('receipt', fields.get('receipt_number')),
        ('tender', f'{fields.get("tender_code")} version {fields.get("tender_version")}'),
        ('envelope', fields.get('envelope_kind')),
        ('vendor', f'{fields.get("vendor_name")} (NPWP {fields.get("vendor_npwp")})'),
        ('SHA-256', fields.get('envelope_sha256')),
        ('size', f'{fields.get("envelope_size")} bytes'),
        ('received', fields.get('received_at')),
        ('', fields.get('received_at_tender_zone')),
        ('', fields.get('received_at_wib')),
        ('audit', f'seq {fields.get("audit_seq")}, checkpoint {fields.get("audit_checkpoint")}'),
    )
    for label, value in rows:
        print(f'  {label:<9} {value}')
    if matched:
        print(f'  the sealed bid {matched} is the one acknowledged')


def _signature(args) -> bytes | None:
    """The submission signature `lpse seal` wrote next to the envelope (or --signature); without
    one the server refuses the bid and says why."""
    if args.signature:
        return _read(args.signature, 'signature')
    default = Path(args.envelope + SIGNATURE_SUFFIX)
    return default.read_bytes() if default.is_file() else None


def _passphrase(args) -> str:
    if args.passphrase_file:
        return _read(args.passphrase_file, 'passphrase file').decode('utf-8').rstrip('\r\n')
    if os.environ.get(PASSPHRASE_ENV):
        return os.environ[PASSPHRASE_ENV]
    return getpass.getpass(f'Passphrase for {args.key}: ')


def _read(path: str, what: str) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        raise BadInput(f'cannot read the {what} {path}: {exc.strerror}') from None


def _load_json(path: str, what: str):
    try:
        return json.loads(_read(path, what))
    except ValueError as exc:
        raise BadInput(f'{path}: not a JSON {what} ({exc})') from None


def _load_cert(path: str, what: str):
    from cryptography import x509

    data = _read(path, what)
    try:
        if b'-----BEGIN' in data:
            return x509.load_pem_x509_certificate(data)
        return x509.load_der_x509_certificate(data)
    except ValueError:
        raise BadInput(f'{path} is not a certificate (PEM or DER) ({what})') from None


def _check_npwp(bid, cert) -> None:
    """Catch at the desk what the opening would refuse: signing for another company's bid."""
    from cryptography.x509.oid import NameOID

    from lpse.bids.package import npwp_key

    attrs = cert.subject.get_attributes_for_oid(NameOID.SERIAL_NUMBER)
    if not attrs:
        return
    certified = str(attrs[0].value)
    if npwp_key(certified) != npwp_key(bid['vendor_npwp']):
        raise BadInput(
            f'bid.json names NPWP {bid["vendor_npwp"]}, but your certificate is for NPWP '
            f'{certified}'
        )
