"""API: submit a sealed bid (raw `application/pkcs7-mime` body or multipart), list and withdraw
one's own bids; the tender certificate and the bid-set commitment (public)."""

import json

from flask import Response, g, jsonify, request, url_for
from flask_babel import gettext as _

from lpse import clock
from lpse.api.base import api_auth, bp
from lpse.api.openapi import document, op, path_param, query_param
from lpse.bids import commitment, permissions, submission
from lpse.errors import NotAllowed, NotFound, ValidationFailed
from lpse.extensions import db
from lpse.proxies import client_ip
from lpse.tenders import keys
from lpse.tenders import operations as tender_ops
from lpse.tenders.views import load_tender
from lpse.vendors import verification

SIGNATURE_HEADER = 'X-LPSE-Submission-Signature'
P7M = 'application/pkcs7-mime'


def bid_json(bid) -> dict:
    """One's own bid as the API shows it (never to anyone else before opening)."""
    return {
        'receipt_number': bid.receipt_number,
        'envelope': bid.kind,
        'status': bid.status,
        'sha256': bid.sha256,
        'size': bid.size,
        'received_at': json.loads(bid.receipt_json)['receipt']['received_at'],
        'withdrawn_at': bid.withdrawn_at.isoformat() if bid.withdrawn_at else None,
        'receipt': json.loads(bid.receipt_json),
        'receipt_pdf': url_for(
            'bids.receipt_pdf', code=bid.tender.code, bid_id=bid.id, _external=False
        ),
    }


def _upload_from_request() -> submission.Upload:
    ip, agent = client_ip(), request.user_agent.string
    if request.mimetype == P7M:
        signature = submission.decode_signature(request.headers.get(SIGNATURE_HEADER, ''))
        return submission.Upload(
            request.stream,
            signature,
            request.args.get('envelope'),
            request.content_length,
            ip,
            agent,
        )
    if request.mimetype == 'multipart/form-data':
        submission.check_declared_size(request.content_length)
        envelope = request.files.get('envelope')
        if envelope is None:
            raise ValidationFailed(_('Kolom berkas "envelope" wajib diisi.'), field='envelope')
        sig_file = request.files.get('signature')
        raw = sig_file.read(64 * 1024 + 1) if sig_file else request.form.get('signature', '')
        kind = request.form.get('envelope_kind') or request.args.get('envelope')
        return submission.Upload(
            envelope.stream, submission.decode_signature(raw), kind, None, ip, agent
        )
    raise _unsupported()


def _unsupported():
    from werkzeug.exceptions import UnsupportedMediaType

    return UnsupportedMediaType(
        _('Kirim sampul sebagai application/pkcs7-mime atau multipart/form-data.')
    )


@bp.post('/tenders/<code>/bids')
@api_auth('vendor')
def bid_submit(code):
    tender = load_tender(code, options=tender_ops.lean())
    now = clock.now()
    user = g.api_user
    vendor = permissions.require_submission(tender, user, now)
    submission.check_declared_size(request.content_length)
    with submission.upload_lock(tender, vendor, now=now) as lock:
        upload = _upload_from_request()
        received = submission.receive(tender, user, vendor, upload, now=now, lock=lock)
    # The PDF receipt is issued on its first download (bids.receipt_pdf): not in this request.
    response = jsonify(received.receipt)
    response.status_code = 201 if received.created else 200
    return response


def _my_vendor(user):
    vendor = verification.vendor_of(user)
    if vendor is None:
        raise NotAllowed(_('Akun ini tidak terhubung dengan penyedia.'))
    return vendor


@bp.get('/tenders/<code>/bids/mine')
@api_auth('vendor')
def bid_mine(code):
    tender = load_tender(code)
    vendor = _my_vendor(g.api_user)
    return jsonify({'bids': [bid_json(b) for b in submission.bids_of(tender, vendor)]})


@bp.delete('/tenders/<code>/bids/mine')
@api_auth('vendor')
def bid_withdraw(code):
    tender = load_tender(code)
    vendor = _my_vendor(g.api_user)
    bids = submission.withdraw(
        tender,
        g.api_user,
        vendor,
        kind=request.args.get('envelope'),
        now=clock.now(),
        ip=client_ip(),
    )
    db.session.commit()
    return jsonify({'withdrawn': [bid_json(b) for b in bids]})


@bp.get('/tenders/<code>/commitment')
def bid_commitment(code):
    tender = load_tender(code)
    row = commitment.commitment_of(tender)
    if row is None:
        raise NotFound(_('Komitmen himpunan penawaran terbit pada batas akhir penawaran.'))
    return Response(row.document, mimetype='application/json')


@bp.get('/tenders/<code>/certificate')
def tender_certificate(code):
    tender = load_tender(code)
    return Response(keys.require_key(tender).certificate_pem, mimetype='application/x-pem-file')


CODE = path_param('code')
ENVELOPE = query_param('envelope', description='single, technical (File I) or price (File II)')
document(
    {
        '/tenders/{code}/bids': {
            'post': op(
                'Submit a sealed bid (.p7m) with its detached submission signature',
                tag='bids',
                params=[CODE, ENVELOPE],
                content={
                    P7M: {
                        'schema': {'type': 'string', 'format': 'binary'},
                        'description': f'the .p7m; signature (base64 DER) in {SIGNATURE_HEADER}',
                    },
                    'multipart/form-data': {
                        'schema': {
                            'type': 'object',
                            'required': ['envelope', 'signature'],
                            'properties': {
                                'envelope': {'type': 'string', 'format': 'binary'},
                                'signature': {'type': 'string', 'format': 'binary'},
                                'envelope_kind': {'type': 'string'},
                            },
                        }
                    },
                },
                responses={
                    '201': {'description': 'Accepted: the signed receipt (lpse-receipt/1)'},
                    '200': {'description': 'The same envelope again: its existing receipt'},
                },
            )
        },
        '/tenders/{code}/bids/mine': {
            'get': op('My bids on this tender, with receipts', tag='bids', params=[CODE]),
            'delete': op(
                'Withdraw my current bid (one envelope kind, or all) before the deadline',
                tag='bids',
                params=[CODE, ENVELOPE],
            ),
        },
        '/tenders/{code}/commitment': {
            'get': op(
                'The signed bid-set commitment (lpse-bidset/1), from the deadline on',
                tag='bids',
                auth=False,
                params=[CODE],
            )
        },
        '/tenders/{code}/certificate': {
            'get': op(
                'The tender certificate (PEM) to seal bids to',
                tag='bids',
                auth=False,
                params=[CODE],
            )
        },
    }
)
