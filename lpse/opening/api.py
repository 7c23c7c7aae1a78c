"""API of the opening: the ceremony state, a member's encrypted share (for `lpse open-share`),
releasing a share, the opened bids, the published tender key and the sealed envelopes."""

import base64

from flask import Response, abort, g, jsonify, send_file
from flask_babel import gettext as _

from lpse import clock, storage
from lpse.api.base import api_auth, bp, field, json_body
from lpse.bids import commitment
from lpse.bids.models import Bid
from lpse.errors import NotFound, StageClosed
from lpse.extensions import db
from lpse.opening import api_docs, permissions, present, shares, state
from lpse.proxies import client_ip
from lpse.tenders.keys import key_of
from lpse.tenders.views import load_tender
from lpse.vendors import enrolment


@bp.get('/tenders/<code>/opening')
@api_auth()
def opening_state(code):
    tender = load_tender(code)
    return jsonify(present.opening_state(tender, g.api_user, clock.now()))


@bp.get('/tenders/<code>/opening/share')
@api_auth('pokja')
def opening_share(code):
    """The member's share, encrypted to their Pokja certificate (RSA-OAEP-SHA256)."""
    tender = load_tender(code)
    now = clock.now()
    share = shares.encrypted_share(tender, g.api_user, now=now)
    return jsonify(
        {
            'tender_code': tender.code,
            'tender_version': tender.version,
            'kind': state.pending_kind(tender),
            'certificate_serial': share.certificate_serial,
            'ciphertext': base64.b64encode(share.ciphertext).decode('ascii'),
            'commitment': share.commitment,
            'context': share.context,
        }
    )


@bp.post('/tenders/<code>/opening/shares')
@api_auth('pokja')
def opening_release(code):
    """Release a share: `share` (decrypted at the member's desk) or `passphrase` (+ `totp`)."""
    tender = load_tender(code)
    data = json_body()
    now = clock.now()
    user = g.api_user
    commitment.commit_bid_set(tender, now=now)  # the first write that needs it
    try:
        if data.get('share') is not None:
            shares.release_share(
                tender, user, field(data, 'share'), via='cli', now=now, ip=client_ip()
            )
        else:
            shares.release_with_passphrase(
                tender,
                user,
                field(data, 'passphrase'),
                field(data, 'totp', required=False),
                now=now,
                ip=client_ip(),
            )
    except (shares.ShareRefused, shares.WrongSecondFactor, enrolment.WrongSigningPassphrase):
        db.session.commit()  # the refusal's audit event (and the failure count) stand
        raise
    db.session.commit()
    response = jsonify(present.opening_state(tender, user, now))
    response.status_code = 201
    return response


@bp.get('/tenders/<code>/bids')
@api_auth()
def opening_bids(code):
    tender = load_tender(code)
    if not state.is_opened(tender):
        raise StageClosed(_('Penawaran tender ini belum dibuka.'))
    if not permissions.can_see_bids(tender, g.api_user):
        abort(403, description=_('Penawaran lain hanya terlihat setelah pengumuman pemenang.'))
    return jsonify({'tender_code': tender.code, 'bids': present.bids_listing(tender, g.api_user)})


def _require_key_access(tender):
    if not permissions.key_published(tender):
        raise NotFound(_('Kunci privat tender diterbitkan setelah pembukaan penawaran.'))
    if not permissions.can_download_key(tender, g.get('api_user')):
        if g.get('api_user') is None:
            abort(401, description=_('Sertakan token API: Authorization: Bearer <token>.'))
        abort(403, description=_('Kunci tender terbuka untuk umum setelah pengumuman pemenang.'))


@bp.get('/tenders/<code>/key.pem')
def opening_key(code):
    """The tender private key (PKCS#8 PEM), published at opening."""
    tender = load_tender(code)
    _require_key_access(tender)
    pem = key_of(tender).published_key_pem
    permissions.record_read('tender_key', tender, tender, g.get('api_user'), ip=client_ip())
    return Response(pem, mimetype='application/x-pem-file')


@bp.get('/tenders/<code>/bids/<int:bid_id>/envelope')
def opening_envelope(code, bid_id):
    """A sealed envelope exactly as received (DER CMS), once the key is published."""
    tender = load_tender(code)
    _require_key_access(tender)
    bid = db.session.get(Bid, bid_id)
    if bid is None or bid.tender_id != tender.id:
        raise NotFound(_('Sampul tidak ditemukan.'))
    blob = storage.blob_store().open(bid.sha256)
    permissions.record_read('bid_envelope', tender, bid, g.get('api_user'), ip=client_ip())
    response = send_file(
        blob,
        mimetype='application/pkcs7-mime',
        download_name=f'{tender.code}-v{tender.version}-{bid.receipt_number}.p7m',
    )
    response.headers['X-Content-SHA256'] = bid.sha256
    return response


api_docs.describe()
