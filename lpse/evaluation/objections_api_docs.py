"""The OpenAPI description of the announcement, objection (sanggah) and award routes."""

from lpse.api.openapi import document, op, path_param, query_param

CODE = path_param('code')
OBJECTION = path_param('objection_id', 'integer')
TIME = {'type': 'string', 'format': 'date-time'}


def describe():
    document(
        {
            '/tenders/{code}/announce': {
                'post': op(
                    'Announce the approved winner (Pokja); the objection period starts',
                    tag='award',
                    responses={'201': {'description': 'The announcement and the public result'}},
                    params=[CODE],
                )
            },
            '/tenders/{code}/results': {
                'get': op(
                    'The announced result (public); before the announcement only the Pokja, '
                    'PPK and auditors see the decided result',
                    tag='award',
                    auth=False,
                    params=[
                        CODE,
                        query_param(
                            'announcement', 'integer', 'an earlier (withdrawn) announcement'
                        ),
                    ],
                )
            },
            '/tenders/{code}/objections': {
                'get': op(
                    'Objections (sanggah) and the Pokja answers (public)',
                    tag='award',
                    auth=False,
                    params=[CODE],
                ),
                'post': op(
                    'File an objection (a bidder of the tender, during the objection period)',
                    tag='award',
                    params=[CODE],
                    responses={'201': {'description': 'The objection as filed'}},
                    content={
                        'application/json': {
                            'schema': {'$ref': '#/components/schemas/ObjectionInput'}
                        },
                        'multipart/form-data': {
                            'schema': {
                                'type': 'object',
                                'required': ['grounds'],
                                'properties': {
                                    'grounds': {'type': 'string'},
                                    'attachments': {
                                        'type': 'array',
                                        'items': {'type': 'string', 'format': 'binary'},
                                    },
                                },
                            }
                        },
                    },
                ),
            },
            '/tenders/{code}/objections/{objection_id}/answer': {
                'post': op(
                    'Answer an objection (Pokja): accepted (reevaluate or fail) or rejected',
                    tag='award',
                    params=[CODE, OBJECTION],
                    body='ObjectionAnswer',
                )
            },
            '/tenders/{code}/award': {
                'post': op(
                    'Issue the letter of award (SPPBJ; the PPK) once the objection period is '
                    'over and every objection answered',
                    tag='award',
                    params=[CODE],
                    body='AwardInput',
                    responses={'201': {'description': 'The SPPBJ'}},
                )
            },
        },
        {
            'ObjectionInput': {
                'type': 'object',
                'required': ['grounds'],
                'properties': {'grounds': {'type': 'string', 'maxLength': 20000}},
            },
            'ObjectionAnswer': {
                'type': 'object',
                'required': ['accepted', 'answer'],
                'properties': {
                    'accepted': {'type': 'boolean'},
                    'answer': {'type': 'string', 'maxLength': 20000},
                    'consequence': {
                        'type': 'string',
                        'enum': ['reevaluate', 'fail'],
                        'description': 'required when accepted',
                    },
                },
            },
            'AwardInput': {
                'type': 'object',
                'properties': {
                    'contract_deadline': {
                        **TIME,
                        'description': 'default: 14 days after issue; ISO 8601 with offset',
                    }
                },
            },
        },
    )
