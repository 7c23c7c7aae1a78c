"""API of a prequalification (DOMAIN §9): the vendor's form, its draft PDF, the signed
submission and its status; the Pokja's list of submissions, verdicts, provisional result and
approvals, and its answers to objections; the announced results and shortlist (public); the
objections of vendors that sent their data. The rules are the operations'; routes parse,
check who is asking, call one operation and commit once."""

import io

from flask import abort, g, jsonify, request, send_file, url_for
from flask_babel import gettext as _

from lpse import clock
from lpse.api.base import api_auth, bp, field, json_body
from lpse.errors import NotAllowed, NotFound, ValidationFailed
from lpse.extensions import db
from lpse.proxies import client_ip
from lpse.tenders.prequalification import operations as prequalification
from lpse.tenders.prequalification import shortlist as shortlists
from lpse.tenders.prequalification.api_docs import describe
from lpse.tenders.views import load_tender
from lpse.vendors import enrolment, signing, verification

BASE = '/tenders/<code>/prequalification'
FORM_KEYS = (*prequalification.ANSWERS, 'pernyataan')


def _iso(moment):
    return moment.isoformat() if moment else None


def _document(document_id):
    if document_id is None:
        return None
    return {
        'id': document_id,
        'url': url_for('api.document_detail', document_id=document_id, _external=True),
    }


def submission_json(row, *, with_verdicts) -> dict:
    data = {
        'id': row.id,
        'tender': row.tender.code,
        'vendor': {'id': row.vendor_id, 'name': row.vendor.company_name, 'npwp': row.vendor.npwp},
        'status': row.status,
        'answers': row.answers,
        'prepared_at': _iso(row.prepared_at),
        'draft_document_id': row.draft_document_id,
        'draft_sha256': row.draft_sha256,
        'submitted_at': _iso(row.submitted_at),
        'document': _document(row.document_id),
        'shortlisted': row.shortlisted,
        'shortlist_rank': row.shortlist_rank,
    }
    if with_verdicts:
        data |= {
            'verdicts': row.verdict_map,
            'passed': row.passed,
            'score': None if row.score is None else str(row.score),
            'evaluated_at': _iso(row.evaluated_at),
        }
    return data


def objection_json(row) -> dict:
    return {
        'id': row.id,
        'result': row.result_id,
        'vendor': row.vendor.company_name,
        'text': row.text,
        'filed_at': _iso(row.filed_at),
        'status': row.status,
        'answer': row.answer,
        'answered_at': _iso(row.answered_at),
    }


def result_json(row) -> dict:
    """An announced result as the public sees it (a withdrawn one says so)."""
    return {
        'id': row.id,
        'announced_at': _iso(row.announced_at),
        'objection_period': {'start': _iso(row.announced_at), 'end': _iso(row.objection_ends_at)},
        'answers_due_at': _iso(row.answer_due_at),
        'withdrawn': row.is_withdrawn,
        'withdrawn_at': _iso(row.withdrawn_at),
        'withdrawn_reason': row.withdrawn_reason,
        'result_sha256': row.result_sha256,
        'result': row.result,
        'documents': {
            'report': _document(row.report_document_id),
            'notice': _document(row.notice_document_id),
        },
        'objections': [objection_json(o) for o in row.objections],
    }


def shortlist_json(tender) -> list | None:
    """The shortlist in force, best first; None while no result is announced."""
    if tender.shortlist_announced_at is None:
        return None
    return [
        {
            'rank': row.shortlist_rank,
            'vendor': {'id': row.vendor_id, 'name': row.vendor.company_name},
            'score': None if row.score is None else str(row.score),
        }
        for row in shortlists.shortlisted(tender)
    ]


# --- loading and checking ------------------------------------------------------------------


def _tender(code):
    tender = load_tender(code)
    if not tender.method.prequalifies:
        raise NotFound(_('Tender ini tidak memakai prakualifikasi.'))
    return tender


def _pokja_tender(code):
    """The tender, if the token's user is one of its Pokja: checked before the body is read."""
    tender = _tender(code)
    if not tender.is_member(g.api_user):
        raise NotAllowed(_('Hanya Pokja tender ini yang dapat mengevaluasi kualifikasi.'))
    return tender


def _vendor_of_token():
    vendor = verification.vendor_of(g.api_user)
    if vendor is None:
        raise NotAllowed(_('Akun ini tidak terhubung dengan penyedia.'))
    return vendor


def _body(allowed) -> dict:
    """The JSON object of the request, with no key outside ``allowed``."""
    body = json_body()
    unknown = sorted(str(k) for k in body if k not in allowed)
    if unknown:
        raise ValidationFailed(
            _('Kolom tidak dikenal: %(names)s.', names=', '.join(unknown)[:200]),
            field=unknown[0][:100],
        )
    return body


def _own_submission(tender):
    row = prequalification.submission_of(tender, _vendor_of_token())
    if row is None:
        raise NotFound(_('Anda belum mengisi formulir kualifikasi tender ini.'))
    return row


# --- the vendor ------------------------------------------------------------------------------


@bp.put(BASE + '/form')
@api_auth('vendor')
def prequalification_form(code):
    """Fill (or refill, until it is sent) the qualification form; the draft PDF is rendered."""
    tender = _tender(code)
    body = _body(FORM_KEYS)
    row = prequalification.prepare(tender, body, actor=g.api_user, now=clock.now(), ip=client_ip())
    db.session.commit()
    return jsonify(submission_json(row, with_verdicts=False))


@bp.get(BASE + '/form/draft.pdf')
@api_auth('vendor')
def prequalification_draft_pdf(code):
    """The exact bytes the vendor signs."""
    row = _own_submission(_tender(code))
    response = send_file(
        io.BytesIO(prequalification.draft_pdf(row)),
        mimetype='application/pdf',
        as_attachment=True,
        download_name=f'{row.draft_document_id}-draft.pdf',
        etag=row.draft_sha256,
    )
    response.headers['X-Content-Type-Options'] = 'nosniff'
    return response


@bp.post(BASE + '/submission')
@api_auth('vendor')
def prequalification_submit(code):
    """Body: the signed PDF (application/pdf, a self-held key), or JSON {"passphrase"} to sign
    on the server with the vendor's server-held key."""
    tender = _tender(code)
    _vendor_of_token()
    if (request.content_length or 0) > signing.MAX_SIGNED_PDF:
        abort(413)
    signed_pdf = passphrase = None
    if request.mimetype == 'application/pdf':
        signed_pdf = request.stream.read(signing.MAX_SIGNED_PDF + 1)
        if len(signed_pdf) > signing.MAX_SIGNED_PDF:
            abort(413)
    else:
        passphrase = field(_body(('passphrase',)), 'passphrase')
    try:
        row = prequalification.submit(
            tender,
            actor=g.api_user,
            now=clock.now(),
            passphrase=passphrase,
            signed_pdf=signed_pdf,
            ip=client_ip(),
        )
    except enrolment.WrongSigningPassphrase:
        db.session.commit()  # the failure count and its audit event stand
        raise
    db.session.commit()
    return jsonify(submission_json(row, with_verdicts=False)), 201


@bp.get(BASE + '/submission')
@api_auth('vendor')
def prequalification_mine(code):
    """The vendor's own form and its status (the verdicts once the result is announced)."""
    tender = _tender(code)
    row = _own_submission(tender)
    announced = shortlists.current_result(tender) is not None
    return jsonify(submission_json(row, with_verdicts=announced and row.is_submitted))


@bp.post(BASE + '/objections')
@api_auth('vendor')
def prequalification_object(code):
    tender = _tender(code)
    _vendor_of_token()
    text = field(_body(('text',)), 'text')
    row = prequalification.file_objection(
        tender, text, actor=g.api_user, now=clock.now(), ip=client_ip()
    )
    db.session.commit()
    return jsonify(objection_json(row)), 201


# --- the Pokja -------------------------------------------------------------------------------


@bp.get(BASE + '/submissions')
@api_auth('pokja')
def prequalification_submissions(code):
    tender = _pokja_tender(code)
    return jsonify(
        {
            'requirements': {
                key: str(label)
                for key, label in tender.method.qualification_requirements(tender).items()
            },
            'scored': tender.method.scores_qualification,
            'submissions': [
                submission_json(row, with_verdicts=True)
                for row in prequalification.submissions(tender)
            ],
        }
    )


@bp.put(BASE + '/submissions/<int:submission_id>/verdicts')
@api_auth('pokja')
def prequalification_verdicts(code, submission_id):
    tender = _pokja_tender(code)
    prequalification.find_submission(tender, submission_id)
    body = _body(('requirements', 'score'))
    row = prequalification.record_verdicts(
        tender, submission_id, body, actor=g.api_user, now=clock.now(), ip=client_ip()
    )
    db.session.commit()
    return jsonify(submission_json(row, with_verdicts=True))


def _provisional(tender) -> dict:
    result, problems = prequalification.provisional_result(tender)
    sha = prequalification.result_sha256(result)
    return {
        'result': result,
        'sha256': sha,
        'problems': [str(p) for p in problems],
        'approvals': [
            {'user': a.user_id, 'name': a.user.name, 'approved_at': _iso(a.approved_at)}
            for a in prequalification.approvals_of(tender, sha)
        ],
        'needed': prequalification.approvals_needed(tender),
        'announced': tender.shortlist_announced_at is not None,
    }


@bp.get(BASE + '/result')
@api_auth('pokja')
def prequalification_provisional(code):
    """The result as the verdicts stand, its SHA-256 (what an approval names) and what keeps it
    from being approved."""
    return jsonify(_provisional(_pokja_tender(code)))


@bp.post(BASE + '/approvals')
@api_auth('pokja')
def prequalification_approve(code):
    tender = _pokja_tender(code)
    expected = field(_body(('sha256',)), 'sha256')
    announced, count, needed = prequalification.approve(
        tender, actor=g.api_user, now=clock.now(), ip=client_ip(), expected_sha256=expected
    )
    db.session.commit()
    return jsonify(
        {
            'approvals': count,
            'needed': needed,
            'announced': result_json(announced) if announced else None,
            # Approved before the announcement stage: the clock announces it when it begins.
            'announces_at': _iso(prequalification.announcement_opens(tender))
            if announced is None and count >= needed
            else None,
            'shortlist': shortlist_json(tender),
        }
    ), 201 if announced else 200


@bp.post(BASE + '/objections/<int:objection_id>/answer')
@api_auth('pokja')
def prequalification_answer(code, objection_id):
    tender = _pokja_tender(code)
    filed = {o.id for r in shortlists.results_of(tender) for o in r.objections}
    if objection_id not in filed:
        raise NotFound(_('Sanggahan tidak ditemukan.'))
    body = _body(('accept', 'answer'))
    accept = field(body, 'accept', kind=bool)
    answer = field(body, 'answer')
    row = prequalification.answer_objection(
        tender,
        objection_id,
        accept=accept,
        answer=answer,
        actor=g.api_user,
        now=clock.now(),
        ip=client_ip(),
    )
    db.session.commit()
    return jsonify(objection_json(row))


# --- everyone --------------------------------------------------------------------------------


@bp.get(BASE + '/results')
def prequalification_results(code):
    """Every announced result (withdrawn ones marked) and the shortlist in force."""
    tender = _tender(code)
    return jsonify(
        {
            'tender': tender.code,
            'announced': tender.shortlist_announced_at is not None,
            'shortlist': shortlist_json(tender),
            'results': [result_json(r) for r in shortlists.results_of(tender)],
        }
    )


describe()
