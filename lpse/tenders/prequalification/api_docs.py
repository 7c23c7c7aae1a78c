"""The OpenAPI description of the prequalification routes (prakualifikasi, DOMAIN §9)."""

from lpse.api.openapi import document, op, path_param

CODE = path_param('code')
BASE = '/tenders/{code}/prequalification'
TAG = 'prequalification'
TEXT = {'type': 'string', 'maxLength': 5000}
PDF = {'application/pdf': {'schema': {'type': 'string', 'format': 'binary'}}}


def describe():
    document(
        {
            f'{BASE}/form': {
                'put': op(
                    'Fill the qualification form (a verified vendor, while Kirim Persyaratan '
                    'Kualifikasi is open); its register data is added and the draft PDF '
                    'rendered, to be signed. Refilling replaces a draft, never a sent form.',
                    tag=TAG,
                    params=[CODE],
                    body='QualificationForm',
                )
            },
            f'{BASE}/form/draft.pdf': {
                'get': op(
                    'The draft form: the exact bytes the vendor signs (its own only)',
                    tag=TAG,
                    params=[CODE],
                    responses={'200': {'description': 'The draft PDF', 'content': PDF}},
                )
            },
            f'{BASE}/submission': {
                'get': op(
                    "The vendor's own form and status; the verdicts once a result is announced",
                    tag=TAG,
                    params=[CODE],
                ),
                'post': op(
                    'Send the form, signed (never encrypted): upload the draft signed with a '
                    'self-held key (application/pdf), or sign on the server with the '
                    'server-held key and its passphrase (JSON). The system countersigns it on '
                    'receipt.',
                    tag=TAG,
                    params=[CODE],
                    content={
                        **PDF,
                        'application/json': {
                            'schema': {'$ref': '#/components/schemas/SigningPassphrase'}
                        },
                    },
                    responses={'201': {'description': 'The submission as received'}},
                ),
            },
            f'{BASE}/submissions': {
                'get': op(
                    "The signed submissions with their form documents and the Pokja's "
                    'verdicts (the Pokja of the tender)',
                    tag=TAG,
                    params=[CODE],
                )
            },
            f'{BASE}/submissions/{{submission_id}}/verdicts': {
                'put': op(
                    'Record the verdict on every requirement, with reasons, and the score '
                    'where the method scores (the Pokja, after the submission stage, before '
                    'the announcement)',
                    tag=TAG,
                    params=[CODE, path_param('submission_id', 'integer')],
                    body='QualificationVerdicts',
                )
            },
            f'{BASE}/result': {
                'get': op(
                    'The provisional result as the verdicts stand, its SHA-256, the approvals '
                    'of it and what keeps it from being approved (the Pokja)',
                    tag=TAG,
                    params=[CODE],
                )
            },
            f'{BASE}/approvals': {
                'post': op(
                    'Approve the provisional result named by its SHA-256 (a Pokja member); '
                    'with half the Pokja it is announced with its shortlist (201)',
                    tag=TAG,
                    params=[CODE],
                    body='QualificationApproval',
                    responses={
                        '200': {
                            'description': 'Approved, not yet announced (with enough approvals '
                            'before the announcement stage, `announces_at` says when the clock '
                            'announces it)'
                        },
                        '201': {'description': 'Approved and announced'},
                    },
                )
            },
            f'{BASE}/results': {
                'get': op(
                    'The announced results (withdrawn ones marked) and the shortlist in force '
                    '(public)',
                    tag=TAG,
                    auth=False,
                    params=[CODE],
                )
            },
            f'{BASE}/objections': {
                'post': op(
                    'Object to the announced result (a vendor that sent its data, during the '
                    'objection period of the prequalification)',
                    tag=TAG,
                    params=[CODE],
                    body='QualificationObjection',
                    responses={'201': {'description': 'The objection as filed'}},
                )
            },
            f'{BASE}/objections/{{objection_id}}/answer': {
                'post': op(
                    'Answer an objection (the Pokja); an accepted one withdraws the result and '
                    'its shortlist',
                    tag=TAG,
                    params=[CODE, path_param('objection_id', 'integer')],
                    body='QualificationObjectionAnswer',
                )
            },
        },
        {
            'QualificationForm': {
                'type': 'object',
                'required': ['pengalaman', 'pernyataan'],
                'additionalProperties': False,
                'properties': {
                    'pengalaman': {**TEXT, 'description': 'similar work done'},
                    'tenaga_ahli': {**TEXT, 'description': 'experts (required for consultancy)'},
                    'peralatan': {**TEXT, 'description': 'equipment'},
                    'pernyataan': {
                        'type': 'boolean',
                        'description': 'the declaration that the data is true (must be true)',
                    },
                },
            },
            'SigningPassphrase': {
                'type': 'object',
                'required': ['passphrase'],
                'additionalProperties': False,
                'properties': {'passphrase': {'type': 'string'}},
            },
            'QualificationVerdicts': {
                'type': 'object',
                'required': ['requirements'],
                'additionalProperties': False,
                'properties': {
                    'requirements': {
                        'type': 'object',
                        'description': 'every requirement of the tender (GET …/submissions '
                        'lists them) → its verdict',
                        'additionalProperties': {
                            'type': 'object',
                            'required': ['passed', 'reason'],
                            'properties': {'passed': {'type': 'boolean'}, 'reason': TEXT},
                        },
                    },
                    'score': {
                        'type': 'string',
                        'pattern': r'^\d{1,3}(\.\d{1,2})?$',
                        'description': '0–100, where the method scores (seleksi)',
                    },
                },
            },
            'QualificationApproval': {
                'type': 'object',
                'required': ['sha256'],
                'additionalProperties': False,
                'properties': {
                    'sha256': {
                        'type': 'string',
                        'description': 'the SHA-256 of the provisional result approved',
                    }
                },
            },
            'QualificationObjection': {
                'type': 'object',
                'required': ['text'],
                'additionalProperties': False,
                'properties': {'text': TEXT},
            },
            'QualificationObjectionAnswer': {
                'type': 'object',
                'required': ['accept', 'answer'],
                'additionalProperties': False,
                'properties': {'accept': {'type': 'boolean'}, 'answer': TEXT},
            },
        },
    )
