"""Login, logout, second factor, password change, profile and API tokens (pages)."""

from datetime import timedelta
from urllib.parse import urlsplit

from flask import Blueprint, abort, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from lpse import clock
from lpse.auth import operations
from lpse.auth.access import login_required
from lpse.auth.forms import ConfirmForm, LoginForm, PasswordChangeForm, TokenForm, TotpForm
from lpse.auth.models import ROLE_LABELS, ApiToken, Role, User
from lpse.auth.scope import active_scope
from lpse.errors import DomainError
from lpse.extensions import db
from lpse.formflow import run_form
from lpse.proxies import client_ip

bp = Blueprint('auth', __name__, url_prefix='/auth')


@bp.app_context_processor
def _role_labels():
    return {'ROLE_LABELS': ROLE_LABELS}


PENDING_TTL = timedelta(minutes=5)


def safe_next(target):
    """Only a path on this site: no scheme, no host, no protocol-relative or backslash tricks."""
    if not target or not target.startswith('/') or target.startswith('//') or '\\' in target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or any(ord(c) < 32 for c in target):
        return None
    return target


def _fresh_session():
    """Forget everything in the session but the chosen language."""
    lang = session.get('lang')
    session.clear()
    if lang:
        session['lang'] = lang


def _finish_login(user, next_url, method='password'):
    _fresh_session()
    if user.locale and 'lang' not in session:  # the language the user chose last time
        session['lang'] = user.locale
    login_user(user)
    operations.complete_login(user, ip=client_ip(), now=clock.now(), method=method)
    db.session.commit()
    return redirect(safe_next(next_url) or landing_page(user))


def landing_page(user) -> str:
    """Where a login without a `next` lands: auditors on what needs their attention, everyone
    else on their own home page (/beranda: what next, per role)."""
    if (
        user.has_role(Role.auditor)
        and not user.has_role(Role.admin)
        and active_scope(user, clock.now()) is not None
    ):
        return url_for('auditor.home')
    return url_for('main.home')


@bp.route('/login', methods=['GET', 'POST'])
def login():
    if current_user.is_authenticated:
        return redirect(url_for('main.home'))
    form = LoginForm(next=request.args.get('next', ''))
    status = 200
    if form.validate_on_submit():
        try:
            user = operations.authenticate(
                form.email.data, form.password.data, ip=client_ip(), now=clock.now()
            )
        except DomainError as exc:
            db.session.commit()  # keep the failure count and its audit event
            flash(exc.message, 'error')
            status = exc.status
        else:
            if user.totp_enabled:
                session['pending_login'] = {
                    'user': user.id,
                    'version': user.session_version,
                    'next': safe_next(form.next.data),
                    'until': (clock.now() + PENDING_TTL).timestamp(),
                }
                db.session.commit()
                return redirect(url_for('auth.login_totp'))
            return _finish_login(user, form.next.data)
    elif request.method == 'POST':
        status = 422
    return render_template('auth/login.html', form=form), status


@bp.route('/login/totp', methods=['GET', 'POST'])
def login_totp():
    pending = session.get('pending_login')
    if not pending or pending['until'] < clock.now().timestamp():
        session.pop('pending_login', None)
        return redirect(url_for('auth.login'))
    user = db.session.get(User, pending['user'])
    if user is None or not user.active or user.session_version != pending['version']:
        session.pop('pending_login', None)
        return redirect(url_for('auth.login'))
    form = TotpForm()
    status = 200
    if form.validate_on_submit():
        now = clock.now()
        try:
            operations.throttle.check(user.email, client_ip(), now=now)
        except DomainError as exc:
            flash(exc.message, 'error')
            return render_template('auth/login_totp.html', form=form), exc.status
        if operations.verify_totp(user, form.code.data, now=now):
            return _finish_login(user, pending.get('next'), method='password+totp')
        operations.throttle.register_failure(user.email, client_ip(), now=now)
        db.session.commit()
        flash(_('Kode verifikasi salah atau sudah dipakai.'), 'error')
        status = 422
    elif request.method == 'POST':
        status = 422
    return render_template('auth/login_totp.html', form=form), status


@bp.post('/logout')
@login_required
def logout():
    if ConfirmForm().validate_on_submit():
        operations.logout(current_user, ip=client_ip(), now=clock.now())
        db.session.commit()
        logout_user()
        _fresh_session()
        flash(_('Anda telah keluar.'), 'info')
    return redirect(url_for('main.index'))


def _render_profile(new_token=None, new_row=None, status=200):
    tokens = db.session.scalars(
        db.select(ApiToken).where(ApiToken.user_id == current_user.id).order_by(ApiToken.id)
    ).all()
    return render_template(
        'auth/profile.html',
        tokens=tokens,
        token_form=TokenForm(),
        confirm=ConfirmForm(),
        new_token=new_token,
        new_row=new_row,
        now=clock.now(),
    ), status


@bp.get('/profile')
@login_required
def profile():
    return _render_profile()


@bp.route('/password', methods=['GET', 'POST'])
@login_required
def password():
    form = PasswordChangeForm()
    user = current_user._get_current_object()
    outcome = run_form(
        form,
        lambda: operations.change_password(
            user,
            form.current_password.data,
            form.new_password.data,
            ip=client_ip(),
            now=clock.now(),
        ),
    )
    if outcome.ok:
        login_user(user)  # the new session version: this browser stays logged in
        flash(_('Kata sandi diubah. Sesi lain telah dikeluarkan.'), 'info')
        return redirect(url_for('auth.profile'))
    return render_template('auth/password.html', form=form), outcome.status


@bp.route('/totp', methods=['GET', 'POST'])
@login_required
def totp_setup():
    if current_user.totp_enabled:
        return redirect(url_for('auth.profile'))
    secret = session.get('totp_secret') or operations.start_totp_enrolment()
    session['totp_secret'] = secret
    form = TotpForm()
    outcome = run_form(
        form,
        lambda: operations.enable_totp(
            current_user, secret, form.code.data, now=clock.now(), ip=client_ip()
        ),
    )
    if outcome.ok:
        session.pop('totp_secret', None)
        flash(_('Verifikasi dua langkah aktif.'), 'info')
        return redirect(url_for('auth.profile'))
    uri = operations.pyotp.TOTP(secret).provisioning_uri(
        name=current_user.email, issuer_name='LPSE'
    )
    return render_template('auth/totp.html', form=form, secret=secret, uri=uri), outcome.status


@bp.post('/totp/disable')
@login_required
def totp_disable():
    if not ConfirmForm().validate_on_submit():
        abort(400)
    if operations.totp_required(current_user):
        flash(_('Peran Anda mewajibkan verifikasi dua langkah.'), 'error')
        return redirect(url_for('auth.profile'))
    operations.disable_totp(current_user, actor=current_user, now=clock.now(), ip=client_ip())
    db.session.commit()
    return redirect(url_for('auth.profile'))


@bp.post('/tokens')
@login_required
def token_create():
    form = TokenForm()
    if not form.validate_on_submit():
        flash(_('Nama token wajib diisi (maks. 100 karakter).'), 'error')
        return redirect(url_for('auth.profile')), 303
    row, token = operations.create_token(
        current_user, form.name.data, now=clock.now(), ip=client_ip()
    )
    db.session.commit()
    return _render_profile(new_token=token, new_row=row, status=201)


@bp.post('/tokens/<int:token_id>/revoke')
@login_required
def token_revoke(token_id):
    row = db.session.get(ApiToken, token_id)
    if row is None or row.user_id != current_user.id:
        abort(404)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    operations.revoke_token(row, actor=current_user, now=clock.now(), ip=client_ip())
    db.session.commit()
    return redirect(url_for('auth.profile')), 303
