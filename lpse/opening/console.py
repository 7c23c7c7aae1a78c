"""`lpse open-share`: a Pokja member with a self-held key releases their share at the opening.

The server sends the share encrypted to the member's Pokja certificate; it is decrypted here,
checked against its commitment, and sent back over TLS. The member's private key never leaves
this machine. Exit status: 0 released, 1 refused (too early, not a member, bad share, network,
an answer from the server that is not a share offer), 2 bad input, 130 interrupted."""

import getpass
import os
import sys

from lpse.bids.console import PASSPHRASE_ENV, TOKEN_ENV, BadInput, _read


def register(sub):
    cmd = sub.add_parser(
        'open-share', help='release your key share for a bid opening (self-held Pokja key)'
    )
    cmd.add_argument('--server', required=True, help='e.g. https://lpse.example.go.id')
    cmd.add_argument('--token', help=f'API token (else ${TOKEN_ENV})')
    cmd.add_argument('--tender', required=True, help='tender code')
    group = cmd.add_mutually_exclusive_group(required=True)
    group.add_argument('--key', help='your Pokja key (encrypted PKCS#8 PEM)')
    group.add_argument('--card', help='a file holding your 33-word key card instead of the key')
    cmd.add_argument('--passphrase-file', help=f'else ${PASSPHRASE_ENV}, else a prompt')
    cmd.set_defaults(func=_cmd_open_share)


def _cmd_open_share(args):
    from lpse import api_client
    from lpse.crypto.errors import CryptoError

    token = args.token or os.environ.get(TOKEN_ENV)
    try:
        if not token:
            raise BadInput(f'give --token or set {TOKEN_ENV}')
        key = _load_key(args) if args.key else None
        card = _read_card(args.card) if args.card else None
        base = f'/api/v1/tenders/{args.tender}/opening'
        offer = _offer(api_client.request_json(args.server, token, 'GET', base + '/share'))
        mnemonic = card if card is not None else _decrypt(offer, key)
        _check_locally(offer, mnemonic)
        state = api_client.request_json(
            args.server, token, 'POST', base + '/shares', {'share': mnemonic}
        )
    except BadInput as exc:
        print(f'lpse open-share: {exc}', file=sys.stderr)
        return 2
    except (CryptoError, api_client.ApiError, BadAnswer) as exc:
        print(f'lpse open-share: {exc}', file=sys.stderr)
        return 1
    except (KeyboardInterrupt, EOFError):
        print('\nlpse open-share: interrupted; nothing was sent', file=sys.stderr)
        return 130
    try:
        _report(state, offer['kind'])
    except (KeyError, TypeError, AttributeError, StopIteration):
        print(f"share released for {args.tender} (the server's summary was not readable)")
    return 0


class BadAnswer(Exception):
    """The server answered with something that is not what `lpse open-share` expects."""


OFFER_FIELDS = ('kind', 'ciphertext', 'commitment', 'context')


def _offer(answer) -> dict:
    """The share offer, checked: every field `open-share` needs, each a string."""
    if not isinstance(answer, dict):
        raise BadAnswer('the server did not answer with a share offer')
    missing = [f for f in OFFER_FIELDS if not isinstance(answer.get(f), str)]
    if missing:
        raise BadAnswer(f"the server's share offer lacks {', '.join(missing)}")
    return answer


def _read_card(path: str) -> str:
    try:
        text = _read(path, 'key card').decode('utf-8').strip()
    except UnicodeDecodeError:
        raise BadInput(f'the key card {path} is not UTF-8 text (33 words)') from None
    if not text:
        raise BadInput(f'the key card {path} is empty')
    return text


def _load_key(args):
    from lpse.crypto import keystore

    data = _read(args.key, 'key file')
    if args.passphrase_file:
        try:
            passphrase = (
                _read(args.passphrase_file, 'passphrase file').decode('utf-8').rstrip('\r\n')
            )
        except UnicodeDecodeError:
            raise BadInput(f'the passphrase file {args.passphrase_file} is not UTF-8') from None
    elif os.environ.get(PASSPHRASE_ENV):
        passphrase = os.environ[PASSPHRASE_ENV]
    else:
        passphrase = getpass.getpass(f'Passphrase for {args.key}: ')
    return keystore.load_key_file(data, passphrase)


def _decrypt(offer: dict, key) -> str:
    import base64
    import binascii

    from lpse.crypto import shamir

    try:
        ciphertext = base64.b64decode(offer['ciphertext'], validate=True)
    except (binascii.Error, ValueError):
        raise BadAnswer("the server's encrypted share is not valid base64") from None
    return shamir.decrypt_share(ciphertext, key)


def _check_locally(offer: dict, mnemonic: str) -> None:
    """Catch a wrong key card here, before the server records a refusal."""
    from lpse.crypto import shamir
    from lpse.crypto.errors import ShareCommitmentMismatch

    try:
        shamir.check_share(mnemonic, offer['commitment'], context=offer['context'])
    except ShareCommitmentMismatch:
        raise BadInput(
            'this share does not match its commitment for this tender and member '
            '(another tender, another member, or a mistyped key card)'
        ) from None


def _report(state: dict, kind: str) -> None:
    ceremony = next((c for c in state['ceremonies'] if c['kind'] == kind), {})
    print(f'share released for {state["tender_code"]} ({kind})')
    print(
        f'  shares received  {ceremony.get("shares_received")} of {state["members"]} '
        f'(k = {state["threshold"]})'
    )
    if ceremony.get('opened'):
        results = ceremony.get('results', {})
        print(
            f'  OPENED at {ceremony["opened_at"]}: {results.get("opened", 0)} opened, '
            f'{results.get("not_openable", 0)} not openable, '
            f'{results.get("not_opened", 0)} not opened'
        )
    else:
        print('  waiting for the other members')
