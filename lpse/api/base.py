"""The /api/v1 blueprint: bearer-token authentication, JSON bodies, role checks."""

from functools import wraps

from flask import Blueprint, abort, g, request
from flask_babel import gettext as _

from lpse import clock
from lpse.auth import operations as auth_ops
from lpse.errors import ValidationFailed
from lpse.extensions import csrf, db

bp = Blueprint('api', __name__, url_prefix='/api/v1')
csrf.exempt(bp)


@bp.before_request
def load_token_user():
    g.api_user = None
    header = request.headers.get('Authorization', '')
    if not header:
        return None
    scheme, _sep, token = header.partition(' ')
    user = None
    if scheme.lower() == 'bearer':
        user = auth_ops.user_for_token(token.strip(), now=clock.now())
    if user is None:
        db.session.rollback()
        abort(401, description=_('Token API tidak dikenal atau sudah dicabut.'))
    g.api_user = user
    return None


def api_auth(*roles):
    """Require a valid token whose user holds one of ``roles`` (any role when none given)."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            user = g.get('api_user')
            if user is None:
                abort(401, description=_('Sertakan token API: Authorization: Bearer <token>.'))
            if roles and not user.has_role(*roles):
                abort(403, description=_('Peran Anda tidak mengizinkan tindakan ini.'))
            return view(*args, **kwargs)

        return wrapped

    return decorator


def json_body() -> dict:
    """The request's JSON object, or a clear 415/400."""
    if not request.is_json:
        abort(415, description=_('Kirim JSON dengan Content-Type: application/json.'))
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        abort(400, description=_('Badan permintaan harus berupa objek JSON yang valid.'))
    return data


def field(data, name, *, kind=str, required=True, default=None):
    """One field of a JSON body, type-checked; a missing or wrong one is a 422 naming it."""
    if name not in data or data[name] is None:
        if required:
            raise ValidationFailed(_('Kolom "%(name)s" wajib diisi.', name=name), field=name)
        return default
    value = data[name]
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise ValidationFailed(_('Kolom "%(name)s" bertipe salah.', name=name), field=name)
    return value


def user_json(user):
    return {
        'id': user.id,
        'email': user.email,
        'name': user.name,
        'roles': sorted(r.value for r in user.roles),
        'agency': user.agency.code if user.agency else None,
        'active': user.active,
        'totp_enabled': user.totp_enabled,
    }
