"""API: tender list and detail (public); drafts, publication, schedule changes, documents,
questions, answers and cancellation (officers, vendors). Amounts are decimal strings and times
ISO 8601 with the tender zone's offset."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from flask import g, jsonify, request, url_for
from flask_babel import gettext as _

from lpse import clock
from lpse.api.base import api_auth, bp, field, json_body
from lpse.auth.models import Role
from lpse.errors import ValidationFailed
from lpse.extensions import db
from lpse.proxies import client_ip
from lpse.tenders import documents, operations, permissions, publication, questions, search, views
from lpse.tenders import schedule as tender_schedule
from lpse.tenders.api_docs import describe
from lpse.tenders.models import Tender
from lpse.tenders.prequalification import shortlist
from lpse.tenders.stages import ALL_STAGES, Stage, Window


def _time(moment, zone):
    return moment.astimezone(ZoneInfo(zone)).isoformat() if moment else None


def _money(amount):
    return f'{amount:.2f}'


def summary_json(tender, now):
    return {
        'code': tender.code,
        'version': tender.version,
        'title': tender.title,
        'agency': {'code': tender.agency.code, 'name': tender.agency.name},
        'category': tender.category,
        'fiscal_year': tender.fiscal_year,
        'hps': _money(tender.hps),
        'status': tender.status,
        'stage': str(tender.stage(now)),
        'timezone': tender.timezone,
        'bid_deadline': _time(tender.bid_deadline, tender.timezone),
        'published_at': _time(tender.published_at, tender.timezone),
        'url': url_for('tenders.detail', code=tender.code, _external=True),
    }


def tender_json(tender, now, user):
    zone = tender.timezone
    changes = tender_schedule.changes_of(tender)
    next_tender = views.next_version(tender, user)
    return {
        **summary_json(tender, now),
        'description': tender.description,
        'selection_method': tender.selection_method,
        'qualification_method': tender.qualification_method,
        'contract_type': tender.contract_type,
        'work_unit': tender.work_unit.code if tender.work_unit else None,
        'funding_source': tender.funding_source,
        'pagu': _money(tender.pagu),
        'business_size': tender.business_size,
        'location': tender.location,
        'pokja_size': len(tender.members),
        'key_threshold': tender.threshold,
        'submission_files': tender.submission_files,
        'evaluation_method': tender.evaluation_method,
        'method_params': operations.method_params(tender),
        'method_stages': [stage.value for stage in tender.method.stages],
        'required_kbli': tender.kbli_codes,
        'shortlist': _shortlist(tender),
        'rules_version': tender.rules_version,
        'frozen_sha256': tender.frozen_sha256,
        'end_reason': tender.end_reason,
        'superseded': tender.superseded,
        'previous_version': tender.previous.version if tender.previous else None,
        'next_version': next_tender.version if next_tender else None,
        'schedule': [
            {
                'stage': stage.value,
                'start': _time(window.start, zone),
                'end': _time(window.end, zone),
                'changes': [
                    {
                        'changed_at': _time(c.changed_at, zone),
                        'old': {
                            'start': _time(c.old_starts_at, zone),
                            'end': _time(c.old_ends_at, zone),
                        },
                        'new': {
                            'start': _time(c.new_starts_at, zone),
                            'end': _time(c.new_ends_at, zone),
                        },
                        'reason': c.reason,
                    }
                    for c in changes
                    if c.stage == stage.value
                ],
            }
            for stage, window in sorted(
                tender.schedule.items(), key=lambda i: ALL_STAGES.index(i[0])
            )
        ],
        'boq': [
            {
                'description': i.description,
                'quantity': i.quantity_text,
                'unit': i.unit,
                'unit_price': _money(i.unit_price),
                'total': _money(i.total),
            }
            for i in tender.boq_items
        ],
        'documents': [document_json(d, zone) for d in documents.documents_of(tender)],
        'addenda': [
            {
                'number': a.number,
                'reason': a.reason,
                'issued_at': _time(a.issued_at, zone),
                'affects_bids': a.affects_bids,
            }
            for a in documents.addenda_of(tender)
        ],
        'questions': [
            question_json(q, zone, tender.can_see_askers(user))
            for q in questions.questions_of(tender)
        ],
    }


def _shortlist(tender):
    """Prakualifikasi: the announced shortlist, best first (None before it, or without)."""
    if not tender.method.prequalifies or tender.shortlist_announced_at is None:
        return None
    return [
        {'rank': row.shortlist_rank, 'vendor': row.vendor.company_name}
        for row in shortlist.shortlisted(tender)
    ]


def document_json(document, zone):
    return {
        'id': document.id,
        'kind': document.kind,
        'version': document.version,
        'title': document.title,
        'media_type': document.media_type,
        'size': document.size,
        'sha256': document.sha256,
        'addendum': document.addendum.number if document.addendum else None,
        'uploaded_at': _time(document.uploaded_at, zone),
    }


def question_json(question, zone, show_asker=False):
    data = {
        'id': question.id,
        'body': question.body,
        'asked_at': _time(question.asked_at, zone),
        'answer': question.answer,
        'answered_at': _time(question.answered_at, zone),
        'causes_addendum': question.causes_addendum,
    }
    if show_asker:
        data['asker'] = {'id': question.asker.id, 'name': question.asker.name}
    return data


def _load(code, user=None) -> Tender:
    return operations.get_tender(code, visible_to=user)


def _acting(code, may):
    """(tender, user, now) for an officer's request; 403 unless ``may(tender, user)``."""
    user = g.api_user
    tender = _load(code, user)
    permissions.require_officer(tender, user, may(tender, user))
    return tender, user, clock.now()


def _schedule_of(body):
    """The body's schedule: None when absent (or null), else parsed (a non-object is a 422)."""
    if body.get('schedule') is None:
        return None
    return parse_schedule(body['schedule'])


def parse_time(value, name):
    """An ISO 8601 time with its offset; a time without one is refused (which zone was meant?)."""
    if not isinstance(value, str):
        raise ValidationFailed(_('Kolom "%(name)s" harus waktu ISO 8601.', name=name), field=name)
    try:
        moment = datetime.fromisoformat(value)
    except ValueError as exc:
        raise ValidationFailed(
            _('Kolom "%(name)s" harus waktu ISO 8601.', name=name), field=name
        ) from exc
    if moment.tzinfo is None:
        raise ValidationFailed(
            _('Kolom "%(name)s" harus menyertakan zona waktu (mis. +09:00).', name=name), field=name
        )
    return moment.astimezone(UTC)


def parse_schedule(data) -> dict:
    if not isinstance(data, dict):
        raise ValidationFailed(
            _('Kolom "schedule" harus berupa objek per tahap.'), field='schedule'
        )
    windows = {}
    for key, value in data.items():
        if key not in Stage.__members__ or not isinstance(value, dict):
            raise ValidationFailed(_('Tahap tidak dikenal: %(key)s.', key=key), field='schedule')
        windows[Stage(key)] = Window(
            parse_time(value.get('start'), f'schedule.{key}.start'),
            parse_time(value.get('end'), f'schedule.{key}.end'),
        )
    return windows


@bp.get('/tenders')
def tender_list():
    query = search.parse(request.args, amount=search.api_amount)
    if query.errors:
        name = sorted(query.errors)[0]
        raise ValidationFailed(_('Parameter "%(name)s" tidak valid.', name=name), field=name)
    now = clock.now()
    page = search.run(query, now)
    return jsonify(
        {
            'tenders': [summary_json(t, now) for t in page.tenders],
            'next_cursor': page.next_cursor,
            'prev_cursor': page.prev_cursor,
            'total': page.total,
            'total_capped': page.total_capped,
        }
    )


@bp.get('/tenders/<code>')
def tender_detail(code):
    user = g.get('api_user')
    version = request.args.get('version') or None
    tender = operations.get_tender(code, version, visible_to=user)
    return jsonify(tender_json(tender, clock.now(), user))


DRAFT_FIELDS = (
    'title',
    'description',
    'category',
    'selection_method',
    'qualification_method',
    'contract_type',
    'work_unit',
    'funding_source',
    'fiscal_year',
    'pagu',
    'hps',
    'business_size',
    'location',
    'timezone',
    'ppk',
    'pokja',
    'key_threshold',
    'submission_files',
    'required_kbli',
    'evaluation_method',
    'method_params',
    'boq',
)


def _draft_data(body):
    return {name: body[name] for name in DRAFT_FIELDS if name in body}


@bp.post('/tenders')
@api_auth(Role.pokja, Role.ppk)
def tender_create():
    body, user, now = json_body(), g.api_user, clock.now()
    schedule = _schedule_of(body)
    tender = operations.create_draft(
        agency=user.agency, data=_draft_data(body), actor=user, now=now, ip=client_ip()
    )
    if schedule is not None:
        tender_schedule.set_schedule(tender, schedule, actor=user, now=now, ip=client_ip())
    db.session.commit()
    return jsonify(tender_json(tender, now, user)), 201


@bp.patch('/tenders/<code>')
@api_auth(Role.pokja, Role.ppk)
def tender_update(code):
    tender, user, now = _acting(code, Tender.is_officer)
    body = json_body()
    data, schedule = _draft_data(body), _schedule_of(body)
    if data or not tender.is_draft:
        operations.update_draft(tender, data=data, actor=user, now=now, ip=client_ip())
    if schedule is not None:
        tender_schedule.set_schedule(tender, schedule, actor=user, now=now, ip=client_ip())
    db.session.commit()
    return jsonify(tender_json(tender, now, user))


@bp.post('/tenders/<code>/publish')
@api_auth(Role.pokja)
def tender_publish(code):
    tender, user, now = _acting(code, Tender.can_publish)
    try:
        publication.publish_tender(tender, actor=user, now=now, ip=client_ip())
    except publication.PublicationRefused as exc:
        db.session.rollback()
        response = jsonify(
            {
                'error': {
                    'code': exc.code,
                    'message': str(exc.message),
                    'reasons': [str(r) for r in exc.reasons],
                }
            }
        )
        return response, exc.status
    db.session.commit()
    return jsonify(tender_json(tender, now, user))


@bp.post('/tenders/<code>/schedule-changes')
@api_auth(Role.pokja)
def tender_schedule_change(code):
    tender, user, now = _acting(code, Tender.can_manage)
    body = json_body()
    tender_schedule.change_schedule(
        tender,
        parse_schedule(field(body, 'schedule', kind=dict)),
        reason=field(body, 'reason'),
        actor=user,
        now=now,
        ip=client_ip(),
    )
    db.session.commit()
    return jsonify(tender_json(tender, now, user)), 201


@bp.post('/tenders/<code>/documents')
@api_auth(Role.pokja, Role.ppk)
def tender_document_add(code):
    tender, user, now = _acting(code, Tender.is_officer)
    upload = request.files.get('file')
    document = documents.add_document(
        tender,
        kind=request.form.get('kind', ''),
        title=request.form.get('title', ''),
        fileobj=upload.stream if upload else None,
        filename=upload.filename if upload else '',
        reason=request.form.get('reason', ''),
        actor=user,
        now=now,
        ip=client_ip(),
        affects_bids=_form_bool(request.form.get('affects_bids')),
        bid_deadline=parse_time(request.form['bid_deadline'], 'bid_deadline')
        if request.form.get('bid_deadline')
        else None,
    )
    db.session.commit()
    return jsonify(document_json(document, tender.timezone)), 201


def _form_bool(value):
    """`true` / `false` of a multipart field; None when absent (the service asks for it)."""
    text = (value or '').strip().lower()
    if not text:
        return None
    if text in ('true', '1', 'yes'):
        return True
    if text in ('false', '0', 'no'):
        return False
    raise ValidationFailed(
        _('Kolom "%(name)s" harus true atau false.', name='affects_bids'), field='affects_bids'
    )


@bp.get('/tenders/<code>/documents/<int:document_id>')
@api_auth()
def tender_document_download(code, document_id):
    """A full tender document: as on the page, only for who may download it now (a firm
    outside a prequalified tender's shortlist, or one a Tender Cepat requirement keeps out, is
    told why); every download is logged."""
    user = g.api_user
    tender = operations.get_tender(code, request.args.get('version') or None, visible_to=user)
    document = documents.checked_download(
        tender, document_id, actor=user, now=clock.now(), ip=client_ip()
    )
    db.session.commit()
    return views.document_file(document)


@bp.post('/tenders/<code>/questions')
@api_auth(Role.vendor)
def tender_question_ask(code):
    user, now = g.api_user, clock.now()
    tender = _load(code, user)
    question = questions.ask_question(
        tender, body=field(json_body(), 'body'), actor=user, now=now, ip=client_ip()
    )
    db.session.commit()
    return jsonify(question_json(question, tender.timezone)), 201


@bp.post('/tenders/<code>/questions/<int:question_id>/answer')
@api_auth(Role.pokja)
def tender_question_answer(code, question_id):
    tender, user, now = _acting(code, Tender.can_answer)
    question = questions.get_question(tender, question_id)
    body = json_body()
    questions.answer_question(
        question,
        tender,
        answer=field(body, 'answer'),
        causes_addendum=field(body, 'causes_addendum', kind=bool, required=False, default=False),
        actor=user,
        now=now,
        ip=client_ip(),
    )
    db.session.commit()
    return jsonify(question_json(question, tender.timezone))


@bp.post('/tenders/<code>/cancel')
@api_auth(Role.pokja)
def tender_cancel(code):
    tender, user, now = _acting(code, Tender.can_manage)
    operations.cancel_tender(
        tender, reason=field(json_body(), 'reason'), actor=user, now=now, ip=client_ip()
    )
    db.session.commit()
    return jsonify(tender_json(tender, now, user))


describe()
