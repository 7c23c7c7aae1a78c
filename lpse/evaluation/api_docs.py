"""The OpenAPI description of the evaluation routes."""

from lpse.api.openapi import document, op, path_param, query_param

CODE = path_param('code')
BID = path_param('bid', 'integer')
VERDICT = {
    'type': 'object',
    'required': ['passed'],
    'properties': {
        'passed': {'type': 'boolean'},
        'reason': {'type': 'string', 'description': 'required when passed is false'},
    },
}
SCORE = {'type': 'string', 'pattern': r'^\d{1,3}(\.\d{1,2})?$', 'example': '82.50'}


def describe():
    document(
        {
            '/tenders/{code}/bids/{bid}/evaluation': {
                'put': op(
                    'Record worksheet entries for one opened bid (Pokja of the tender)',
                    tag='evaluation',
                    body='EvaluationEntries',
                    params=[CODE, BID],
                )
            },
            '/tenders/{code}/bids/{bid}/negotiation': {
                'put': op(
                    'Record the clarification and negotiation with the invited firm (seleksi; '
                    'Pokja of the tender): notes, negotiated unit prices (HN ≤ offer), agreed '
                    'or failed; issues the BA Klarifikasi dan Negosiasi. 409 when the tender '
                    'does not negotiate or the bid is not the invited one; 422 for an HN '
                    'above the offer (nothing written)',
                    tag='evaluation',
                    body='Negotiation',
                    params=[CODE, BID],
                )
            },
            '/tenders/{code}/evaluation': {
                'get': op(
                    'The live ranking and worksheets (Pokja, PPK, auditors); the public '
                    'result once the winner is announced',
                    tag='evaluation',
                    auth=False,
                    params=[
                        CODE,
                        query_param(
                            'version',
                            'integer',
                            'an older evaluation version (Pokja, PPK, auditors)',
                        ),
                    ],
                )
            },
            '/tenders/{code}/result': {
                'post': op(
                    'Propose the result (the ranking winner and reserves); counts as the '
                    "proposer's approval",
                    tag='evaluation',
                    body='ResultProposal',
                    params=[CODE],
                    responses={'201': {'description': 'The proposal'}},
                )
            },
            '/tenders/{code}/result/approvals': {
                'post': op(
                    'Approve the pending proposal named by `proposal` (the id the member '
                    'reviewed); it takes effect at half the Pokja. 409 when that proposal is '
                    'no longer the pending one',
                    tag='evaluation',
                    body='ResultApproval',
                    params=[CODE],
                )
            },
            '/tenders/{code}/evaluation/export': {
                'get': op(
                    'The evaluation case (lpse-evaluation-case/1) that `lpse evaluate` '
                    'recomputes: decided once approved, else live (Pokja, PPK, auditors)',
                    tag='evaluation',
                    auth=False,
                    params=[CODE],
                )
            },
        },
        {
            'EvaluationEntries': {
                'type': 'object',
                'description': 'Any subset; each given entry replaces the previous one.',
                'properties': {
                    'administration': VERDICT,
                    'qualification': VERDICT,
                    'technical': {
                        'type': 'object',
                        'required': ['passed'],
                        'properties': {
                            **VERDICT['properties'],
                            'score': SCORE,
                            'criteria': {'type': 'object', 'additionalProperties': SCORE},
                        },
                    },
                    'clarification': VERDICT,
                    'pembuktian': VERDICT,
                    'tie_break_order': {'type': 'integer', 'minimum': 1},
                },
            },
            'Negotiation': {
                'type': 'object',
                'required': ['status'],
                'properties': {
                    'status': {'type': 'string', 'enum': ['agreed', 'failed']},
                    'technical_notes': {'type': 'string'},
                    'price_notes': {'type': 'string'},
                    'reason': {'type': 'string', 'description': 'required when failed'},
                    'lines': {
                        'type': 'array',
                        'description': 'negotiated unit prices of the lines that changed '
                        "(agreed only); each at most the offer's unit price",
                        'items': {
                            'type': 'object',
                            'required': ['item', 'unit_price'],
                            'properties': {
                                'item': {'type': 'string'},
                                'unit_price': {
                                    'type': 'string',
                                    'pattern': r'^\d{1,18}(\.\d{1,2})?$',
                                    'example': '19000',
                                },
                            },
                        },
                    },
                },
            },
            'ResultApproval': {
                'type': 'object',
                'required': ['proposal'],
                'properties': {
                    'proposal': {
                        'type': 'integer',
                        'description': 'id of the pending proposal being approved',
                    },
                },
            },
            'ResultProposal': {
                'type': 'object',
                'properties': {
                    'winner': {'type': 'integer', 'description': 'confirms the ranking winner'},
                    'note': {'type': 'string'},
                },
            },
        },
    )
