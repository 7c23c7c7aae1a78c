"""API: public verification of receipts and metadata of issued documents."""

from flask import abort, jsonify, url_for
from flask_babel import gettext as _

from lpse.api.base import bp, field, json_body
from lpse.api.openapi import document, op, path_param
from lpse.documents import operations
from lpse.errors import ValidationFailed


def document_json(doc):
    return {
        'id': doc.id,
        'kind': doc.kind,
        'title': doc.title,
        'tender': doc.tender.code if doc.tender else None,
        'sha256': doc.sha256,
        'size': doc.size,
        'issued_at': doc.created_at.isoformat().replace('+00:00', 'Z'),
        'audit_checkpoint': (
            {'seq': doc.checkpoint.seq, 'hash': doc.checkpoint.hash} if doc.checkpoint else None
        ),
        'verify_url': url_for('documents.detail', document_id=doc.id, _external=True),
    }


@bp.post('/receipts/verify')
def receipt_verify():
    """Anyone: is this receipt signed by our system key, and do we hold its record?"""
    body = json_body()
    envelope_sha256 = field(body, 'envelope_sha256', required=False)
    if envelope_sha256 is not None and len(envelope_sha256) != 64:
        raise ValidationFailed(_('envelope_sha256 harus 64 digit heksadesimal.'))
    doc = {key: value for key, value in body.items() if key != 'envelope_sha256'}
    return jsonify(operations.check_receipt(doc, envelope_sha256=envelope_sha256).as_json())


@bp.get('/documents/<document_id>')
def document_detail(document_id):
    doc = operations.find_document(document_id)
    if doc is None:
        abort(404, description=_('Dokumen tidak dikenal.'))
    return jsonify(document_json(doc))


document(
    {
        '/receipts/verify': {
            'post': op(
                'Verify a signed receipt (signature, CA, system certificate, record)',
                tag='documents',
                auth=False,
                body='ReceiptVerifyRequest',
                responses={
                    '200': {
                        'description': 'The verdict (valid false says why)',
                        'content': {
                            'application/json': {
                                'schema': {'$ref': '#/components/schemas/ReceiptVerdict'}
                            }
                        },
                    }
                },
            )
        },
        '/documents/{document_id}': {
            'get': op(
                'Metadata and SHA-256 of an issued PDF (never its content)',
                tag='documents',
                auth=False,
                params=[path_param('document_id')],
            )
        },
    },
    {
        'ReceiptVerifyRequest': {
            'type': 'object',
            'description': 'The receipt document as issued, plus an optional envelope hash',
            'required': ['receipt', 'signature'],
            'properties': {
                'receipt': {'type': 'object'},
                'signature': {'type': 'object'},
                'envelope_sha256': {'type': 'string', 'pattern': '^[0-9a-f]{64}$'},
            },
        },
        'ReceiptVerdict': {
            'type': 'object',
            'required': ['valid', 'reason', 'receipt'],
            'properties': {
                'valid': {'type': 'boolean'},
                'reason': {'type': 'string', 'nullable': True},
                'receipt': {'type': 'object', 'nullable': True},
                'recorded': {'type': 'boolean', 'nullable': True},
                'record': {'type': 'object', 'nullable': True},
            },
        },
    },
)
