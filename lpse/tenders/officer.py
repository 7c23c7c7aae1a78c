"""Officer pages (Pokja, PPK) and the vendor's question: thin views over the operations,
each form in the one shape of `lpse.formflow.run_form`."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import or_, select
from wtforms import SelectChoice

from lpse import clock
from lpse.auth.access import role_required
from lpse.auth.models import Role, User, UserRole
from lpse.errors import DomainError, ValidationFailed
from lpse.extensions import db
from lpse.formflow import run_form, show_error
from lpse.proxies import client_ip
from lpse.tenders import documents, operations, permissions, publication, questions
from lpse.tenders import schedule as tender_schedule
from lpse.tenders.forms import (
    AnswerForm,
    ConfirmForm,
    DocumentForm,
    QuestionForm,
    ReasonForm,
    ScheduleForm,
    TenderForm,
)
from lpse.tenders.models import Tender, TenderMember
from lpse.tenders.rules import plain
from lpse.tenders.views import bp, detail_context, load_tender

officers = role_required(Role.pokja, Role.ppk)
pokja_only = role_required(Role.pokja)


def _detail(tender, status, **forms):
    """The announcement page again, with a message and the status of what went wrong."""
    return render_template(
        'tenders/detail.html', **detail_context(tender, clock.now(), **forms)
    ), status


def _to_detail(tender, message):
    flash(message, 'info')
    return redirect(url_for('tenders.detail', code=tender.code))


@bp.get('/mine')
@officers
def mine():
    rows = db.session.scalars(
        select(Tender)
        .where(
            or_(
                Tender.ppk_id == current_user.id,
                Tender.id.in_(
                    select(TenderMember.tender_id).where(TenderMember.user_id == current_user.id)
                ),
            )
        )
        .order_by(Tender.created_at.desc(), Tender.id.desc())
    ).all()
    return render_template('tenders/mine.html', tenders=rows, now=clock.now())


def _agency_people(agency, role):
    return db.session.scalars(
        select(User)
        .join(UserRole)
        .where(User.agency_id == agency.id, User.active.is_(True), UserRole.role == role)
        .order_by(User.name)
    ).all()


def _prepare(form, agency):
    form.work_unit.choices = [SelectChoice('', '—')] + [
        SelectChoice(u.code, f'{u.code} — {u.name}') for u in agency.work_units
    ]
    form.ppk.choices = [SelectChoice('', '—')] + [
        SelectChoice(str(u.id), f'{u.name} ({u.email})') for u in _agency_people(agency, 'ppk')
    ]
    form.pokja.choices = [
        SelectChoice(str(u.id), f'{u.name} ({u.email})') for u in _agency_people(agency, 'pokja')
    ]


@bp.route('/new', methods=['GET', 'POST'])
@officers
def create():
    agency = current_user.agency
    if agency is None:
        abort(403)
    form = TenderForm()
    _prepare(form, agency)
    if request.method == 'GET':
        form.timezone.data = agency.timezone
        form.fiscal_year.data = str(clock.now().year)
        if current_user.has_role(Role.pokja):
            form.pokja.data = [str(current_user.id)]
        if current_user.has_role(Role.ppk):
            form.ppk.data = str(current_user.id)
    outcome = run_form(
        form,
        lambda: operations.create_draft(
            agency=agency,
            data=form.data_for_operation(),
            actor=current_user,
            now=clock.now(),
            ip=client_ip(),
        ),
    )
    if outcome.ok:
        flash(_('Draf tender %(code)s dibuat.', code=outcome.value.code), 'info')
        return redirect(url_for('tenders.schedule', code=outcome.value.code))
    return render_template('tenders/form.html', form=form, tender=None), outcome.status


@bp.route('/<code>/edit', methods=['GET', 'POST'])
@officers
def edit(code):
    tender = load_tender(code)
    permissions.require_officer(tender, current_user, tender.can_edit(current_user))
    form = TenderForm(obj=None if request.method == 'POST' else _form_values(tender))
    _prepare(form, tender.agency)
    if request.method == 'GET':
        form.fill_params(operations.method_params(tender))
    outcome = run_form(
        form,
        lambda: operations.update_draft(
            tender,
            data=form.data_for_operation(),
            actor=current_user,
            now=clock.now(),
            ip=client_ip(),
        ),
    )
    if outcome.ok:
        return _to_detail(tender, _('Draf disimpan.'))
    return render_template('tenders/form.html', form=form, tender=tender), outcome.status


class _Values:
    """A tender as the form's ``obj``: amounts and people in the form's own shape."""

    def __init__(self, tender):
        self.__dict__.update(
            {
                name: getattr(tender, name)
                for name in (
                    'title',
                    'description',
                    'category',
                    'selection_method',
                    'contract_type',
                    'funding_source',
                    'business_size',
                    'location',
                    'timezone',
                    'evaluation_method',
                )
            }
        )
        self.required_kbli = ', '.join(tender.kbli_codes)
        self.work_unit = tender.work_unit.code if tender.work_unit else ''
        self.fiscal_year = str(tender.fiscal_year)
        self.pagu = plain(tender.pagu)
        self.hps = plain(tender.hps)
        self.ppk = str(tender.ppk_id or '')
        self.pokja = [str(m.user_id) for m in tender.members]
        self.key_threshold = str(tender.key_threshold or '')
        self.submission_files = str(tender.submission_files)
        self.boq = [
            {
                'description': i.description,
                'quantity': plain(i.quantity),
                'unit': i.unit,
                'unit_price': plain(i.unit_price),
            }
            for i in tender.boq_items
        ]


def _form_values(tender):
    values = _Values(tender)
    values.boq += [{}] * 2
    return values


@bp.route('/<code>/schedule', methods=['GET', 'POST'])
@officers
def schedule(code):
    tender = load_tender(code)
    permissions.require_officer(
        tender, current_user, tender.can_edit(current_user) or tender.can_manage(current_user)
    )
    form = ScheduleForm()
    form.stages = tender.method.stages
    if request.method == 'GET':
        form.fill(tender.schedule, tender.timezone)
    outcome = run_form(form, lambda: _save_schedule(tender, form))
    if outcome.ok:
        return _to_detail(tender, _('Jadwal disimpan.'))
    return render_template('tenders/schedule.html', form=form, tender=tender), outcome.status


def _save_schedule(tender, form):
    """Set a draft's schedule or change a running one; problems are marked on their stages."""
    now, ip, windows = clock.now(), client_ip(), form.windows(tender.timezone)
    try:
        if tender.is_draft:
            tender_schedule.set_schedule(tender, windows, actor=current_user, now=now, ip=ip)
        else:
            tender_schedule.change_schedule(
                tender, windows, reason=form.reason.data, actor=current_user, now=now, ip=ip
            )
    except tender_schedule.ScheduleInvalid as exc:
        for problem in exc.problems:
            field = form[f'{problem.stage}_{problem.edge}']
            field.errors = [*field.errors, str(problem.message)]
        raise ValidationFailed(_('Jadwal belum valid; periksa tahap yang ditandai.')) from exc


@bp.route('/<code>/documents/new', methods=['GET', 'POST'])
@officers
def upload(code):
    tender = load_tender(code)
    now = clock.now()
    permissions.require_officer(tender, current_user, tender.can_upload(current_user, now))
    form = DocumentForm()
    outcome = run_form(
        form,
        lambda: documents.add_document(
            tender,
            kind=form.kind.data,
            title=form.title.data,
            fileobj=form.file.data.stream,
            filename=form.file.data.filename,
            reason=form.reason.data,
            actor=current_user,
            now=now,
            ip=client_ip(),
            affects_bids=form.affects(),
            bid_deadline=form.new_deadline(tender.timezone),
        ),
    )
    if outcome.ok:
        message = _('Dokumen diunggah.') if tender.is_draft else _('Adendum diterbitkan.')
        return _to_detail(tender, message)
    return render_template('tenders/upload.html', form=form, tender=tender), outcome.status


def _act(tender, action, message=None, **forms):
    """Run one operation for a detail-page button and commit; a refusal re-renders the page
    with why. Returns (the page's response, what ``action`` returned)."""
    try:
        value = action()
    except publication.PublicationRefused:
        # The page lists the reasons itself (once): the message only says that it was refused.
        db.session.rollback()
        flash(_('Tender belum dapat diumumkan; lihat daftar yang belum lengkap.'), 'error')
        return _detail(tender, 422, **forms)
    except DomainError as exc:
        show_error(None, exc)
        return _detail(tender, exc.status, **forms)
    db.session.commit()
    return _to_detail(tender, message) if message else value


def _confirmed(code, may):
    """The tender of a confirm button: 403 unless ``may(tender, user)``, 400 without CSRF."""
    tender = load_tender(code)
    permissions.require_officer(tender, current_user, may(tender, current_user))
    if not ConfirmForm().validate_on_submit():
        abort(400)
    return tender


@bp.post('/<code>/publish')
@pokja_only
def publish(code):
    tender = _confirmed(code, Tender.can_publish)
    return _act(
        tender,
        lambda: publication.publish_tender(
            tender, actor=current_user, now=clock.now(), ip=client_ip()
        ),
        _('Tender diumumkan.'),
    )


@bp.post('/<code>/questions')
@role_required(Role.vendor)
def ask(code):
    tender = load_tender(code)
    form = QuestionForm()
    if not form.validate_on_submit():
        return _detail(tender, 422, question_form=form)
    return _act(
        tender,
        lambda: questions.ask_question(
            tender, body=form.body.data, actor=current_user, now=clock.now(), ip=client_ip()
        ),
        _('Pertanyaan terkirim.'),
        question_form=form,
    )


@bp.post('/<code>/questions/<int:question_id>/answer')
@pokja_only
def answer(code, question_id):
    tender = load_tender(code)
    permissions.require_officer(tender, current_user, tender.can_answer(current_user))
    question = questions.get_question(tender, question_id)
    form = AnswerForm()
    if not form.validate_on_submit():
        return _detail(tender, 422, answer_form=form)
    return _act(
        tender,
        lambda: questions.answer_question(
            question,
            tender,
            answer=form.answer.data,
            causes_addendum=form.causes_addendum.data,
            actor=current_user,
            now=clock.now(),
            ip=client_ip(),
        ),
        _('Jawaban disimpan.'),
    )


def _ending(code, operation, message, allowed):
    tender = load_tender(code)
    permissions.require_officer(tender, current_user, allowed(tender))
    form = ReasonForm()
    if not form.validate_on_submit():
        return _detail(tender, 422, reason_form=form)
    return _act(
        tender,
        lambda: operation(
            tender,
            reason=form.reason.data,
            actor=current_user,
            now=clock.now(),
            ip=client_ip(),
        ),
        message,
        reason_form=form,
    )


@bp.post('/<code>/cancel')
@pokja_only
def cancel(code):
    return _ending(
        code,
        operations.cancel_tender,
        _('Tender dibatalkan.'),
        lambda t: t.can_manage(current_user),
    )


@bp.post('/<code>/fail')
@pokja_only
def fail(code):
    return _ending(
        code,
        operations.fail_tender,
        _('Tender dinyatakan gagal.'),
        lambda t: t.can_manage(current_user),
    )


@bp.post('/<code>/retender')
@pokja_only
def retender(code):
    tender = _confirmed(code, Tender.can_retender)
    new = _act(
        tender,
        lambda: operations.retender(tender, actor=current_user, now=clock.now(), ip=client_ip()),
    )
    if not isinstance(new, Tender):
        return new  # the refusal's page
    flash(_('Tender ulang dibuat sebagai versi %(v)s (draf).', v=new.version), 'info')
    return redirect(url_for('tenders.edit', code=new.code))
