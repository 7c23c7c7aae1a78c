"""OpenAPI description of the audit log search (lpse.auditor.api)."""

from lpse.api.openapi import CSV_RESPONSES, document, op, path_param, query_param

FILTERS = [
    query_param('tender', description='tender code (every version)'),
    query_param('actor', description='actor: an email (exact) or part of a name'),
    query_param('role', description="the actor's role (admin, verifier, ppk, pokja, vendor…)"),
    query_param('action', description='action prefix, e.g. `read.` or `tender.`'),
    query_param('object_type', description='object type, e.g. tender, bid, user'),
    query_param('object_id', description='object id'),
    query_param('ip', description="the actor's IP address"),
    query_param('since', description="first day (YYYY-MM-DD, in the reader's zone)"),
    query_param('until', description="last day, inclusive (YYYY-MM-DD, in the reader's zone)"),
]
EVENT = {
    'type': 'object',
    'required': ['seq', 'occurred_at', 'action', 'hash', 'actor', 'object', 'tender_code'],
    'properties': {
        'seq': {'type': 'integer'},
        'occurred_at': {'type': 'string'},
        'occurred_at_local': {'type': 'string', 'format': 'date-time'},
        'actor_id': {'type': 'integer', 'nullable': True},
        'actor_ip': {'type': 'string', 'nullable': True},
        'action': {'type': 'string'},
        'object_type': {'type': 'string', 'nullable': True},
        'object_id': {'type': 'string', 'nullable': True},
        'payload': {'type': 'string'},
        'prev_hash': {'type': 'string'},
        'hash': {'type': 'string'},
        'actor': {
            'type': 'object',
            'nullable': True,
            'properties': {
                'id': {'type': 'integer'},
                'name': {'type': 'string'},
                'email': {'type': 'string'},
            },
        },
        'object': {
            'type': 'object',
            'nullable': True,
            'properties': {
                'type': {'type': 'string'},
                'id': {'type': 'string'},
                'label': {'type': 'string'},
            },
        },
        'tender_code': {'type': 'string', 'nullable': True},
    },
}


def describe():
    document(
        {
            '/audit/events': {
                'get': op(
                    'Search the audit log (auditors in their scope, admins): newest first, '
                    'or oldest first with order=asc; follow next_cursor for the next page',
                    tag='audit',
                    params=[
                        *FILTERS,
                        query_param('order', description='`desc` (default) or `asc`'),
                        query_param('cursor', description='next_cursor of the previous page'),
                        query_param('limit', 'integer', 'events per page, 1–200 (default 50)'),
                    ],
                    responses={
                        '200': {
                            'description': 'One page',
                            'content': {
                                'application/json': {
                                    'schema': {
                                        'type': 'object',
                                        'required': ['events', 'next_cursor'],
                                        'properties': {
                                            'events': {'type': 'array', 'items': EVENT},
                                            'next_cursor': {'type': 'string', 'nullable': True},
                                        },
                                    }
                                }
                            },
                        }
                    },
                )
            },
            '/audit/events.csv': {
                'get': op(
                    'Every event matching the filters as CSV (streamed, oldest first)',
                    tag='audit',
                    params=FILTERS,
                    responses=CSV_RESPONSES,
                )
            },
            '/audit/tenders/{code}/bundle': {
                'get': op(
                    "The tender's audit bundle (auditors in their scope, admins): a ZIP with a "
                    'manifest signed by the system key, every sealed bid, receipt, issued PDF '
                    'and the log slice with inclusion proofs (and, for a retendered package, '
                    'every earlier version under versions/N/); check it offline with '
                    '`lpse verify-bundle FILE.zip --ca ca.pem` (docs/VERIFY.md §5). Built by a '
                    'job: 202 with the job to poll (Location) until it is ready, then the ZIP; '
                    'taking it is logged (read.bundle)',
                    tag='audit',
                    params=[path_param('code')],
                    responses={
                        '200': {
                            'description': 'The bundle',
                            'content': {
                                'application/zip': {
                                    'schema': {'type': 'string', 'format': 'binary'}
                                }
                            },
                        },
                        '202': {
                            'description': 'Being built: poll the job (also in Location)',
                            'content': {
                                'application/json': {
                                    'schema': {
                                        'type': 'object',
                                        'properties': {
                                            'job': {'$ref': '#/components/schemas/Job'},
                                            'status_url': {'type': 'string'},
                                        },
                                    }
                                }
                            },
                        },
                    },
                )
            },
        }
    )
