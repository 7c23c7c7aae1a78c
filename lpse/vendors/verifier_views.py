"""The verifier's queue and decisions; an admin's suspension (pages of the vendors blueprint)."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from lpse import clock
from lpse.auth.access import role_required
from lpse.formflow import run_form
from lpse.proxies import client_ip
from lpse.vendors import mail, verification
from lpse.vendors.forms import DecisionForm, ReasonForm
from lpse.vendors.verification import Standing
from lpse.vendors.views import bp, load_vendor


def _mail_note(sent):
    if not sent:
        flash(
            _('Keputusan tersimpan, tetapi email pemberitahuan ke penyedia gagal dikirim.'),
            'error',
        )


@bp.get('/queue')
@role_required('verifier', 'admin', 'auditor')
def queue():
    status = request.args.get('status')
    reach = verification.listing_reach(current_user, clock.now())
    rows = verification.queue(reach) if not status else verification.by_status(status, reach)
    return render_template(
        'vendors/queue.html', vendors=rows, status=status, scoped=reach is not None
    )


def _detail(vendor, status=200, **forms):
    now = clock.now()
    decision_form = forms.get('decision_form') or DecisionForm()
    decision_form.content_version.data = vendor.content_version()  # what this page shows
    return render_template(
        'vendors/detail.html',
        vendor=vendor,
        now=now,
        problem=verification.participation_problem(vendor, now),
        decision_form=decision_form,
        suspend_form=forms.get('suspend_form') or ReasonForm(prefix='suspend'),
        reinstate_form=forms.get('reinstate_form') or ReasonForm(prefix='reinstate'),
    ), status


def _allowed_or_refused(vendor, allowed):
    """None when the user may act; their own company: the page with the reason (403);
    anything else: a plain 403."""
    if allowed:
        return None
    if vendor.is_owner(current_user):
        flash(str(verification.SELF_DEALING), 'error')
        return _detail(vendor, 403)
    abort(403)


@bp.get('/<int:vendor_id>')
@role_required()
def detail(vendor_id):
    return _detail(load_vendor(vendor_id))


@bp.post('/<int:vendor_id>/verification')
@role_required('verifier')
def decide(vendor_id):
    vendor = load_vendor(vendor_id)
    refused = _allowed_or_refused(vendor, vendor.can_decide(current_user))
    if refused:
        return refused
    form = DecisionForm()
    outcome = run_form(
        form,
        lambda: verification.decide(
            vendor,
            form.decision.data,
            reason=form.reason.data,
            content_version=form.content_version.data,
            actor=current_user,
            now=clock.now(),
            ip=client_ip(),
        ),
    )
    if not outcome.ok:
        return _detail(vendor, outcome.status, decision_form=form)
    _mail_note(mail.send_decision(vendor, now=clock.now()))
    flash(_('Keputusan disimpan.'), 'info')
    return redirect(url_for('vendors.queue'))


def _standing(vendor_id, action: Standing, done):
    vendor = load_vendor(vendor_id)
    allowed = vendor.can_suspend if action is Standing.suspend else vendor.can_reinstate
    refused = _allowed_or_refused(vendor, allowed(current_user))
    if refused:
        return refused
    form = ReasonForm(prefix=action.value)
    outcome = run_form(
        form,
        lambda: verification.change_standing(
            vendor,
            action,
            reason=form.reason.data,
            actor=current_user,
            now=clock.now(),
            ip=client_ip(),
        ),
    )
    if not outcome.ok:
        return _detail(vendor, outcome.status, **{f'{action.value}_form': form})
    _mail_note(mail.send_decision(vendor, now=clock.now()))
    flash(done, 'info')
    return redirect(url_for('vendors.detail', vendor_id=vendor.id))


@bp.post('/<int:vendor_id>/suspend')
@role_required('admin')
def suspend(vendor_id):
    return _standing(vendor_id, Standing.suspend, _('Penyedia dibekukan.'))


@bp.post('/<int:vendor_id>/reinstate')
@role_required('admin')
def reinstate(vendor_id):
    return _standing(vendor_id, Standing.reinstate, _('Pembekuan dicabut.'))
