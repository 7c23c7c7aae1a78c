"""OpenAPI description of the report figures (lpse.auditor.reports.api)."""

from lpse.api.openapi import CSV_RESPONSES, document, op, path_param, query_param

FILTERS = [
    query_param('agency', description='agency code'),
    query_param('work_unit', 'integer', 'work unit id'),
    query_param('year', 'integer', 'fiscal year'),
    query_param(
        'category',
        description='procurement type: barang, pekerjaan_konstruksi, jasa_konsultansi, '
        'jasa_lainnya',
    ),
    query_param('method', description='selection method: tender, seleksi, tender_cepat'),
    query_param('status', description='published, cancelled or failed'),
    query_param('hps_min', description='lowest HPS in rupiah (e.g. 1000000000)'),
    query_param('hps_max', description='highest HPS in rupiah'),
]
KEYS = 'stages, outcomes, savings, bidders, durations, ended, objections, vendor_wins, vendor_bids'
TABLE = {
    'type': 'object',
    'required': ['key', 'title', 'columns', 'rows', 'totals', 'total_rows'],
    'properties': {
        'key': {'type': 'string'},
        'title': {'type': 'string'},
        'columns': {
            'type': 'array',
            'items': {
                'type': 'object',
                'properties': {
                    'key': {'type': 'string'},
                    'label': {'type': 'string'},
                    'kind': {
                        'type': 'string',
                        'enum': ['text', 'int', 'money', 'percent', 'days', 'date'],
                    },
                },
            },
        },
        'rows': {'type': 'array', 'items': {'type': 'object'}},
        'totals': {'type': 'object'},
        'total_rows': {'type': 'integer'},
    },
}
JSON_OK = {
    'description': 'The figures (amounts as decimal strings, dates ISO 8601)',
    'content': {'application/json': {'schema': {'type': 'object'}}},
}
SCOPE = (
    '(auditors in their scope, admins). The figures are aggregated over stored per-tender rows '
    "refreshed by the clock (`computed_at`: the last refresh); a tender's stage is read at "
    'request time. 422 names a bad filter.'
)


def describe():
    document(
        {
            '/audit/reports': {
                'get': op(
                    'Every report figure across tenders ' + SCOPE,
                    tag='audit',
                    params=FILTERS,
                    responses={'200': JSON_OK},
                )
            },
            '/audit/reports/{key}': {
                'get': op(
                    f'One figure ({KEYS}); lists show their first 25 tenders, '
                    '`total_rows` says how many there are ' + SCOPE,
                    tag='audit',
                    params=[path_param('key'), *FILTERS],
                    responses={
                        '200': {
                            'description': 'The figure',
                            'content': {
                                'application/json': {
                                    'schema': {
                                        'type': 'object',
                                        'properties': {
                                            'filters': {'type': 'object'},
                                            'computed_at': {'type': 'string', 'nullable': True},
                                            'table': TABLE,
                                        },
                                    }
                                }
                            },
                        }
                    },
                )
            },
            '/audit/reports/{key}.csv': {
                'get': op(
                    'One figure as CSV with every listed tender; the download is logged '
                    '(read.report)',
                    tag='audit',
                    params=[path_param('key'), *FILTERS],
                    responses=CSV_RESPONSES,
                )
            },
            '/audit/reports/export/{fmt}': {
                'post': op(
                    'Ask for the whole report as `xlsx` (numbers as numbers, rupiah format, '
                    'dates as dates) or `pdf` (every figure with its chart, signed by the '
                    'system key): 202 with the job to poll; its result is the file, and taking '
                    'it is logged (read.report). Filters as query parameters',
                    tag='audit',
                    params=[path_param('fmt'), *FILTERS],
                    responses={
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
                        }
                    },
                )
            },
        }
    )
