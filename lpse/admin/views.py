"""Admin pages: officer accounts, roles and agencies."""

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from wtforms import SelectChoice

from lpse import clock
from lpse.admin.forms import (
    AgencyForm,
    AuditorScopeForm,
    NipForm,
    RolesForm,
    UserForm,
    WorkUnitForm,
)
from lpse.agencies import operations as agency_ops
from lpse.agencies.models import Agency
from lpse.auth import operations as auth_ops
from lpse.auth.access import role_required
from lpse.auth.forms import ConfirmForm
from lpse.auth.models import Role, User
from lpse.auth.scope import AuditorScope, set_scope
from lpse.extensions import db
from lpse.formflow import run_form
from lpse.proxies import client_ip

bp = Blueprint('admin', __name__, url_prefix='/admin')
admin_only = role_required(Role.admin)


def _user_or_404(user_id):
    return db.session.get(User, user_id) or abort(404)


def _acting():
    return {'actor': current_user, 'now': clock.now(), 'ip': client_ip()}


@bp.get('/users')
@admin_only
def users():
    rows = db.session.scalars(select(User).order_by(User.email)).all()
    return render_template('admin/users.html', users=rows)


@bp.route('/users/new', methods=['GET', 'POST'])
@admin_only
def user_create():
    form = UserForm()
    agencies = db.session.scalars(select(Agency).order_by(Agency.code)).all()
    form.agency.choices = [SelectChoice('', '—')] + [
        SelectChoice(a.code, f'{a.code} — {a.name}') for a in agencies
    ]

    def create():
        agency = agency_ops.get_agency(form.agency.data) if form.agency.data else None
        user, password = auth_ops.create_user(
            email=form.email.data,
            name=form.name.data,
            roles=form.roles.data,
            agency=agency,
            **_acting(),
        )
        user.must_change_password = True
        return user, password

    outcome = run_form(form, create)
    if outcome.ok:
        user, password = outcome.value
        return render_template('admin/password_once.html', user=user, password=password), 201
    status = 422 if outcome.status == 404 else outcome.status  # an unknown agency is bad input
    return render_template('admin/user_form.html', form=form), status


@bp.route('/users/<int:user_id>', methods=['GET', 'POST'])
@admin_only
def user_detail(user_id):
    user = _user_or_404(user_id)
    form = RolesForm(roles=[r.value for r in user.roles])
    outcome = run_form(form, lambda: auth_ops.set_roles(user, form.roles.data, **_acting()))
    if outcome.ok:
        flash(_('Peran diperbarui.'), 'info')
        return redirect(url_for('admin.user_detail', user_id=user.id))
    return _user_page(user, form=form, status=outcome.status)


def _user_page(user, *, form=None, scope_form=None, nip_form=None, status=200):
    return render_template(
        'admin/user_detail.html',
        user=user,
        form=form or RolesForm(roles=[r.value for r in user.roles]),
        scope_form=scope_form or _scope_form(user),
        nip_form=nip_form or NipForm(nip=user.nip or ''),
        confirm=ConfirmForm(),
    ), status


def _scope_form(user, *, posted=False):
    """The auditor scope form: what was posted, or the account's current scope."""
    row = db.session.get(AuditorScope, user.id)
    data = {'national': True}
    if posted:
        data = None
    elif row is not None:
        data = {
            'national': row.national,
            'agencies': [r.agency_id for r in row.agency_rows],
            'tenders': '\n'.join(sorted(r.tender_code for r in row.tender_rows)),
            'ends_on': row.ends_on,
        }
    form = AuditorScopeForm(data=data) if data is not None else AuditorScopeForm()
    agencies = db.session.scalars(select(Agency).order_by(Agency.code)).all()
    form.agencies.choices = [SelectChoice(a.id, f'{a.code} — {a.name}') for a in agencies]
    return form


@bp.post('/users/<int:user_id>/auditor-scope')
@admin_only
def user_auditor_scope(user_id):
    """Set what an auditor account audits (national, agencies, tenders) and until when."""
    user = _user_or_404(user_id)
    form = _scope_form(user, posted=True)
    outcome = run_form(
        form,
        lambda: set_scope(
            user,
            national=form.national.data,
            agency_ids=form.agencies.data or [],
            tender_codes=form.tender_codes(),
            ends_on=form.ends_on.data,
            **_acting(),
        ),
    )
    if outcome.ok:
        flash(_('Cakupan auditor diperbarui.'), 'info')
        return redirect(url_for('admin.user_detail', user_id=user.id)), 303
    return _user_page(user, scope_form=form, status=outcome.status)


@bp.post('/users/<int:user_id>/nip')
@admin_only
def user_nip(user_id):
    """An officer's NIP, printed in the signature blocks of the documents they issue."""
    user = _user_or_404(user_id)
    form = NipForm()
    outcome = run_form(form, lambda: auth_ops.set_nip(user, form.nip.data, **_acting()))
    if outcome.ok:
        flash(_('NIP disimpan.'), 'info')
        return redirect(url_for('admin.user_detail', user_id=user.id)), 303
    return _user_page(user, nip_form=form, status=outcome.status)


@bp.post('/users/<int:user_id>/active')
@admin_only
def user_active(user_id):
    user = _user_or_404(user_id)
    outcome = run_form(
        ConfirmForm(), lambda: auth_ops.set_active(user, not user.active, **_acting())
    )
    if not outcome.ok:
        abort(outcome.status if outcome.status != 422 else 400)
    flash(_('Akun diaktifkan.') if user.active else _('Akun dinonaktifkan.'), 'info')
    return redirect(url_for('admin.user_detail', user_id=user.id))


@bp.post('/users/<int:user_id>/reset-password')
@admin_only
def user_reset_password(user_id):
    user = _user_or_404(user_id)
    outcome = run_form(ConfirmForm(), lambda: auth_ops.reset_password(user, **_acting()))
    if not outcome.ok:
        abort(400)
    return render_template('admin/password_once.html', user=user, password=outcome.value)


@bp.get('/agencies')
@admin_only
def agencies():
    rows = db.session.scalars(select(Agency).order_by(Agency.code)).all()
    return render_template('admin/agencies.html', agencies=rows)


@bp.route('/agencies/new', methods=['GET', 'POST'])
@admin_only
def agency_create():
    form = AgencyForm()
    outcome = run_form(
        form,
        lambda: agency_ops.create_agency(
            code=form.code.data, name=form.name.data, timezone=form.timezone.data, **_acting()
        ),
    )
    if outcome.ok:
        flash(_('Instansi dibuat.'), 'info')
        return redirect(url_for('admin.agency_detail', code=outcome.value.code))
    return render_template('admin/agency_form.html', form=form), outcome.status


@bp.route('/agencies/<code>', methods=['GET', 'POST'])
@admin_only
def agency_detail(code):
    agency = agency_ops.find_agency(code) or abort(404)
    form = WorkUnitForm()
    outcome = run_form(
        form,
        lambda: agency_ops.add_work_unit(
            agency, code=form.code.data, name=form.name.data, **_acting()
        ),
    )
    if outcome.ok:
        flash(_('Satuan kerja ditambahkan.'), 'info')
        return redirect(url_for('admin.agency_detail', code=agency.code))
    return render_template('admin/agency_detail.html', agency=agency, form=form), outcome.status
