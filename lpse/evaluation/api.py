"""API: worksheet entries per bid, the negotiation with the invited firm (seleksi), the live
ranking (Pokja, PPK, auditors) or the public result (after announcement), the result proposal
and its approvals, and the case export."""

from flask import g, jsonify, request
from flask_babel import gettext as _

from lpse import clock
from lpse.api.base import api_auth, bp, field, json_body
from lpse.errors import NotAllowed
from lpse.evaluation import decision, negotiation, permissions, recording, views_data
from lpse.evaluation.api_docs import describe
from lpse.extensions import db
from lpse.proxies import client_ip
from lpse.tenders import operations


def _tender(code):
    return operations.get_tender(code, visible_to=g.get('api_user'))


def _require_member(tender):
    if not permissions.can_evaluate(tender, g.api_user):
        raise NotAllowed(_('Hanya Pokja tender ini yang dapat melakukannya.'))


@bp.put('/tenders/<code>/bids/<int:bid>/evaluation')
@api_auth('pokja')
def evaluation_entry(code, bid):
    tender = _tender(code)
    _require_member(tender)
    data = json_body()
    p = recording.record(tender, bid, data, actor=g.api_user, now=clock.now(), ip=client_ip())
    db.session.commit()
    return jsonify(views_data.bid_worksheet_json(tender, p))


@bp.put('/tenders/<code>/bids/<int:bid>/negotiation')
@api_auth('pokja')
def evaluation_negotiation(code, bid):
    tender = _tender(code)
    _require_member(tender)
    data = json_body()
    row, _document = negotiation.record_negotiation(
        tender, bid, data, actor=g.api_user, now=clock.now(), ip=client_ip()
    )
    db.session.commit()
    return jsonify(views_data.negotiation_json(tender, row))


@bp.get('/tenders/<code>/evaluation')
def evaluation_show(code):
    tender = _tender(code)
    user = g.get('api_user')
    if permissions.can_view_worksheets(tender, user):
        return jsonify(views_data.live_json(tender, request.args.get('version', type=int)))
    if permissions.is_public(tender):
        return jsonify(views_data.public_json(tender))
    if views_data.withdrawn_announcements(tender):
        return jsonify(views_data.withdrawn_json(tender))
    if user is None:
        from flask import abort

        abort(401, description=_('Sertakan token API: Authorization: Bearer <token>.'))
    raise NotAllowed(_('Hasil evaluasi diumumkan setelah penetapan pemenang.'))


@bp.post('/tenders/<code>/result')
@api_auth('pokja')
def result_propose(code):
    tender = _tender(code)
    _require_member(tender)
    data = json_body()
    winner = field(data, 'winner', kind=int | str, required=False)
    note = field(data, 'note', required=False, default='')
    proposal = decision.propose(
        tender, actor=g.api_user, now=clock.now(), winner=winner, note=note, ip=client_ip()
    )
    db.session.commit()
    response = jsonify(views_data.proposal_json(tender, proposal))
    response.status_code = 201
    return response


@bp.post('/tenders/<code>/result/approvals')
@api_auth('pokja')
def result_approve(code):
    tender = _tender(code)
    _require_member(tender)
    data = json_body()
    proposal_id = field(data, 'proposal', kind=int)
    proposal = decision.approve(
        tender, proposal_id=proposal_id, actor=g.api_user, now=clock.now(), ip=client_ip()
    )
    db.session.commit()
    return jsonify(views_data.proposal_json(tender, proposal))


@bp.get('/tenders/<code>/evaluation/export')
def evaluation_export(code):
    tender = _tender(code)
    user = g.get('api_user')
    if not (permissions.can_view_worksheets(tender, user) or permissions.is_public(tender)):
        if user is None:
            from flask import abort

            abort(401, description=_('Sertakan token API: Authorization: Bearer <token>.'))
        raise NotAllowed(_('Hasil evaluasi diumumkan setelah penetapan pemenang.'))
    if permissions.can_view_worksheets(tender, user):
        data = decision.export_case(tender)
    else:
        data = views_data.public_case(tender)
    response = jsonify(data)
    response.headers['Content-Disposition'] = (
        f'attachment; filename="{tender.code}-v{tender.version}-evaluation-case.json"'
    )
    return response


describe()
