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


def ok(schema, status='200', description='OK'):
    """A response whose JSON body is the named schema."""
    ref = {'$ref': f'#/components/schemas/{schema}'}
    return {status: {'description': description, 'content': {'application/json': {'schema': ref}}}}


def describe():
    document(
        {
            '/tenders': {
                'get': op(
                    'Search published tenders (keyset pages)',
                    tag='tenders',
                    auth=False,
                    params=LIST_PARAMS,
                    responses=ok('TenderPage'),
                ),
                'post': op(
                    'Create a draft tender (Pokja or PPK of the agency)',
                    tag='tenders',
                    body='TenderDraft',
                    responses=ok('Tender', '201', 'Created'),
                ),
            },
            '/tenders/{code}': {
                'get': op(
                    'A tender: announcement, schedule with changes, documents, Q&A',
                    tag='tenders',
                    auth=False,
                    params=[
                        CODE,
                        query_param(
                            'version',
                            'integer',
                            'an older version (a retender links them); default the newest '
                            'visible to the caller',
                        ),
                    ],
                    responses=ok('Tender'),
                ),
                'patch': op(
                    'Change a draft (refused once published)',
                    tag='tenders',
                    body='TenderDraft',
                    params=[CODE],
                    responses=ok('Tender'),
                ),
            },
            '/tenders/{code}/publish': {
                'post': op(
                    'Publish: freezes the rules; 422 lists every missing item',
                    tag='tenders',
                    params=[CODE],
                    responses=ok('Tender'),
                ),
            },
            '/tenders/{code}/schedule-changes': {
                'post': op(
                    'Change stages of a published schedule, with a reason',
                    tag='tenders',
                    body='ScheduleChange',
                    params=[CODE],
                    responses=ok('Tender', '201', 'Changed'),
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
                                    'affects_bids': {
                                        'type': 'boolean',
                                        'description': 'Required for an addendum: whether it '
                                        'affects bids (then bid_deadline is required and must '
                                        'be later than the current deadline)',
                                    },
                                    'bid_deadline': {
                                        'type': 'string',
                                        'format': 'date-time',
                                        'description': 'The new bid deadline (ISO 8601 with '
                                        'offset); later stages move by the same amount',
                                    },
                                    'file': {'type': 'string', 'format': 'binary'},
                                },
                            }
                        }
                    },
                ),
            },
            '/tenders/{code}/documents/{document_id}': {
                'get': op(
                    'Download a full tender document (who may download it now; logged)',
                    tag='tenders',
                    params=[CODE, path_param('document_id', 'integer')],
                    responses={
                        '200': {
                            'description': 'The document',
                            'content': {
                                'application/octet-stream': {
                                    'schema': {'type': 'string', 'format': 'binary'}
                                }
                            },
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
                    responses=ok('Tender'),
                ),
            },
        },
        SCHEMAS,
    )


STRING = {'type': 'string'}
NULLABLE_TIME = {**TIME, 'nullable': True}
WINDOW = {'type': 'object', 'properties': {'start': TIME, 'end': TIME}}
SUMMARY = {
    'code': {'type': 'string', 'example': 'KOTAUJI-2026-00001'},
    'version': {'type': 'integer', 'description': '1, then 2, 3… for retenders'},
    'title': STRING,
    'agency': {'type': 'object', 'properties': {'code': STRING, 'name': STRING}},
    'category': STRING,
    'fiscal_year': {'type': 'integer'},
    'hps': {**DECIMAL, 'description': "owner's estimate, rupiah, decimal string"},
    'status': {'enum': ['draft', 'published', 'cancelled', 'failed']},
    'stage': {'type': 'string', 'description': 'derived now from the schedule and milestones'},
    'timezone': STRING,
    'bid_deadline': {**NULLABLE_TIME, 'description': "in the tender's zone, with its offset"},
    'published_at': NULLABLE_TIME,
    'url': {'type': 'string', 'format': 'uri'},
}
RESPONSE_SCHEMAS = {
    'TenderSummary': {
        'type': 'object',
        'description': 'A row of the list. Amounts are decimal strings ("1500000000.00"), '
        "never numbers; times are ISO 8601 with the tender zone's offset.",
        'properties': SUMMARY,
    },
    'TenderPage': {
        'type': 'object',
        'properties': {
            'tenders': {
                'type': 'array',
                'items': {'$ref': '#/components/schemas/TenderSummary'},
            },
            'next_cursor': {'type': 'string', 'nullable': True},
            'prev_cursor': {'type': 'string', 'nullable': True},
            'total': {'type': 'integer', 'description': 'capped at 200'},
            'total_capped': {'type': 'boolean'},
        },
    },
    'Tender': {
        'type': 'object',
        'description': 'The announcement. Amounts are decimal strings, times ISO 8601 with '
        "the tender zone's offset (e.g. 2026-12-01T10:00:00+09:00).",
        'properties': {
            **SUMMARY,
            'description': STRING,
            'selection_method': STRING,
            'qualification_method': {'enum': ['pascakualifikasi', 'prakualifikasi']},
            'contract_type': STRING,
            'work_unit': {'type': 'string', 'nullable': True},
            'funding_source': STRING,
            'pagu': DECIMAL,
            'business_size': STRING,
            'location': STRING,
            'pokja_size': {'type': 'integer'},
            'key_threshold': {'type': 'integer'},
            'submission_files': {'enum': [1, 2]},
            'evaluation_method': STRING,
            'method_params': {'type': 'object'},
            'method_stages': {
                'type': 'array',
                'items': STRING,
                'description': 'the stages of the selection method, in order',
            },
            'required_kbli': {
                'type': 'array',
                'items': STRING,
                'description': 'KBLI codes a vendor must hold one of (Tender Cepat: checked '
                'against the verified register data)',
            },
            'shortlist': {
                'type': 'array',
                'nullable': True,
                'items': {
                    'type': 'object',
                    'properties': {'rank': {'type': 'integer'}, 'vendor': STRING},
                },
                'description': 'prakualifikasi: the announced shortlist, best first (null '
                'before the announcement and for other methods)',
            },
            'rules_version': {'type': 'string', 'nullable': True},
            'frozen_sha256': {'type': 'string', 'nullable': True},
            'end_reason': {'type': 'string', 'nullable': True},
            'superseded': {'type': 'boolean', 'description': 'a newer version replaced it'},
            'previous_version': {'type': 'integer', 'nullable': True},
            'next_version': {
                'type': 'integer',
                'nullable': True,
                'description': 'the retender of this version, when visible to the caller',
            },
            'schedule': {
                'type': 'array',
                'items': {
                    'type': 'object',
                    'properties': {
                        'stage': STRING,
                        'start': TIME,
                        'end': TIME,
                        'changes': {
                            'type': 'array',
                            'items': {
                                'type': 'object',
                                'properties': {
                                    'changed_at': TIME,
                                    'old': WINDOW,
                                    'new': WINDOW,
                                    'reason': STRING,
                                },
                            },
                        },
                    },
                },
            },
            'boq': {
                'type': 'array',
                'items': {
                    'type': 'object',
                    'properties': {
                        'description': STRING,
                        'quantity': {'type': 'string', 'example': '1000'},
                        'unit': STRING,
                        'unit_price': DECIMAL,
                        'total': DECIMAL,
                    },
                },
            },
            'documents': {'type': 'array', 'items': {'type': 'object'}},
            'addenda': {'type': 'array', 'items': {'type': 'object'}},
            'questions': {'type': 'array', 'items': {'type': 'object'}},
        },
    },
}

SCHEMAS = {
    **RESPONSE_SCHEMAS,
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
            'qualification_method': {
                'enum': ['pascakualifikasi', 'prakualifikasi'],
                'description': 'prakualifikasi: a shortlist before the bids (not Tender Cepat)',
            },
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
            'required_kbli': {
                'type': 'array',
                'items': {'type': 'string', 'pattern': '^[0-9]{5}$'},
                'description': 'KBLI codes (a comma-separated string is accepted too)',
            },
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
