"""The OpenAPI description of the opening routes."""

from lpse.api.openapi import document, op, path_param

CODE = path_param('code')
BID = path_param('bid_id', 'integer')


def describe():
    document(
        {
            '/tenders/{code}/opening': {
                'get': op(
                    'Opening state: shares received (k of n) per ceremony, opened or not, '
                    'and what the caller may do; `released_by` (who released) only for the '
                    "tender's Pokja and PPK and auditors, null for everyone else; `job`: the "
                    'opening job once the k-th share is in (status, done of total)',
                    tag='opening',
                    params=[CODE],
                )
            },
            '/tenders/{code}/opening/share': {
                'get': op(
                    "The caller's key share, encrypted to their Pokja certificate "
                    '(RSA-OAEP-SHA256, base64); only from the bid deadline, for members',
                    tag='opening',
                    params=[CODE],
                )
            },
            '/tenders/{code}/opening/shares': {
                'post': op(
                    'Release a key share: {"share": "<33 words>"} decrypted at the desk '
                    '(lpse open-share), or {"passphrase", "totp"} for a server-held key; the '
                    'k-th valid share queues the opening job (`ceremonies[].job`): poll '
                    'GET /tenders/{code}/opening until `opened`',
                    tag='opening',
                    params=[CODE],
                    body='ShareRelease',
                    responses={'201': {'description': 'Accepted: the opening state'}},
                )
            },
            '/tenders/{code}/bids': {
                'get': op(
                    'The bids after opening: per bid vendor, status, result (and why), '
                    'signature, prices (officers and auditors; everyone after the winner '
                    'announcement)',
                    tag='opening',
                    params=[CODE],
                )
            },
            '/tenders/{code}/key.pem': {
                'get': op(
                    'The published tender private key (PKCS#8 PEM), after opening (officers and '
                    'auditors; public after the winner announcement)',
                    tag='opening',
                    auth=False,
                    params=[CODE],
                )
            },
            '/tenders/{code}/bids/{bid_id}/envelope': {
                'get': op(
                    'A sealed envelope (.p7m, DER) as received, once the key is published',
                    tag='opening',
                    auth=False,
                    params=[CODE, BID],
                )
            },
        },
        {
            'ShareRelease': {
                'type': 'object',
                'properties': {
                    'share': {'type': 'string', 'description': 'the SLIP-39 mnemonic'},
                    'passphrase': {'type': 'string', 'description': 'signing passphrase'},
                    'totp': {'type': 'string', 'description': 'current TOTP code'},
                },
            }
        },
    )
