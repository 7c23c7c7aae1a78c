"""API of the winner announcement, objections (sanggah) and the letter of award (SPPBJ)."""

from flask import g, jsonify, request, url_for
from flask_babel import gettext as _

from lpse import clock, ids
from lpse.api.base import api_auth, bp, field, json_body
from lpse.errors import NotAllowed, ValidationFailed
from lpse.evaluation import announcement as announcements
from lpse.evaluation import award as awards
from lpse.evaluation import objections, permissions
from lpse.evaluation.objections_api_docs import describe
from lpse.extensions import db
from lpse.proxies import client_ip
from lpse.tenders.api import parse_time
from lpse.tenders.views import load_tender


def _iso(moment):
    return moment.isoformat() if moment else None


def announcement_json(row) -> dict:
    code = row.tender.code
    return {
        'id': row.id,
        'evaluation_version': row.evaluation_version,
        'announced_at': _iso(row.announced_at),
        'objection_period': {'start': _iso(row.announced_at), 'end': _iso(row.objection_ends_at)},
        'answers_due_at': _iso(row.answer_due_at),
        'withdrawn_at': _iso(row.withdrawn_at),
        'withdrawn_reason': row.withdrawn_reason,
        'documents': {
            kind: url_for('sanggah.result_pdf', code=code, announcement_id=row.id, kind=kind)
            for kind in ('pengumuman', 'bahp')
        },
    }


def objection_json(row) -> dict:
    """An objection as everyone sees it (answers are public; attachments are named only)."""
    return {
        'id': row.id,
        'announcement': row.announcement_id,
        'vendor': row.vendor.company_name,
        'grounds': row.grounds,
        'filed_at': _iso(row.filed_at),
        'attachments': [
            {'filename': a.filename, 'size': a.size, 'sha256': a.sha256} for a in row.attachments
        ],
        'status': row.status,
        'answer': row.answer,
        'consequence': row.consequence,
        'answered_at': _iso(row.answered_at),
        'answered_late': row.answered_late if not row.is_pending else None,
        'answer_pdf': url_for(
            'sanggah.answer_pdf', code=row.announcement.tender.code, objection_id=row.id
        )
        if row.answer_document_id
        else None,
    }


def award_json(row) -> dict:
    return {
        'number': row.number,
        'vendor': row.vendor.company_name,
        'amount': str(row.amount),
        'performance_bond': str(row.performance_bond),
        'contract_deadline': _iso(row.contract_deadline),
        'issued_at': _iso(row.issued_at),
        'document_id': row.document_id,
    }


@bp.post('/tenders/<code>/announce')
@api_auth('pokja')
def tender_announce(code):
    tender = load_tender(code)
    row = announcements.announce_winner(tender, actor=g.api_user, now=clock.now(), ip=client_ip())
    db.session.commit()
    return jsonify({'announcement': announcement_json(row), 'result': row.result}), 201


@bp.get('/tenders/<code>/results')
def tender_results(code):
    tender = load_tender(code)
    result, row = announcements.visible_result(
        tender, g.get('api_user'), ids.query_id('announcement')
    )
    return jsonify(
        {
            'announced': row is not None,
            'announcement': announcement_json(row) if row else None,
            'result': result,
        }
    )


@bp.get('/tenders/<code>/objections')
def tender_objections(code):
    tender = load_tender(code)
    return jsonify({'objections': [objection_json(o) for o in objections.objections_of(tender)]})


def _objection_input():
    if request.mimetype == 'multipart/form-data':
        files = [(f.stream, f.filename) for f in request.files.getlist('attachments') if f]
        return request.form.get('grounds'), files
    body = json_body()
    return field(body, 'grounds'), []


@bp.post('/tenders/<code>/objections')
@api_auth('vendor')
def tender_object(code):
    tender = load_tender(code)
    grounds, files = _objection_input()
    row = objections.file_objection(
        tender,
        actor=g.api_user,
        grounds=grounds,
        attachments=files,
        now=clock.now(),
        ip=client_ip(),
    )
    db.session.commit()
    return jsonify(objection_json(row)), 201


@bp.post('/tenders/<code>/objections/<int:objection_id>/answer')
@api_auth('pokja')
def tender_objection_answer(code, objection_id):
    tender = load_tender(code)
    if not permissions.can_answer_objections(tender, g.api_user):
        raise NotAllowed(_('Hanya anggota Pokja tender ini yang dapat menjawab sanggah.'))
    objection = objections.get_objection(tender, objection_id)
    body = json_body()
    accepted = field(body, 'accepted', kind=bool)
    answer = field(body, 'answer')
    consequence = field(body, 'consequence', required=accepted)
    row = objections.answer_objection(
        objection,
        actor=g.api_user,
        accepted=accepted,
        answer=answer,
        consequence=consequence,
        now=clock.now(),
        ip=client_ip(),
    )
    db.session.commit()
    return jsonify(objection_json(row))


@bp.post('/tenders/<code>/award')
@api_auth('ppk')
def tender_award(code):
    tender = load_tender(code)
    body = json_body() if request.content_length else {}
    deadline = body.get('contract_deadline')
    if deadline is not None and not isinstance(deadline, str):
        raise ValidationFailed(_('Kolom "contract_deadline" bertipe salah.'))
    row = awards.issue_award(
        tender,
        actor=g.api_user,
        now=clock.now(),
        contract_deadline=parse_time(deadline, 'contract_deadline') if deadline else None,
        ip=client_ip(),
    )
    db.session.commit()
    return jsonify(award_json(row)), 201


describe()
