"""The contract page of a tender: what the PPK, the winning vendor, the Pokja and auditors see,
and the forms of each step (operations.py says who may take it)."""

from flask import Blueprint, abort, flash, redirect, render_template, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from lpse import clock
from lpse.contracts import operations as contracts
from lpse.contracts import terms
from lpse.contracts.forms import (
    AmendmentForm,
    BastForm,
    DraftForm,
    ReviewForm,
    SignForm,
    SpmkForm,
)
from lpse.contracts.models import SigningStatus
from lpse.errors import DomainError
from lpse.extensions import db
from lpse.formflow import show_error
from lpse.proxies import client_ip
from lpse.tenders.forms import ConfirmForm
from lpse.tenders.views import load_tender
from lpse.vendors import enrolment

bp = Blueprint('contracts', __name__, url_prefix='/tenders')


def panel(tender):
    """The tender page's contract panel: the state and a link, for those who may see it."""
    user = current_user if current_user.is_authenticated else None
    if not contracts.can_view(tender, user):
        return None
    return {
        'contract': contracts.contract_of(tender),
        'can_draft': contracts.is_ppk(tender, user) and tender.award_issued_at is not None,
    }


@bp.app_context_processor
def globals_():
    return {'contract_panel': panel}


def _visible(code, *, party=None):
    """The tender, if the visitor may see its contract and (`party` 'ppk' or 'winner') is the
    party who takes the step — checked before any form is read."""
    tender = load_tender(code)
    if not contracts.can_view(tender, current_user):
        abort(403)
    if party == 'ppk' and not contracts.is_ppk(tender, current_user):
        abort(403)
    if party == 'winner' and not contracts.is_winner(tender, current_user):
        abort(403)
    return tender


def _draft_form(contract):
    form = DraftForm()
    if contract is not None and not form.is_submitted():
        for name in ('starts_on', 'ends_on', 'payment_terms', 'bond_number', 'bond_issuer'):
            getattr(form, name).data = getattr(contract, name)
        form.bond_valid_until.data = contract.bond_valid_until
    return form


def _page(tender, status=200, **forms):
    contract = contracts.contract_of(tender)
    context = {
        'tender': tender,
        'contract': contract,
        'is_ppk': contracts.is_ppk(tender, current_user),
        'is_winner': contracts.is_winner(tender, current_user),
        'needs_spmk': terms.needs_spmk(tender.category),
        'S': SigningStatus,
        'draft_form': forms.get('draft_form') or _draft_form(contract),
        'review_form': forms.get('review_form') or ReviewForm(formdata=None),
        'sign_form': forms.get('sign_form') or SignForm(formdata=None),
        'spmk_form': forms.get('spmk_form') or SpmkForm(formdata=None),
        'amendment_form': forms.get('amendment_form') or AmendmentForm(formdata=None),
        'bast_form': forms.get('bast_form') or BastForm(formdata=None),
        'confirm': ConfirmForm(formdata=None),
        'now': clock.now(),
    }
    return render_template('contracts/contract.html', **context), status


def _run(tender, form_name, form, action, message):
    """Validate, take the step, commit and go back to the page; else show why (nothing kept)."""
    if not form.validate_on_submit():
        return _page(tender, 422, **{form_name: form})
    try:
        action()
    except enrolment.WrongSigningPassphrase as exc:
        db.session.commit()  # the failure count and its audit event stand
        form.passphrase.errors = [exc.message]
        return _page(tender, exc.status, **{form_name: form})
    except DomainError as exc:
        status = show_error(form, exc)
        return _page(tender, status, **{form_name: form})
    db.session.commit()
    flash(message, 'info')
    return redirect(url_for('contracts.show', code=tender.code))


@bp.get('/<code>/contract')
@login_required
def show(code):
    return _page(_visible(code))


@bp.get('/<code>/contract/draft.pdf')
@bp.get('/<code>/contract/amendments/<int:seq>/draft.pdf')
@login_required
def draft_pdf(code, seq=None):
    tender = _visible(code)
    if not (contracts.is_ppk(tender, current_user) or contracts.is_winner(tender, current_user)):
        abort(403)
    instrument = contracts.instrument_of(tender, seq)
    return send_file(
        contracts.draft_stream(instrument),
        mimetype='application/pdf',
        as_attachment=True,
        download_name=f'{instrument.draft_id}-draft.pdf',
        etag=instrument.draft_sha256,
    )


@bp.post('/<code>/contract')
@login_required
def draft(code):
    tender = _visible(code, party='ppk')
    form = DraftForm()
    return _run(
        tender,
        'draft_form',
        form,
        lambda: contracts.draft_contract(
            tender, form.data, actor=current_user, now=clock.now(), ip=client_ip()
        ),
        _('Draf kontrak disimpan; penyedia dapat meninjaunya.'),
    )


@bp.post('/<code>/contract/review')
@bp.post('/<code>/contract/amendments/<int:seq>/review')
@login_required
def review(code, seq=None):
    tender = _visible(code, party='winner')
    form = ReviewForm()

    def action():
        instrument = contracts.instrument_of(tender, seq)
        contracts.review(
            tender,
            instrument,
            actor=current_user,
            accept=form.decision.data == 'accept',
            note=form.note.data,
            now=clock.now(),
            ip=client_ip(),
        )

    return _run(tender, 'review_form', form, action, _('Tinjauan Anda tercatat.'))


@bp.post('/<code>/contract/vendor-signature')
@bp.post('/<code>/contract/amendments/<int:seq>/vendor-signature')
@login_required
def vendor_sign(code, seq=None):
    tender = _visible(code, party='winner')
    form = SignForm()

    def action():
        instrument = contracts.instrument_of(tender, seq)
        contracts.vendor_sign(
            tender,
            instrument,
            actor=current_user,
            passphrase=form.passphrase.data,
            now=clock.now(),
            ip=client_ip(),
        )

    return _run(tender, 'sign_form', form, action, _('Anda telah menandatangani dokumen ini.'))


@bp.post('/<code>/contract/ppk-signature')
@bp.post('/<code>/contract/amendments/<int:seq>/ppk-signature')
@login_required
def ppk_sign(code, seq=None):
    tender = _visible(code, party='ppk')
    form = ConfirmForm()

    def action():
        instrument = contracts.instrument_of(tender, seq)
        contracts.ppk_sign(tender, instrument, actor=current_user, now=clock.now(), ip=client_ip())

    return _run(tender, 'confirm', form, action, _('Dokumen ditandatangani kedua pihak.'))


@bp.post('/<code>/contract/spmk')
@login_required
def spmk(code):
    tender = _visible(code, party='ppk')
    form = SpmkForm()
    return _run(
        tender,
        'spmk_form',
        form,
        lambda: contracts.issue_spmk(
            tender, form.data, actor=current_user, now=clock.now(), ip=client_ip()
        ),
        _('SPMK diterbitkan.'),
    )


@bp.post('/<code>/contract/amendments')
@login_required
def amend(code):
    tender = _visible(code, party='ppk')
    form = AmendmentForm()
    return _run(
        tender,
        'amendment_form',
        form,
        lambda: contracts.draft_amendment(
            tender, form.data, actor=current_user, now=clock.now(), ip=client_ip()
        ),
        _('Draf adendum kontrak disimpan; penyedia dapat meninjaunya.'),
    )


@bp.post('/<code>/contract/bast')
@login_required
def bast(code):
    tender = _visible(code, party='ppk')
    form = BastForm()
    return _run(
        tender,
        'bast_form',
        form,
        lambda: contracts.hand_over(
            tender, form.data, actor=current_user, now=clock.now(), ip=client_ip()
        ),
        _('BAST tercatat; tender selesai.'),
    )
