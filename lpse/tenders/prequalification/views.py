"""Prequalification pages (DOMAIN §9): the vendor's qualification form (signed on the server
with its passphrase, or downloaded as a draft and uploaded signed), the Pokja's evaluation —
the submissions, one verdict form per submission, the provisional result and its approval,
the objections to answer — the objection form and the public result PDFs; and the panel of
the tender page (templates/prequalification/_tender_panel.html)."""

import io

from flask import Blueprint, abort, flash, redirect, render_template, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user

from lpse import clock
from lpse.auth.access import role_required
from lpse.auth.models import Role
from lpse.documents import operations as documents
from lpse.errors import DomainError, NotFound
from lpse.extensions import db
from lpse.formflow import show_error
from lpse.i18n import with_wib
from lpse.proxies import client_ip
from lpse.tenders.prequalification import operations as prequalification
from lpse.tenders.prequalification import pages, permissions
from lpse.tenders.prequalification.forms import (
    AnswerForm,
    ApproveForm,
    ObjectionForm,
    QualificationForm,
    UploadForm,
    verdict_form,
)
from lpse.tenders.stages import Stage
from lpse.tenders.views import detail_context, load_tender, viewer
from lpse.vendors import enrolment, signing, verification

bp = Blueprint('prequalification', __name__, url_prefix='/tenders/<code>/prakualifikasi')
RESULT_PDFS = {'ba': 'report_document', 'pengumuman': 'notice_document'}


@bp.app_context_processor
def _panel_helper():
    return {'prequalification_panel': lambda tender, now: pages.panel(tender, viewer(), now)}


def _prequalified(code):
    tender = load_tender(code)
    if not tender.method.prequalifies:
        abort(404)
    return tender


def _evaluator(code):
    tender = _prequalified(code)
    if not permissions.is_evaluator(tender, current_user):
        abort(403)
    return tender


def answer_form(objection_id) -> AnswerForm:
    """One answer form per objection on the page (its fields prefixed by the objection)."""
    return AnswerForm(prefix=f'o{objection_id}')


# --- the vendor ---------------------------------------------------------------------------


def _form_page(tender, status=200, *, form=None, upload_form=None):
    now = clock.now()
    vendor = verification.vendor_of(current_user)
    row = prequalification.submission_of(tender, vendor)
    if form is None:
        form = QualificationForm(formdata=None, data=row.answers if row else None)
    return render_template(
        'prequalification/form.html',
        tender=tender,
        row=row,
        form=form,
        upload_form=upload_form or UploadForm(formdata=None),
        can_send=permissions.can_send(tender, current_user, now),
        refusal=verification.participation_problem(vendor, now),
        window=tender.schedule.get(Stage.qualification_submission),
        consultancy=tender.category == 'jasa_konsultansi',
        now=now,
    ), status


def _vendor_step(tender, form, action, message, *, form_name='form'):
    """Run one step of the vendor's form; a refusal shows on the page and nothing stays."""
    try:
        action()
    except enrolment.WrongSigningPassphrase as exc:
        db.session.rollback()  # the draft of this request goes; the failed attempt is counted
        pages.count_signing_failure(current_user, form.passphrase.data, ip=client_ip())
        db.session.commit()
        form.passphrase.errors = [exc.message]
        return _form_page(tender, exc.status, **{form_name: form})
    except DomainError as exc:
        status = show_error(form, exc)
        return _form_page(tender, status, **{form_name: form})
    db.session.commit()
    flash(message, 'info')
    return redirect(url_for('prequalification.form', code=tender.code))


@bp.get('/formulir')
@role_required(Role.vendor)
def form(code):
    return _form_page(_prequalified(code))


@bp.post('/formulir')
@role_required(Role.vendor)
def send(code):
    """Fill, sign with the server-held key and send, in one step."""
    tender = _prequalified(code)
    form = QualificationForm()
    if not form.validate_on_submit():
        return _form_page(tender, 422, form=form)
    if not form.passphrase.data:
        form.passphrase.errors = [_('Isi frasa sandi penandatanganan Anda.')]
        return _form_page(tender, 422, form=form)

    def action():
        now, ip = clock.now(), client_ip()
        prequalification.prepare(tender, form.answers(), actor=current_user, now=now, ip=ip)
        prequalification.submit(
            tender, actor=current_user, now=now, passphrase=form.passphrase.data, ip=ip
        )

    return _vendor_step(tender, form, action, _('Data kualifikasi Anda terkirim dan tercatat.'))


@bp.post('/formulir/draf')
@role_required(Role.vendor)
def prepare(code):
    """Fill the form and keep it as a draft PDF, to be signed with a self-held key."""
    tender = _prequalified(code)
    form = QualificationForm()
    if not form.validate_on_submit():
        return _form_page(tender, 422, form=form)
    return _vendor_step(
        tender,
        form,
        lambda: prequalification.prepare(
            tender, form.answers(), actor=current_user, now=clock.now(), ip=client_ip()
        ),
        _('Draf formulir kualifikasi siap: unduh, tandatangani, lalu unggah.'),
    )


@bp.get('/formulir/draf.pdf')
@role_required(Role.vendor)
def draft_pdf(code):
    tender = _prequalified(code)
    row = prequalification.submission_of(tender, verification.vendor_of(current_user))
    if row is None or row.is_submitted:
        raise NotFound(_('Belum ada draf formulir kualifikasi.'))
    return send_file(
        io.BytesIO(prequalification.draft_pdf(row)),
        mimetype='application/pdf',
        as_attachment=True,
        download_name=f'{tender.code}-kualifikasi-draf.pdf',
        etag=row.draft_sha256,
    )


@bp.post('/formulir/unggah')
@role_required(Role.vendor)
def upload(code):
    """Send the draft signed with the vendor's self-held key."""
    tender = _prequalified(code)
    form = UploadForm()
    if not form.validate_on_submit():
        return _form_page(tender, 422, upload_form=form)
    data = form.file.data.stream.read(signing.MAX_SIGNED_PDF + 1)
    return _vendor_step(
        tender,
        form,
        lambda: prequalification.submit(
            tender, actor=current_user, now=clock.now(), signed_pdf=data, ip=client_ip()
        ),
        _('Data kualifikasi Anda terkirim dan tercatat.'),
        form_name='upload_form',
    )


# --- the Pokja ----------------------------------------------------------------------------


def _evaluation_page(tender, status=200, *, answer_forms=None):
    return render_template(
        'prequalification/evaluation.html',
        **pages.evaluation_context(tender, clock.now()),
        approve_form=ApproveForm(formdata=None),
        answer_form=lambda o: (
            (answer_forms or {}).get(o) or AnswerForm(formdata=None, prefix=f'o{o}')
        ),
    ), status


def _pokja_step(tender, form, action, message, *, page, anchor=''):
    if not form.validate_on_submit():
        return page(422)
    try:
        action()
    except DomainError as exc:
        return page(show_error(form, exc))
    db.session.commit()
    flash(message, 'info')
    return redirect(url_for('prequalification.evaluation', code=tender.code) + anchor)


@bp.get('/evaluasi')
@role_required(Role.pokja)
def evaluation(code):
    return _evaluation_page(_evaluator(code))


def _submission_page(tender, row, form, status=200):
    return render_template(
        'prequalification/submission.html',
        tender=tender,
        row=row,
        form=form,
        scored=tender.method.scores_qualification,
        closed=permissions.evaluation_problem(tender, clock.now()),
    ), status


def _verdict_form(tender, row):
    return verdict_form(
        tender.method.qualification_requirements(tender),
        scored=tender.method.scores_qualification,
        verdicts=row.verdict_map,
        score=row.score,
    )


@bp.get('/evaluasi/<int:submission_id>')
@role_required(Role.pokja)
def submission(code, submission_id):
    tender = _evaluator(code)
    row = prequalification.find_submission(tender, submission_id)
    return _submission_page(tender, row, _verdict_form(tender, row))


@bp.post('/evaluasi/<int:submission_id>')
@role_required(Role.pokja)
def verdicts(code, submission_id):
    tender = _evaluator(code)
    row = prequalification.find_submission(tender, submission_id)
    form = _verdict_form(tender, row)
    return _pokja_step(
        tender,
        form,
        lambda: prequalification.record_verdicts(
            tender,
            row.id,
            form.data_for_operation(),
            actor=current_user,
            now=clock.now(),
            ip=client_ip(),
        ),
        _('Hasil evaluasi kualifikasi %(name)s disimpan.', name=row.vendor.company_name),
        page=lambda status: _submission_page(tender, row, form, status),
    )


@bp.post('/persetujuan')
@role_required(Role.pokja)
def approve(code):
    tender = _evaluator(code)
    form = ApproveForm()
    outcome = {}

    def action():
        outcome['result'], outcome['count'], outcome['needed'] = prequalification.approve(
            tender,
            actor=current_user,
            now=clock.now(),
            ip=client_ip(),
            expected_sha256=form.result_sha256.data,
        )

    response = _pokja_step(
        tender,
        form,
        action,
        _('Persetujuan Anda tercatat.'),
        page=lambda status: _evaluation_page(tender, status),
    )
    if outcome.get('result') is not None:
        flash(_('Hasil prakualifikasi diumumkan; masa sanggah prakualifikasi dimulai.'), 'info')
    elif outcome and outcome['count'] >= outcome['needed']:
        opens = prequalification.announcement_opens(tender)
        flash(
            _(
                'Hasil prakualifikasi sudah disetujui; diumumkan otomatis saat tahap Pengumuman '
                'Hasil Prakualifikasi dimulai (%(start)s).',
                start=with_wib(opens, tender.timezone),
            ),
            'info',
        )
    return response


@bp.post('/sanggah/<int:objection_id>/jawaban')
@role_required(Role.pokja)
def answer(code, objection_id):
    tender = _evaluator(code)
    form = answer_form(objection_id)
    return _pokja_step(
        tender,
        form,
        lambda: prequalification.answer_objection(
            tender,
            objection_id,
            accept=form.decision.data == 'accepted',
            answer=form.answer.data,
            actor=current_user,
            now=clock.now(),
            ip=client_ip(),
        ),
        _('Jawaban sanggah prakualifikasi disimpan.'),
        page=lambda status: _evaluation_page(tender, status, answer_forms={objection_id: form}),
        anchor='#sanggah-prakualifikasi',
    )


# --- the public side ----------------------------------------------------------------------


def _tender_page(tender, status):
    context = detail_context(tender, clock.now())
    return render_template('tenders/detail.html', **context), status


@bp.post('/sanggah')
@role_required(Role.vendor)
def file_objection(code):
    """A vendor that sent its data objects to the announced result (on the tender page)."""
    tender = _prequalified(code)
    form = ObjectionForm()
    if not form.validate_on_submit():
        for errors in form.errors.values():
            for error in errors:
                flash(str(error), 'error')
        return _tender_page(tender, 422)
    try:
        prequalification.file_objection(
            tender, form.text.data, actor=current_user, now=clock.now(), ip=client_ip()
        )
    except DomainError as exc:
        return _tender_page(tender, show_error(None, exc))
    db.session.commit()
    flash(_('Sanggah prakualifikasi terkirim.'), 'info')
    return redirect(url_for('tenders.detail', code=tender.code) + '#prakualifikasi')


@bp.get('/hasil/<int:result_id>/<kind>.pdf')
def result_pdf(code, result_id, kind):
    """The BA and the announcement of a result: public once announced (withdrawn ones too)."""
    tender = _prequalified(code)
    result = pages.result_of(tender, result_id)
    document = getattr(result, RESULT_PDFS[kind]) if kind in RESULT_PDFS else None
    if document is None:
        raise NotFound(_('Dokumen tidak ditemukan.'))
    return send_file(
        documents.open_document(document),
        mimetype='application/pdf',
        download_name=f'{tender.code}-prakualifikasi-{kind}-{result.id}.pdf',
        etag=document.sha256,
    )
