"""Vendor pages: registration, email confirmation, the dashboard, editing and documents.

The verifier's pages are in verifier_views.py and the Daftar Hitam in blacklist_views.py;
all three share this blueprint."""

from flask import (
    Blueprint,
    abort,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_user

from lpse import audit, clock, storage
from lpse.auth.access import login_required, role_required
from lpse.errors import DomainError
from lpse.extensions import db
from lpse.formflow import run_form
from lpse.proxies import client_ip
from lpse.vendors import documents, mail, pages, registration, verification
from lpse.vendors.forms import (
    DOCUMENT_LABELS,
    LEGAL_FORM_LABELS,
    SBU_LABELS,
    SIZE_LABELS,
    STATUS_LABELS,
    ConfirmForm,
    DocumentForm,
    ProfileForm,
    RegistrationForm,
)
from lpse.vendors.models import Vendor, VendorDocument

bp = Blueprint('vendors', __name__, url_prefix='/vendors')


@bp.app_context_processor
def labels():
    return {
        'VENDOR_STATUS_LABELS': STATUS_LABELS,
        'LEGAL_FORM_LABELS': LEGAL_FORM_LABELS,
        'VENDOR_SIZE_LABELS': SIZE_LABELS,
        'SBU_LABELS': SBU_LABELS,
        'DOCUMENT_LABELS': DOCUMENT_LABELS,
    }


def load_vendor(vendor_id) -> Vendor:
    vendor = db.session.get(Vendor, vendor_id)
    if vendor is None or not vendor.can_view(current_user):
        abort(404)
    return vendor


def my_vendor() -> Vendor:
    vendor = verification.vendor_of(current_user)
    if vendor is None:
        abort(404)
    return vendor


MAIL_FAILED = _l(
    'Email konfirmasi belum dapat dikirim (server email sedang bermasalah). Data Anda sudah '
    'tersimpan: pakai tombol "Kirim ulang tautan" di halaman penyedia beberapa saat lagi.'
)


@bp.route('/register', methods=['GET', 'POST'])
def register():
    if current_user.is_authenticated:
        return redirect(url_for('vendors.dashboard'))
    form = RegistrationForm()
    now = clock.now()

    def register_and_note():
        vendor = registration.register_vendor(form.registration_data(), now=now, ip=client_ip())
        registration.note_confirmation_sent(vendor, now=now)
        return vendor

    outcome = run_form(
        form,
        register_and_note,
        check=lambda: registration.check_registration(form.registration_data()),
    )
    if not outcome.ok:
        return render_template('vendors/register.html', form=form), outcome.status
    vendor = outcome.value
    sent = mail.send_confirmation(vendor, now=now)
    lang = session.get('lang')
    session.clear()  # a fresh session for the new login
    if lang:
        session['lang'] = lang
    login_user(vendor.user)
    if sent:
        flash(
            _(
                'Pendaftaran tersimpan. Buka tautan yang kami kirim ke %(email)s.',
                email=vendor.email,
            ),
            'info',
        )
    else:
        flash(str(MAIL_FAILED), 'error')
    return redirect(url_for('vendors.dashboard'))


@bp.get('/confirm/<token>')
def confirm(token):
    try:
        vendor = registration.confirm_email(token, now=clock.now(), ip=client_ip())
    except DomainError as exc:
        db.session.rollback()
        return render_template('vendors/confirm.html', error=exc.message), exc.status
    db.session.commit()
    return render_template('vendors/confirm.html', vendor=vendor)


@bp.post('/me/resend')
@role_required('vendor')
def resend():
    vendor = my_vendor()
    if not ConfirmForm().validate_on_submit():
        abort(400)
    now = clock.now()
    if not registration.can_resend_confirmation(vendor, now):
        flash(_('Tautan baru dapat diminta 5 menit setelah pengiriman terakhir.'), 'error')
        return redirect(url_for('vendors.dashboard'))
    registration.note_confirmation_sent(vendor, now=now, resend=True, ip=client_ip())
    db.session.commit()
    if mail.send_confirmation(vendor, now=now):
        flash(_('Tautan konfirmasi dikirim ulang.'), 'info')
    else:
        flash(str(MAIL_FAILED), 'error')
    return redirect(url_for('vendors.dashboard'))


def _dashboard(status=200, document_form=None):
    vendor = verification.vendor_of(current_user)
    now = clock.now()
    return render_template(
        'vendors/dashboard.html',
        vendor=vendor,
        now=now,
        document_form=document_form or DocumentForm(),
        confirm=ConfirmForm(),
        on_dashboard=True,
        **pages.next_step(vendor, current_user, now),
    ), status


@bp.get('/me')
@role_required('vendor')
def dashboard():
    return _dashboard()


def _profile_form(vendor):
    form = ProfileForm(obj=vendor) if request.method == 'GET' else ProfileForm()
    if request.method == 'GET':
        for name, rows in (('directors', vendor.directors), ('licences', vendor.licences)):
            entries = getattr(form, name).entries
            for entry, row in zip(entries, rows, strict=False):
                entry.form.process(None, obj=row)
        form.sbu_grade.data = vendor.sbu_grade or ''
    return form


@bp.route('/me/edit', methods=['GET', 'POST'])
@role_required('vendor')
def edit():
    vendor = my_vendor()
    if not vendor.can_edit(current_user):
        abort(403)
    form = _profile_form(vendor)
    outcome = run_form(
        form,
        lambda: registration.update_vendor(
            vendor, form.profile_data(), actor=current_user, now=clock.now(), ip=client_ip()
        ),
    )
    if not outcome.ok:
        return render_template('vendors/edit.html', form=form, vendor=vendor), outcome.status
    flash(_('Data perusahaan disimpan.'), 'info')
    return redirect(url_for('vendors.dashboard'))


@bp.post('/me/documents')
@role_required('vendor')
def upload():
    vendor = my_vendor()
    form = DocumentForm()
    outcome = run_form(
        form,
        lambda: documents.add_document(
            vendor,
            kind=form.kind.data,
            fileobj=form.file.data.stream,
            filename=form.file.data.filename,
            actor=current_user,
            now=clock.now(),
            ip=client_ip(),
        ),
    )
    if not outcome.ok:
        return _dashboard(outcome.status, form)
    flash(_('Dokumen diunggah.'), 'info')
    return redirect(url_for('vendors.dashboard')), 303


@bp.post('/me/documents/<int:document_id>/delete')
@role_required('vendor')
def delete_document(document_id):
    vendor = my_vendor()
    doc = db.session.get(VendorDocument, document_id)
    if doc is None or doc.vendor_id != vendor.id:
        abort(404)
    form = ConfirmForm()
    outcome = run_form(
        form,
        lambda: documents.delete_document(
            vendor, doc, actor=current_user, now=clock.now(), ip=client_ip()
        ),
    )
    if not outcome.ok:
        return _dashboard(outcome.status)
    flash(_('Dokumen dihapus.'), 'info')
    return redirect(url_for('vendors.dashboard')), 303


@bp.get('/<int:vendor_id>/documents/<int:document_id>')
@login_required
def document(vendor_id, document_id):
    """A supporting document: the vendor, verifiers, admins and auditors only."""
    vendor = load_vendor(vendor_id)
    doc = db.session.get(VendorDocument, document_id)
    if doc is None or doc.vendor_id != vendor.id:
        abort(404)
    blob = storage.blob_store().open(doc.sha256)
    audit.record_read(
        'vendor_document',
        doc,
        actor=current_user,
        now=clock.now(),
        ip=client_ip(),
        vendor_id=vendor.id,
        sha256=doc.sha256,
    )
    response = send_file(
        blob,
        mimetype=doc.media_type,
        as_attachment=True,
        download_name=doc.filename,
        etag=doc.sha256,
    )
    response.headers['Content-Security-Policy'] = "default-src 'none'; sandbox"
    return response
