"""`lpse download-document`: fetch a tender document at your own desk, as the download page
does — only for who may download it now (a firm outside a prequalified tender's shortlist, or
one a Tender Cepat requirement keeps out, is told why) and logged — and check its SHA-256
against the one the tender publishes. Exit status: 0 ok, 1 refused or altered, 2 bad input."""

import os
import sys
from pathlib import Path
from urllib.parse import quote

from lpse.bids.console import TOKEN_ENV


def register(sub):
    get = sub.add_parser('download-document', help='download a tender document (checked)')
    get.add_argument('--server', required=True, help='e.g. https://lpse.example.go.id')
    get.add_argument('--token', help=f'API token (else ${TOKEN_ENV})')
    get.add_argument('--tender', required=True, help='tender code')
    get.add_argument('--document', required=True, type=int, help="the document's id")
    get.add_argument('-o', '--output', required=True, help='the file to write')
    get.set_defaults(func=_cmd_download)


def _cmd_download(args):
    from lpse import api_client
    from lpse.bids import transfer

    token = args.token or os.environ.get(TOKEN_ENV)
    output = Path(args.output)
    if not token:
        print(f'lpse download-document: give --token or set {TOKEN_ENV}', file=sys.stderr)
        return 2
    if not output.resolve().parent.is_dir():
        print(f'lpse download-document: no folder for {args.output}', file=sys.stderr)
        return 2
    code = quote(args.tender, safe='')
    try:
        tender = api_client.request_json(args.server, token, 'GET', f'/api/v1/tenders/{code}')
        published = {d.get('id'): d for d in tender.get('documents') or ()}.get(args.document)
        sha, size = transfer.download_to(
            args.server, token, f'/api/v1/tenders/{code}/documents/{args.document}', output
        )
    except api_client.ApiError as exc:
        print(f'lpse download-document: {exc}', file=sys.stderr)
        return 1
    if published is None or published.get('sha256') != sha:
        output.unlink(missing_ok=True)
        print(
            f'lpse download-document: the file (SHA-256 {sha}) is not the document the tender '
            'publishes; removed',
            file=sys.stderr,
        )
        return 1
    print(f'{output}: {size} bytes, SHA-256 {sha} (as the tender publishes it)')
    return 0
