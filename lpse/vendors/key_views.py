"""Signing keys and certificates (pages): enrol by CSR or server-held key, check the signing
passphrase, download, revoke; admins and auditors see every certificate."""

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from lpse import clock, pki_service
from lpse.auth import scope
from lpse.auth.access import role_required
from lpse.errors import DomainError, NotAllowed
from lpse.extensions import db
from lpse.formflow import run_form, show_error
from lpse.pki_service import Certificate
from lpse.proxies import client_ip
from lpse.vendors import enrolment
from lpse.vendors.forms import (
    CERT_PROFILE_LABELS,
    CERT_STATE_LABELS,
    CsrForm,
    RevokeForm,
    ServerKeyForm,
    UnlockForm,
)

bp = Blueprint('keys', __name__, url_prefix='/keys')


@bp.app_context_processor
def labels():
    return {'CERT_STATE_LABELS': CERT_STATE_LABELS, 'CERT_PROFILE_LABELS': CERT_PROFILE_LABELS}


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
    outcome = run_form(
        form,
        lambda: enrolment.enrol_csr(current_user, form.csr.data, now=clock.now(), ip=client_ip()),
    )
    if not outcome.ok:
        return _page(outcome.status, csr_form=form)
    flash(_('Sertifikat diterbitkan. Unduh dan simpan bersama kunci Anda.'), 'info')
    return redirect(url_for('keys.index')), 303


@bp.post('/server')
@role_required('vendor', 'pokja')
def enrol_server():
    form = ServerKeyForm()
    outcome = run_form(
        form,
        lambda: enrolment.enrol_server_held(
            current_user, form.passphrase.data, now=clock.now(), ip=client_ip()
        ),
    )
    if not outcome.ok:
        return _page(outcome.status, server_form=form)
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
            current_user, form.passphrase.data, now=clock.now(), ip=client_ip()
        )
    except enrolment.WrongSigningPassphrase as exc:
        db.session.commit()  # keep the failure count and its audit event
        form.passphrase.errors = [exc.message]
        return _page(exc.status, unlock_form=form)
    except DomainError as exc:
        return _page(show_error(form, exc), unlock_form=form)
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


def _back_from_revoking(row):
    """Admins revoking someone else's certificate came from the registry."""
    if current_user.has_role('admin') and row.user_id != current_user.id:
        return 'keys.registry'
    return 'keys.index'


@bp.post('/<int:cert_id>/revoke')
@role_required()
def revoke(cert_id):
    row = _certificate(cert_id)
    now = clock.now()
    if not row.can_revoke(current_user, now):
        abort(403)
    form = RevokeForm()
    outcome = run_form(
        form,
        lambda: enrolment.revoke_certificate(
            row,
            reason=form.reason.data,
            note=form.note.data,
            actor=current_user,
            now=now,
            ip=client_ip(),
        ),
    )
    if not outcome.ok:
        for errors in form.errors.values():
            flash(' '.join(str(e) for e in errors), 'error')
        if _back_from_revoking(row) == 'keys.registry':
            return _registry(outcome.status)
        return _page(outcome.status)
    flash(_('Sertifikat dicabut.'), 'info')
    return redirect(url_for(_back_from_revoking(row))), 303


@bp.get('/all')
@role_required('admin', 'auditor')
def registry():
    reach = scope.active_scope(current_user, clock.now())
    if reach is None or not reach.national:
        raise NotAllowed(scope.EXPIRED if reach is None else scope.NATIONAL_ONLY)
    return _registry()


def _registry(status=200):
    rows = db.session.scalars(
        db.select(Certificate).order_by(Certificate.issued_at.desc(), Certificate.id.desc())
    ).all()
    return render_template(
        'vendors/keys_all.html', certificates=rows, now=clock.now(), revoke_form=RevokeForm()
    ), status
