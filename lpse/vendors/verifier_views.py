"""The verifier's queue and decisions; an admin's suspension (pages of the vendors blueprint)."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from lpse import clock
from lpse.auth.access import role_required
from lpse.errors import DomainError
from lpse.extensions import db
from lpse.vendors import mail, verification
from lpse.vendors.forms import DecisionForm, ReasonForm
from lpse.vendors.views import bp, form_error, load_vendor


@bp.get('/queue')
@role_required('verifier', 'admin', 'auditor')
def queue():
    status = request.args.get('status')
    rows = verification.queue() if not status else verification.by_status(status)
    return render_template('vendors/queue.html', vendors=rows, status=status)


def _detail(vendor, status=200, **forms):
    now = clock.now()
    return render_template(
        'vendors/detail.html',
        vendor=vendor,
        now=now,
        problem=verification.participation_problem(vendor, now),
        decision_form=forms.get('decision_form') or DecisionForm(),
        suspend_form=forms.get('suspend_form') or ReasonForm(prefix='suspend'),
        reinstate_form=forms.get('reinstate_form') or ReasonForm(prefix='reinstate'),
    ), status


@bp.get('/<int:vendor_id>')
@role_required()
def detail(vendor_id):
    return _detail(load_vendor(vendor_id))


@bp.post('/<int:vendor_id>/verification')
@role_required('verifier')
def decide(vendor_id):
    vendor = load_vendor(vendor_id)
    if not vendor.can_decide(current_user):
        abort(403)
    form = DecisionForm()
    if not form.validate_on_submit():
        return _detail(vendor, 422, decision_form=form)
    try:
        verification.decide(
            vendor,
            form.decision.data,
            reason=form.reason.data,
            actor=current_user,
            now=clock.now(),
            ip=request.remote_addr,
        )
    except DomainError as exc:
        return _detail(vendor, form_error(form, exc), decision_form=form)
    db.session.commit()
    mail.send_decision(vendor)
    flash(_('Keputusan disimpan.'), 'info')
    return redirect(url_for('vendors.queue'))


@bp.post('/<int:vendor_id>/suspend')
@role_required('admin')
def suspend(vendor_id):
    vendor = load_vendor(vendor_id)
    if not vendor.can_suspend(current_user):
        abort(403)
    form = ReasonForm(prefix='suspend')
    if not form.validate_on_submit():
        return _detail(vendor, 422, suspend_form=form)
    verification.suspend(
        vendor,
        reason=form.reason.data,
        actor=current_user,
        now=clock.now(),
        ip=request.remote_addr,
    )
    db.session.commit()
    mail.send_decision(vendor)
    flash(_('Penyedia dibekukan.'), 'info')
    return redirect(url_for('vendors.detail', vendor_id=vendor.id))


@bp.post('/<int:vendor_id>/reinstate')
@role_required('admin')
def reinstate(vendor_id):
    vendor = load_vendor(vendor_id)
    if not vendor.can_reinstate(current_user):
        abort(403)
    form = ReasonForm(prefix='reinstate')
    if not form.validate_on_submit():
        return _detail(vendor, 422, reinstate_form=form)
    verification.reinstate(
        vendor,
        reason=form.reason.data,
        actor=current_user,
        now=clock.now(),
        ip=request.remote_addr,
    )
    db.session.commit()
    mail.send_decision(vendor)
    flash(_('Pembekuan dicabut.'), 'info')
    return redirect(url_for('vendors.detail', vendor_id=vendor.id))
