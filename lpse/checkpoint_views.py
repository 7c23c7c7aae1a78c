"""The public list of signed audit checkpoints: a page, a JSON download and the API route."""

from flask import Blueprint, jsonify, render_template

from lpse import checkpoints, clock
from lpse.api.base import bp as api_bp
from lpse.api.openapi import document, op

bp = Blueprint('checkpoints', __name__, url_prefix='/audit')
bp.add_app_template_global(checkpoints.latest_checkpoint, 'latest_checkpoint')
bp.add_app_template_global(checkpoints.tender_checkpoint, 'tender_checkpoint')
bp.add_app_template_global(checkpoints.reason_label, 'checkpoint_reason')


@bp.get('/checkpoints')
def index():
    """Every public checkpoint, newest first: anyone may copy them out of the system."""
    rows = checkpoints.public_checkpoints(clock.now())
    return render_template('audit/checkpoints.html', checkpoints=rows[::-1])


@bp.get('/checkpoints.json')
def download():
    response = jsonify(checkpoints.export_file(checkpoints.public_checkpoints(clock.now())))
    response.headers['Content-Disposition'] = 'attachment; filename=checkpoints.json'
    return response


@api_bp.get('/audit/checkpoints')
def checkpoint_list():
    return jsonify(checkpoints.export_file(checkpoints.public_checkpoints(clock.now())))


document(
    {
        '/audit/checkpoints': {
            'get': op(
                'Signed audit checkpoints, with the CA and system certificates',
                tag='audit',
                auth=False,
                responses={
                    '200': {
                        'description': 'The checkpoints file (lpse verify-audit --checkpoints)',
                        'content': {
                            'application/json': {
                                'schema': {'$ref': '#/components/schemas/CheckpointFile'}
                            }
                        },
                    }
                },
            )
        }
    },
    {
        'CheckpointFile': {
            'type': 'object',
            'required': ['format', 'checkpoints', 'system_certificates'],
            'properties': {
                'format': {'type': 'string', 'enum': [checkpoints.FILE_FORMAT]},
                'ca_certificate': {'type': 'string', 'nullable': True, 'description': 'PEM'},
                'system_certificates': {'type': 'array', 'items': {'type': 'string'}},
                'checkpoints': {
                    'type': 'array',
                    'items': {'$ref': '#/components/schemas/SignedCheckpoint'},
                },
            },
        },
        'SignedCheckpoint': {
            'type': 'object',
            'required': ['checkpoint', 'signature'],
            'properties': {
                'checkpoint': {
                    'type': 'object',
                    'required': list(checkpoints.FIELDS),
                    'properties': {
                        'format': {'type': 'string', 'enum': [checkpoints.FORMAT]},
                        'seq': {'type': 'integer', 'minimum': 0},
                        'hash': {'type': 'string', 'pattern': '^[0-9a-f]{64}$'},
                        'at': {'type': 'string', 'format': 'date-time'},
                        'reason': {'type': 'string', 'example': 'bid.deadline'},
                    },
                },
                'signature': {
                    'type': 'object',
                    'properties': {
                        'alg': {'type': 'string', 'enum': ['RSA-PSS-SHA256']},
                        'value': {'type': 'string', 'format': 'byte'},
                        'certificate': {'type': 'string', 'description': 'PEM'},
                    },
                },
            },
        },
    },
)
