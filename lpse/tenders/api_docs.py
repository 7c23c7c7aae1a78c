"""The OpenAPI description of the tender routes."""

from lpse.api.openapi import document, op, path_param, query_param

CODE = path_param('code')
DECIMAL = {'type': 'string', 'pattern': r'^\d+(\.\d{1,2})?$', 'example': '1500000000.00'}
TIME = {'type': 'string', 'format': 'date-time', 'example': '2026-12-01T10:00:00+09:00'}
LIST_PARAMS = [
    query_param('q', description='words matched as prefixes in code, title, description, agency'),
    query_param('stage', description='derived stage, e.g. bid_submission, completed, cancelled'),
    query_param('category'),
    query_param('agency', description='agency code'),
    query_param('year', 'integer', 'fiscal year'),
    query_param('hps_min', description='decimal string'),
    query_param('hps_max', description='decimal string'),
    query_param('sort', description='newest (default), deadline or hps'),
    query_param('after', description='cursor: the page after this one (next_cursor)'),
    query_param('before', description='cursor: the page before this one (prev_cursor)'),
]


def describe():
    document(
        {
            '/tenders': {
                'get': op(
                    'Search published tenders (keyset pages)',
                    tag='tenders',
                    auth=False,
                    params=LIST_PARAMS,
                ),
                'post': op(
                    'Create a draft tender (Pokja or PPK of the agency)',
                    tag='tenders',
                    body='TenderDraft',
                    responses={'201': {'description': 'Created'}},
                ),
            },
            '/tenders/{code}': {
                'get': op(
                    'A tender: announcement, schedule with changes, documents, Q&A',
                    tag='tenders',
                    auth=False,
                    params=[CODE],
                ),
                'patch': op(
                    'Change a draft (refused once published)',
                    tag='tenders',
                    body='TenderDraft',
                    params=[CODE],
                ),
            },
            '/tenders/{code}/publish': {
                'post': op(
                    'Publish: freezes the rules; 422 lists every missing item',
                    tag='tenders',
                    params=[CODE],
                ),
            },
            '/tenders/{code}/schedule-changes': {
                'post': op(
                    'Change stages of a published schedule, with a reason',
                    tag='tenders',
                    body='ScheduleChange',
                    params=[CODE],
                    responses={'201': {'description': 'Changed'}},
                ),
            },
            '/tenders/{code}/documents': {
                'post': op(
                    'Upload a document (draft) or an addendum (published; reason required)',
                    tag='tenders',
                    params=[CODE],
                    responses={'201': {'description': 'Stored'}},
                    content={
                        'multipart/form-data': {
                            'schema': {
                                'type': 'object',
                                'required': ['kind', 'file'],
                                'properties': {
                                    'kind': {
                                        'enum': [
                                            'dokumen_pemilihan',
                                            'kak',
                                            'boq',
                                            'draft_contract',
                                            'other',
                                        ]
                                    },
                                    'title': {'type': 'string'},
                                    'reason': {'type': 'string'},
                                    'file': {'type': 'string', 'format': 'binary'},
                                },
                            }
                        }
                    },
                ),
            },
            '/tenders/{code}/questions': {
                'post': op(
                    'Ask a question during the clarification stage (vendor)',
                    tag='tenders',
                    body='Question',
                    params=[CODE],
                    responses={'201': {'description': 'Asked'}},
                ),
            },
            '/tenders/{code}/questions/{question_id}/answer': {
                'post': op(
                    'Answer a question (Pokja of the tender)',
                    tag='tenders',
                    body='Answer',
                    params=[CODE, path_param('question_id', 'integer')],
                ),
            },
            '/tenders/{code}/cancel': {
                'post': op(
                    'Cancel a running tender, with a reason',
                    tag='tenders',
                    body='Reason',
                    params=[CODE],
                ),
            },
        },
        SCHEMAS,
    )


SCHEMAS = {
    'TenderDraft': {
        'type': 'object',
        'description': 'POST requires title, category, selection_method, contract_type, '
        'fiscal_year, pagu, hps, business_size, evaluation_method; PATCH takes any subset.',
        'properties': {
            'title': {'type': 'string'},
            'description': {'type': 'string'},
            'category': {
                'enum': ['barang', 'pekerjaan_konstruksi', 'jasa_konsultansi', 'jasa_lainnya']
            },
            'selection_method': {'enum': ['tender', 'seleksi', 'tender_cepat']},
            'contract_type': {'enum': ['lump_sum', 'unit_price', 'gabungan']},
            'work_unit': {'type': 'string', 'description': 'work unit code'},
            'funding_source': {'type': 'string'},
            'fiscal_year': {'type': 'integer'},
            'pagu': DECIMAL,
            'hps': DECIMAL,
            'business_size': {'enum': ['kecil', 'non_kecil']},
            'location': {'type': 'string'},
            'timezone': {'enum': ['Asia/Jakarta', 'Asia/Makassar', 'Asia/Jayapura']},
            'ppk': {'type': 'string', 'description': 'email or user id'},
            'pokja': {
                'type': 'array',
                'items': {'type': 'string'},
                'description': 'emails or user ids; odd, at least 3',
            },
            'key_threshold': {'type': 'integer'},
            'submission_files': {'enum': [1, 2]},
            'evaluation_method': {
                'enum': [
                    'lowest_price',
                    'merit_point',
                    'life_cycle_cost',
                    'qcbs',
                    'quality',
                    'fixed_budget',
                    'least_cost',
                ]
            },
            'method_params': {
                'type': 'object',
                'description': 'weights, technical_threshold, '
                'tkdn, life_cycle… as in docs/EVALUATION_FORMAT.md',
            },
            'boq': {
                'type': 'array',
                'items': {
                    'type': 'object',
                    'required': ['description', 'quantity', 'unit', 'unit_price'],
                    'properties': {
                        'description': {'type': 'string'},
                        'quantity': {'type': 'string'},
                        'unit': {'type': 'string'},
                        'unit_price': DECIMAL,
                    },
                },
            },
            'schedule': {'$ref': '#/components/schemas/Schedule'},
        },
    },
    'Schedule': {
        'type': 'object',
        'description': 'stage → window [start, end); times need an offset',
        'additionalProperties': {
            'type': 'object',
            'required': ['start', 'end'],
            'properties': {'start': TIME, 'end': TIME},
        },
    },
    'ScheduleChange': {
        'type': 'object',
        'required': ['reason', 'schedule'],
        'properties': {
            'reason': {'type': 'string'},
            'schedule': {'$ref': '#/components/schemas/Schedule'},
        },
    },
    'Question': {
        'type': 'object',
        'required': ['body'],
        'properties': {'body': {'type': 'string'}},
    },
    'Answer': {
        'type': 'object',
        'required': ['answer'],
        'properties': {'answer': {'type': 'string'}, 'causes_addendum': {'type': 'boolean'}},
    },
    'Reason': {
        'type': 'object',
        'required': ['reason'],
        'properties': {'reason': {'type': 'string'}},
    },
}
