"""Signing keys and certificates (pages): enrol by CSR or server-held key, check the signing
passphrase, download, revoke; admins and auditors see every certificate."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from lpse import clock, pki_service
from lpse.auth.access import role_required
from lpse.errors import DomainError
from lpse.extensions import db
from lpse.pki_service import Certificate
from lpse.vendors import enrolment
from lpse.vendors.forms import (
    CERT_STATE_LABELS,
    CsrForm,
    RevokeForm,
    ServerKeyForm,
    UnlockForm,
)
from lpse.vendors.views import form_error

bp = Blueprint('keys', __name__, url_prefix='/keys')


@bp.app_context_processor
def labels():
    return {'CERT_STATE_LABELS': CERT_STATE_LABELS}


def _page(status=200, **forms):
    now = clock.now()
    user = current_user._get_current_object()
    return render_template(
        'vendors/keys.html',
        now=now,
        certificates=pki_service.certificates_of(user),
        active=pki_service.active_certificate(user, now=now),
        problem=enrolment.enrolment_problem(user, now),
        subject=enrolment.expected_subject(user) if enrolment.can_enrol(user, now) else None,
        authority=pki_service.authority(),
        csr_form=forms.get('csr_form') or CsrForm(),
        server_form=forms.get('server_form') or ServerKeyForm(),
        unlock_form=forms.get('unlock_form') or UnlockForm(prefix='unlock'),
        revoke_form=RevokeForm(),
    ), status


@bp.get('/')
@role_required('vendor', 'pokja')
def index():
    return _page()


@bp.post('/csr')
@role_required('vendor', 'pokja')
def enrol_csr():
    form = CsrForm()
    if not form.validate_on_submit():
        return _page(422, csr_form=form)
    try:
        enrolment.enrol_csr(current_user, form.csr.data, now=clock.now(), ip=request.remote_addr)
    except DomainError as exc:
        return _page(form_error(form, exc), csr_form=form)
    db.session.commit()
    flash(_('Sertifikat diterbitkan. Unduh dan simpan bersama kunci Anda.'), 'info')
    return redirect(url_for('keys.index')), 303


@bp.post('/server')
@role_required('vendor', 'pokja')
def enrol_server():
    form = ServerKeyForm()
    if not form.validate_on_submit():
        return _page(422, server_form=form)
    try:
        enrolment.enrol_server_held(
            current_user, form.passphrase.data, now=clock.now(), ip=request.remote_addr
        )
    except DomainError as exc:
        return _page(form_error(form, exc), server_form=form)
    db.session.commit()
    flash(
        _(
            'Kunci dibuat dan disimpan terkunci dengan frasa sandi Anda. Jangan lupakan frasa '
            'sandi itu: tanpa frasa sandi kunci tidak dapat dipakai.'
        ),
        'info',
    )
    return redirect(url_for('keys.index')), 303


@bp.post('/check')
@role_required('vendor', 'pokja')
def check():
    """Try the signing passphrase (a rehearsal of the moment of signing)."""
    form = UnlockForm(prefix='unlock')
    if not form.validate_on_submit():
        return _page(422, unlock_form=form)
    try:
        enrolment.unlock_signing_key(
            current_user, form.passphrase.data, now=clock.now(), ip=request.remote_addr
        )
    except enrolment.WrongSigningPassphrase as exc:
        db.session.commit()  # keep the failure count and its audit event
        form.passphrase.errors = [exc.message]
        return _page(exc.status, unlock_form=form)
    except DomainError as exc:
        return _page(form_error(form, exc), unlock_form=form)
    db.session.commit()
    flash(_('Frasa sandi benar: kunci penandatanganan dapat dibuka.'), 'info')
    return redirect(url_for('keys.index')), 303


def _certificate(cert_id) -> Certificate:
    row = db.session.get(Certificate, cert_id)
    if row is None or not row.can_download(current_user):
        abort(404)
    return row


@bp.get('/<int:cert_id>.pem')
@role_required()
def download(cert_id):
    row = _certificate(cert_id)
    return (
        row.pem,
        200,
        {
            'Content-Type': 'application/x-pem-file',
            'Content-Disposition': f'attachment; filename="lpse-{row.serial}.pem"',
        },
    )


@bp.post('/<int:cert_id>/revoke')
@role_required()
def revoke(cert_id):
    row = _certificate(cert_id)
    now = clock.now()
    if not row.can_revoke(current_user, now):
        abort(403)
    form = RevokeForm()
    if not form.validate_on_submit():
        abort(400)
    enrolment.revoke_certificate(
        row,
        reason=form.reason.data,
        note=form.note.data,
        actor=current_user,
        now=now,
        ip=request.remote_addr,
    )
    db.session.commit()
    flash(_('Sertifikat dicabut.'), 'info')
    target = (
        'keys.registry'
        if current_user.has_role('admin') and row.user_id != current_user.id
        else 'keys.index'
    )
    return redirect(url_for(target)), 303


@bp.get('/all')
@role_required('admin', 'auditor')
def registry():
    rows = db.session.scalars(
        db.select(Certificate).order_by(Certificate.issued_at.desc(), Certificate.id.desc())
    ).all()
    return render_template(
        'vendors/keys_all.html', certificates=rows, now=clock.now(), revoke_form=RevokeForm()
    )
