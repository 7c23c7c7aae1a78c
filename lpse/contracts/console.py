"""`lpse sign-contract`: sign a contract (or an amendment) at your own desk with your self-held
key. It downloads the to-be-signed PDF, adds your PAdES signature and uploads it; the server
checks it is exactly the draft plus your signature. Exit status: 0 ok, 1 refused, 2 bad input."""

import json
import os
import sys

from lpse.bids.console import TOKEN_ENV, BadInput, _load_cert, _passphrase, _read


def register(sub):
    sign = sub.add_parser('sign-contract', help='sign a contract or amendment with your own key')
    sign.add_argument('--server', required=True, help='e.g. https://lpse.example.go.id')
    sign.add_argument('--token', help=f'API token (else ${TOKEN_ENV})')
    sign.add_argument('--tender', required=True, help='tender code')
    sign.add_argument('--amendment', type=int, help='the amendment number (default: the contract)')
    sign.add_argument('--key', required=True, help='your signing key (encrypted PKCS#8 PEM)')
    sign.add_argument('--cert', required=True, help='your signing certificate (PEM)')
    sign.add_argument('--passphrase-file', help='else $LPSE_KEY_PASSPHRASE, else a prompt')
    sign.add_argument('--keep', help='also write the signed PDF to this file')
    sign.set_defaults(func=_cmd_sign_contract)


def _path(args) -> str:
    base = f'/api/v1/tenders/{args.tender}/contract'
    return base if args.amendment is None else f'{base}/amendments/{args.amendment}'


def _cmd_sign_contract(args):
    from lpse import api_client, clock
    from lpse.crypto import keystore, pki
    from lpse.crypto.errors import CryptoError
    from lpse.pdf import COUNTERPARTY_FIELD, sign_pdf

    token = args.token or os.environ.get(TOKEN_ENV)
    try:
        if not token:
            raise BadInput(f'give --token or set {TOKEN_ENV}')
        cert = _load_cert(args.cert, 'signing certificate')
        try:
            key = keystore.load_key_file(_read(args.key, 'key file'), _passphrase(args))
        except CryptoError as exc:
            raise BadInput(f'{args.key}: {exc}') from None
        if not pki.key_matches_certificate(key, cert):
            raise BadInput(f'the key {args.key} does not belong to the certificate {args.cert}')
    except BadInput as exc:
        print(f'lpse sign-contract: {exc}', file=sys.stderr)
        return 2
    path = _path(args)
    try:
        draft = api_client.request_bytes(
            args.server, token, 'GET', f'{path}/draft.pdf', accept='application/pdf'
        )
        if not draft.startswith(b'%PDF-'):
            print('lpse sign-contract: the server did not send a PDF draft', file=sys.stderr)
            return 1
        signed = sign_pdf(draft, key=key, cert=cert, field_name=COUNTERPARTY_FIELD, now=clock.now())
        if args.keep:
            with open(args.keep, 'wb') as fh:
                fh.write(signed)
        answer = api_client.request_bytes(
            args.server,
            token,
            'POST',
            f'{path}/vendor-signature',
            signed,
            content_type='application/pdf',
        )
    except api_client.ApiError as exc:
        print(f'lpse sign-contract: {exc}', file=sys.stderr)
        return 1
    except OSError as exc:
        print(f'lpse sign-contract: cannot write {args.keep}: {exc.strerror}', file=sys.stderr)
        return 1
    try:
        status = json.loads(answer)['status']
    except (ValueError, KeyError, TypeError):
        status = 'unknown'
    print(f'signed and uploaded; the contract is now: {status}')
    return 0
