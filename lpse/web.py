"""What every response shares: error pages and JSON errors, security headers, gates, filters."""

import contextlib
import logging

from flask import current_app, flash, g, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import OperationalError, SQLAlchemyError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from werkzeug.exceptions import HTTPException, InternalServerError, MethodNotAllowed
from werkzeug.routing import RoutingException

from lpse import i18n
from lpse.errors import Busy, DomainError, Throttled
from lpse.extensions import db, login_manager

log = logging.getLogger(__name__)

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; form-action 'self'; object-src 'none'; "
    "base-uri 'none'; frame-ancestors 'none'"
)
ERROR_TITLES = {
    400: _l('Permintaan tidak valid'),
    401: _l('Perlu masuk'),
    403: _l('Akses ditolak'),
    404: _l('Halaman tidak ditemukan'),
    405: _l('Metode tidak diizinkan'),
    409: _l('Konflik'),
    413: _l('Berkas terlalu besar'),
    415: _l('Jenis konten tidak didukung'),
    422: _l('Data tidak valid'),
    429: _l('Terlalu banyak permintaan'),
    500: _l('Terjadi kesalahan'),
    503: _l('Server sedang sibuk'),
}
# Pages a user who must first change a password or enrol a second factor may still reach.
GATE_EXEMPT = {'auth.logout', 'auth.password', 'auth.totp_setup', 'main.set_language', 'static'}


def wants_json():
    return request.path.startswith('/api/')


def json_error(status, code, message, headers=None):
    response = jsonify({'error': {'code': code, 'message': str(message)}})
    response.status_code = status
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response


def _page_above(path: str) -> str | None:
    """The nearest page above a form's address (``/tenders/T1/announce`` → ``/tenders/T1``),
    built from the route it matches; None unless ``path`` itself is a form's valid address."""
    adapter = current_app.create_url_adapter(request)
    try:
        adapter.match(path, method='POST')
    except (HTTPException, RoutingException):
        return None
    parts = path.rstrip('/').split('/')
    for end in range(len(parts) - 1, 0, -1):
        prefix = '/'.join(parts[:end])
        for candidate in (prefix, prefix + '/'):
            try:
                endpoint, values = adapter.match(candidate, method='GET')
            except (HTTPException, RoutingException):
                continue
            return url_for(endpoint, **values)
    return None


def _http_error(exc: HTTPException):
    db.session.rollback()
    status = exc.code or 500
    if isinstance(exc, MethodNotAllowed) and request.method == 'GET' and not wants_json():
        # A form's address reloaded or opened again (after a refusal the page stays there):
        # take the reader to the page the form belongs to instead of an error.
        target = _page_above(request.path)
        if target is not None:
            flash(_('Alamat itu hanya untuk mengirim formulir; Anda dibawa ke halamannya.'), 'info')
            return redirect(target, 303)
    if wants_json():
        code = (exc.name or 'error').lower().replace(' ', '_')
        return json_error(status, code, exc.description or exc.name)
    title = ERROR_TITLES.get(status, exc.name)
    return render_template('errors/error.html', status=status, title=title), status


def _domain_error(exc: DomainError):
    db.session.rollback()
    headers = {'Retry-After': str(exc.retry_after)} if isinstance(exc, Throttled) else {}
    if wants_json():
        return json_error(exc.status, exc.code, exc.message, headers)
    title = ERROR_TITLES.get(exc.status, 'Error')
    body = render_template('errors/error.html', status=exc.status, title=title, message=exc.message)
    return body, exc.status, headers


def _csrf_error(exc: CSRFError):
    db.session.rollback()
    message = _('Formulir kedaluwarsa atau tidak sah. Muat ulang halaman lalu coba lagi.')
    if wants_json():
        return json_error(400, 'csrf_failed', message)
    return render_template(
        'errors/error.html', status=400, title=ERROR_TITLES[400], message=message
    ), 400


def _database_busy(exc: Exception):
    """No free database connection within LPSE_DB_POOL_TIMEOUT (TimeoutError), or the database
    failed the statement for a passing reason (OperationalError: gone, locked, a deadlock, too
    many clients): 503 `busy` with Retry-After, never a 500. The transaction is rolled back, and
    the answer is drawn without asking the database again (an anonymous user for the page)."""
    with contextlib.suppress(SQLAlchemyError):
        db.session.rollback()
    log.warning('database busy on %s %s (%s)', request.method, request.path, type(exc).__name__)
    if '_login_user' not in g:
        g._login_user = login_manager.anonymous_user()
    return _domain_error(
        Busy(_('Server sedang sibuk. Permintaan ini tidak diselesaikan; coba lagi sebentar lagi.'))
    )


def _unexpected(exc: Exception):
    db.session.rollback()
    log.exception('unhandled error on %s %s', request.method, request.path)
    return _http_error(InternalServerError())


def _security_headers(response):
    headers = response.headers
    headers.setdefault('Content-Security-Policy', CSP)
    headers['X-Content-Type-Options'] = 'nosniff'
    headers['Referrer-Policy'] = 'same-origin'
    headers['X-Frame-Options'] = 'DENY'
    headers['Permissions-Policy'] = 'camera=(), microphone=(), geolocation=()'
    headers['Cross-Origin-Opener-Policy'] = 'same-origin'
    authenticated = current_user.is_authenticated or getattr(g, 'api_user', None) is not None
    if authenticated or request.path.startswith('/auth/'):
        headers['Cache-Control'] = 'no-store'
        headers['Pragma'] = 'no-cache'
    return response


def _account_gate():
    """Send a user who must change a password or enrol TOTP there before anything else."""
    if not current_user.is_authenticated or request.endpoint in GATE_EXEMPT or wants_json():
        return None
    from lpse.auth.operations import totp_required

    if current_user.must_change_password:
        return redirect(url_for('auth.password'))
    if totp_required(current_user) and not current_user.totp_enabled:
        return redirect(url_for('auth.totp_setup'))
    return None


def init_app(app):
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(DomainError, _domain_error)
    app.register_error_handler(CSRFError, _csrf_error)
    app.register_error_handler(PoolTimeout, _database_busy)
    app.register_error_handler(OperationalError, _database_busy)
    app.register_error_handler(Exception, _unexpected)
    app.after_request(_security_headers)
    app.before_request(_account_gate)
    i18n.init_app(app)
