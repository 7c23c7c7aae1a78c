"""Pages of the announcement, objections (sanggah) and award (SPPBJ): the public result, the
buttons of the tender page's objections panel, and the announced documents."""

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from lpse import audit, clock, ids
from lpse.auth.access import role_required
from lpse.auth.models import Role
from lpse.documents import operations as documents
from lpse.errors import DomainError, NotFound
from lpse.evaluation import announcement as announcements
from lpse.evaluation import award as awards
from lpse.evaluation import formula_text, objections, permissions, public_result, reason_text
from lpse.evaluation.objection_models import ObjectionAttachment
from lpse.evaluation.sanggah_forms import AwardForm, ObjectionAnswerForm, ObjectionForm
from lpse.extensions import db
from lpse.formflow import show_error
from lpse.proxies import client_ip
from lpse.storage import blob_store
from lpse.tenders.forms import ConfirmForm
from lpse.tenders.views import detail_context, load_tender, viewer

bp = Blueprint('sanggah', __name__, url_prefix='/tenders')
bp.record_once(formula_text.init_app)
bp.record_once(reason_text.init_app)
PDF_KINDS = {'bahp': 'bahp_document', 'pengumuman': 'notice_document'}
LEGEND_LABELS = {
    'A': _l('Administrasi'),
    'K': _l('Kualifikasi'),
    'T': _l('Teknis'),
    'ST': _l('Skor teknis'),
    'P': _l('Harga penawaran'),
    'PT': _l('Harga terkoreksi'),
    'HN': _l('Harga negosiasi'),
    'SH': _l('Skor harga'),
    'SA': _l('Skor akhir'),
    'B': _l('Pembuktian kualifikasi'),
}


def answer_form(objection_id) -> ObjectionAnswerForm:
    """One answer form per objection on the page (its fields prefixed by the objection)."""
    return ObjectionAnswerForm(prefix=f'o{objection_id}')


def _can_see_result(tender, user) -> bool:
    try:
        announcements.visible_result(tender, user)
    except NotFound:
        return False
    return True


def panel(tender, now=None):
    """What the tender page's objections panel shows to the current visitor."""
    now = now or clock.now()
    user = viewer()
    current = announcements.current_announcement(tender)
    history = announcements.announcements_of(tender)
    award = awards.award_of(tender)
    award_error = awards.blocking_error(tender, now) if current else None
    return {
        'current': current,
        'announcements': history,
        'objections': objections.objections_of(tender),
        'can_see_result': _can_see_result(tender, user),
        'privileged': announcements.is_privileged(tender, user),
        'can_announce': permissions.can_announce(tender, user),
        'can_object': objections.can_object(tender, user, now),
        'can_answer': permissions.can_answer_objections(tender, user) and tender.is_active,
        'is_ppk': user is not None and tender.ppk_id == user.id,
        'award': award,
        'can_award': awards.can_issue(tender, user, now),
        'award_blocked': award_error.message if award_error is not None else None,
        'objection_form': ObjectionForm(),
        'answer_form': answer_form,
        'award_form': AwardForm(),
        'confirm': ConfirmForm(),
        'user': user,
        'now': now,
    }


def announced_winner(tender) -> dict | None:
    """The winner named at the top of the tender page once announced (its public row)."""
    current = announcements.current_announcement(tender)
    return public_result.winner_row(current.result) if current is not None else None


@bp.app_context_processor
def globals_():
    return {'sanggah_panel': panel, 'announced_winner': announced_winner}


def _tender_page(tender, status):
    now = clock.now()
    context = detail_context(tender, now)
    return render_template('tenders/detail.html', **context), status


def _act(tender, form, action, message):
    """Validate, run one operation, commit; else re-render the tender page with why."""
    if not form.validate_on_submit():
        for errors in form.errors.values():
            for error in errors:
                flash(str(error), 'error')
        return _tender_page(tender, 422)
    try:
        action()
    except DomainError as exc:
        db.session.rollback()  # nothing of a refused action stays, not even on this page
        show_error(None, exc)
        return _tender_page(tender, exc.status)
    db.session.commit()
    flash(message, 'info')
    return redirect(url_for('tenders.detail', code=tender.code) + '#sanggah')


@bp.get('/<code>/results')
def results(code):
    tender = load_tender(code)
    requested = ids.query_id('announcement')
    try:
        result, announcement = announcements.visible_result(tender, viewer(), requested)
    except NotFound:
        withdrawn = [a for a in announcements.announcements_of(tender) if not a.is_current]
        if requested is not None or not withdrawn:
            raise
        # An accepted objection withdrew the announcement: say so instead of a bare 404.
        return render_template(
            'evaluation/results_withdrawn.html', tender=tender, withdrawn=withdrawn
        )
    return render_template(
        'evaluation/results.html',
        tender=tender,
        result=result,
        announcement=announcement,
        winner=public_result.winner_row(result),
        reserves=public_result.reserve_rows(result),
        legend=LEGEND_LABELS,
        history=announcements.announcements_of(tender)
        if announcements.is_privileged(tender, viewer())
        else [],
    )


def _send(document, name):
    if document is None:
        raise NotFound(_('Dokumen belum diterbitkan.'))
    return send_file(
        documents.open_document(document),
        mimetype='application/pdf',
        download_name=name,
        etag=document.sha256,
    )


@bp.get('/<code>/results/<int:announcement_id>/<kind>.pdf')
def result_pdf(code, announcement_id, kind):
    """The announced BAHP and winner announcement: public once announced."""
    tender = load_tender(code)
    if kind not in PDF_KINDS:
        abort(404)
    _result, row = announcements.visible_result(tender, viewer(), announcement_id)
    return _send(getattr(row, PDF_KINDS[kind]), f'{tender.code}-{kind}-{row.id}.pdf')


@bp.post('/<code>/announce')
@role_required(Role.pokja)
def announce(code):
    tender = load_tender(code)
    if not tender.is_member(current_user):
        abort(403)
    return _act(
        tender,
        ConfirmForm(),
        lambda: announcements.announce_winner(
            tender, actor=current_user, now=clock.now(), ip=client_ip()
        ),
        _('Pemenang diumumkan; masa sanggah dimulai.'),
    )


@bp.post('/<code>/objections')
@role_required(Role.vendor)
def file_objection(code):
    tender = load_tender(code)
    form = ObjectionForm()
    files = [(f.stream, f.filename) for f in request.files.getlist('attachments') if f.filename]
    return _act(
        tender,
        form,
        lambda: objections.file_objection(
            tender,
            actor=current_user,
            grounds=form.grounds.data,
            attachments=files,
            now=clock.now(),
            ip=client_ip(),
        ),
        _('Sanggah terkirim.'),
    )


@bp.post('/<code>/objections/<int:objection_id>/answer')
@role_required(Role.pokja)
def answer(code, objection_id):
    tender = load_tender(code)
    if not permissions.can_answer_objections(tender, current_user):
        abort(403)
    objection = objections.get_objection(tender, objection_id)
    form = answer_form(objection.id)
    return _act(
        tender,
        form,
        lambda: objections.answer_objection(
            objection,
            actor=current_user,
            accepted=form.decision.data == 'accepted',
            answer=form.answer.data,
            consequence=form.consequence.data or None,
            now=clock.now(),
            ip=client_ip(),
        ),
        _('Jawaban sanggah disimpan.'),
    )


@bp.get('/<code>/objections/<int:objection_id>/answer.pdf')
def answer_pdf(code, objection_id):
    """Jawaban Sanggah: public, like the answer itself."""
    tender = load_tender(code)
    objection = objections.get_objection(tender, objection_id)
    return _send(objection.answer_document, f'{tender.code}-jawaban-sanggah-{objection.id}.pdf')


@bp.get('/<code>/objections/<int:objection_id>/attachments/<int:attachment_id>')
def attachment(code, objection_id, attachment_id):
    from lpse.extensions import login_manager

    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    tender = load_tender(code)
    objection = objections.get_objection(tender, objection_id)
    row = db.session.get(ObjectionAttachment, attachment_id)
    if row is None or row.objection_id != objection.id:
        raise NotFound(_('Lampiran tidak ditemukan.'))
    if not objection.can_see_attachments(current_user):
        abort(403)
    blob = blob_store().open(row.sha256)
    audit.record_read(
        'objection_attachment',
        objection,
        actor=current_user,
        now=clock.now(),
        ip=client_ip(),
        code=tender.code,
        attachment_id=row.id,
        sha256=row.sha256,
    )
    return send_file(
        blob,
        mimetype=row.media_type,
        as_attachment=True,
        download_name=row.filename,
        etag=row.sha256,
    )


@bp.post('/<code>/award')
@role_required(Role.ppk)
def award(code):
    tender = load_tender(code)
    if tender.ppk_id != current_user.id:
        abort(403)
    form = AwardForm()
    return _act(
        tender,
        form,
        lambda: awards.issue_award(
            tender,
            actor=current_user,
            now=clock.now(),
            contract_deadline=form.deadline_utc(tender.timezone),
            ip=client_ip(),
        ),
        _('SPPBJ diterbitkan.'),
    )
