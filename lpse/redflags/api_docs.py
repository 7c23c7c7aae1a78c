"""The OpenAPI description of the auditors' red-flag route."""

from lpse.api.openapi import document, op, path_param

EVIDENCE = {
    'type': 'object',
    'properties': {
        'kind': {'type': 'string', 'description': 'what is shared or measured (ip, phone…)'},
        'value': {'type': 'string', 'description': 'the value, masked where personal data'},
        'vendors': {
            'type': 'array',
            'items': {
                'type': 'object',
                'properties': {'id': {'type': 'integer'}, 'name': {'type': 'string'}},
            },
        },
        'bids': {
            'type': 'array',
            'items': {
                'type': 'object',
                'properties': {
                    'id': {'type': 'integer'},
                    'audit_seq': {'type': 'integer', 'description': 'the upload in the log'},
                },
            },
        },
        'tenders': {'type': 'array', 'items': {'type': 'string'}},
        'key': {'type': 'string', 'description': 'stable id of this evidence (dismissal)'},
        'dismissed': {
            'type': 'object',
            'nullable': True,
            'description': 'the logged dismissal: reason, by (user id), at, audit_seq',
        },
        'times': {
            'type': 'array',
            'items': {'type': 'string', 'format': 'date-time'},
            'description': 'e.g. the old and the new deadline (RFC 3339)',
        },
    },
}


def describe():
    document(
        {
            '/audit/tenders/{code}/flags': {
                'get': op(
                    'Red flags of a tender (auditors only): indicators with their evidence and '
                    'source, never verdicts. Bid metadata rules only after the deadline, bid '
                    'content rules only after the opening',
                    tag='audit',
                    params=[path_param('code')],
                    responses={
                        '200': {
                            'description': 'the flags',
                            'content': {
                                'application/json': {
                                    'schema': {'$ref': '#/components/schemas/RedFlags'}
                                }
                            },
                        }
                    },
                )
            }
        },
        {
            'RedFlags': {
                'type': 'object',
                'properties': {
                    'tender': {'type': 'string'},
                    'version': {'type': 'integer'},
                    'weight': {'type': 'integer', 'description': "sum of the flags' weights"},
                    'flags': {
                        'type': 'array',
                        'items': {
                            'type': 'object',
                            'properties': {
                                'rule': {'type': 'string', 'example': 'RF-IP-SAMA'},
                                'weight': {'type': 'integer', 'minimum': 1, 'maximum': 3},
                                'description': {'type': 'string'},
                                'source': {'type': 'string'},
                                'evidence': {'type': 'array', 'items': EVIDENCE},
                            },
                        },
                    },
                },
            }
        },
    )
