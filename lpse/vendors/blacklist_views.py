"""The Daftar Hitam pages: public list; admins and verifiers record and lift entries."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from lpse import clock
from lpse.auth.access import role_required
from lpse.extensions import db
from lpse.formflow import run_form
from lpse.proxies import client_ip
from lpse.vendors import blacklist
from lpse.vendors.forms import BlacklistForm, ReasonForm
from lpse.vendors.models import BlacklistEntry
from lpse.vendors.views import bp


def _index(status=200):
    now = clock.now()
    include_past = request.args.get('all') == '1'
    return render_template(
        'vendors/blacklist.html',
        entries=blacklist.entries(now=now, include_past=include_past),
        include_past=include_past,
        now=now,
        lift_form=ReasonForm(prefix='lift'),
    ), status


@bp.get('/blacklist')
def blacklist_index():
    return _index()


@bp.route('/blacklist/new', methods=['GET', 'POST'])
@role_required('admin', 'verifier')
def blacklist_create():
    form = BlacklistForm()
    outcome = run_form(
        form,
        lambda: blacklist.add_entry(
            {name: getattr(form, name).data for name in form.data if name != 'csrf_token'},
            actor=current_user,
            now=clock.now(),
            ip=client_ip(),
        ),
    )
    if outcome.ok:
        flash(_('Entri Daftar Hitam dicatat.'), 'info')
        return redirect(url_for('vendors.blacklist_index'))
    return render_template('vendors/blacklist_form.html', form=form), outcome.status


@bp.post('/blacklist/<int:entry_id>/lift')
@role_required('admin', 'verifier')
def blacklist_lift(entry_id):
    entry = db.session.get(BlacklistEntry, entry_id) or abort(404)
    now = clock.now()
    if not entry.can_lift(current_user, now) and not entry.names_company_of(current_user):
        abort(403)
    form = ReasonForm(prefix='lift')
    outcome = run_form(
        form,
        lambda: blacklist.lift_entry(
            entry, reason=form.reason.data, actor=current_user, now=now, ip=client_ip()
        ),
    )
    if outcome.ok:
        flash(_('Entri Daftar Hitam dicabut.'), 'info')
        return redirect(url_for('vendors.blacklist_index')), 303
    if outcome.status == 422 and form.errors:
        flash(_('Alasan pencabutan wajib diisi.'), 'error')
        return redirect(url_for('vendors.blacklist_index')), 303
    return _index(outcome.status)  # the refusal was flashed (e.g. one's own company)
