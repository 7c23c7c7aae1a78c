"""The OpenAPI description of the contract routes (e-Kontrak)."""

from lpse.api.openapi import document, op, path_param

CODE = path_param('code')
SEQ = path_param('seq', 'integer')
DATE = {'type': 'string', 'format': 'date'}
CONTRACT = {'200': {'description': 'The contract, its amendments, SPMK and BAST'}}
CREATED = {'201': {'description': 'The contract after this step'}}


def _both(path, operations):
    """The same step on the contract and on amendment `seq`."""
    return {
        f'/tenders/{{code}}/contract{path}': operations([CODE]),
        f'/tenders/{{code}}/contract/amendments/{{seq}}{path}': operations([CODE, SEQ]),
    }


def describe():
    document(
        {
            '/tenders/{code}/contract': {
                'get': op(
                    'The contract (the PPK, the winning vendor, the Pokja, auditors)',
                    tag='contract',
                    params=[CODE],
                    responses=CONTRACT,
                ),
                'post': op(
                    'Draft or redraft the contract from the SPPBJ (the PPK): form (SPK or Surat '
                    'Perjanjian) by value and type, performance bond, BoQ at contract prices',
                    tag='contract',
                    params=[CODE],
                    body='ContractTerms',
                    responses=CREATED,
                ),
            },
            **_both(
                '/draft.pdf',
                lambda params: {
                    'get': op(
                        'The to-be-signed PDF (the PPK and the winning vendor)',
                        tag='contract',
                        params=params,
                        responses={
                            '200': {
                                'description': 'The draft PDF',
                                'content': {'application/pdf': {}},
                            }
                        },
                    )
                },
            ),
            **_both(
                '/review',
                lambda params: {
                    'post': op(
                        'Accept the draft, or ask for changes with a note (the winning vendor)',
                        tag='contract',
                        params=params,
                        body='ContractReview',
                        responses=CONTRACT,
                    )
                },
            ),
            **_both(
                '/vendor-signature',
                lambda params: {
                    'post': op(
                        "The vendor's signature: upload the draft signed with a self-held key "
                        '(application/pdf; `lpse sign-contract`), or sign on the server with '
                        'the server-held key and its passphrase (JSON). The PDF must be exactly '
                        'the draft plus one valid signature by your certificate.',
                        tag='contract',
                        params=params,
                        content={
                            'application/pdf': {'schema': {'type': 'string', 'format': 'binary'}},
                            'application/json': {
                                'schema': {
                                    'type': 'object',
                                    'required': ['passphrase'],
                                    'properties': {'passphrase': {'type': 'string'}},
                                }
                            },
                        },
                        responses=CONTRACT,
                    )
                },
            ),
            **_both(
                '/ppk-signature',
                lambda params: {
                    'post': op(
                        "The PPK's signature, last: the signed document is issued",
                        tag='contract',
                        params=params,
                        responses=CONTRACT,
                    )
                },
            ),
            '/tenders/{code}/contract/spmk': {
                'post': op(
                    'Issue the SPMK (start-of-work order; construction and consultancy)',
                    tag='contract',
                    params=[CODE],
                    body='SpmkInput',
                    responses=CREATED,
                )
            },
            '/tenders/{code}/contract/amendments': {
                'post': op(
                    'Draft an amendment (addendum kontrak): value, end date and/or scope',
                    tag='contract',
                    params=[CODE],
                    body='AmendmentInput',
                    responses=CREATED,
                )
            },
            '/tenders/{code}/contract/bast': {
                'post': op(
                    'Record the BAST (handover minutes): the tender is completed',
                    tag='contract',
                    params=[CODE],
                    body='BastInput',
                    responses=CREATED,
                )
            },
        },
        schemas={
            'ContractTerms': {
                'type': 'object',
                'required': [
                    'starts_on',
                    'ends_on',
                    'payment_terms',
                    'bond_number',
                    'bond_issuer',
                    'bond_valid_until',
                ],
                'properties': {
                    'starts_on': DATE,
                    'ends_on': DATE,
                    'payment_terms': {'type': 'string', 'maxLength': 5000},
                    'bond_number': {'type': 'string', 'maxLength': 100},
                    'bond_issuer': {'type': 'string', 'maxLength': 200},
                    'bond_valid_until': DATE,
                },
            },
            'ContractReview': {
                'type': 'object',
                'required': ['accept'],
                'properties': {'accept': {'type': 'boolean'}, 'note': {'type': 'string'}},
            },
            'SpmkInput': {
                'type': 'object',
                'required': ['work_starts_on'],
                'properties': {'work_starts_on': DATE},
            },
            'AmendmentInput': {
                'type': 'object',
                'required': ['reason'],
                'properties': {
                    'reason': {'type': 'string'},
                    'scope': {'type': 'string'},
                    'new_value': {'type': 'string', 'description': 'rupiah, e.g. "1400000000"'},
                    'new_ends_on': DATE,
                },
            },
            'BastInput': {'type': 'object', 'properties': {'note': {'type': 'string'}}},
        },
    )
