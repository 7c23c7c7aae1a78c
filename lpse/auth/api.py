"""API: tokens, the current user, officer accounts."""

from flask import g, jsonify
from flask_babel import gettext as _

from lpse import clock
from lpse.agencies import operations as agency_ops
from lpse.api.base import api_auth, bp, field, json_body, user_json
from lpse.api.openapi import document, op, path_param
from lpse.auth import operations
from lpse.auth.models import ApiToken, Role
from lpse.errors import NotAllowed, NotFound
from lpse.extensions import db
from lpse.proxies import client_ip


def token_json(row):
    return {
        'id': row.id,
        'name': row.name,
        'prefix': row.prefix,
        'created_at': row.created_at.isoformat(),
        'expires_at': row.expires_at.isoformat(),
        'last_used_at': row.last_used_at.isoformat() if row.last_used_at else None,
        'revoked_at': row.revoked_at.isoformat() if row.revoked_at else None,
    }


@bp.post('/auth/tokens')
def token_create():
    """Exchange email + password (+ TOTP code) for a new token, shown once."""
    data = json_body()
    email, password = field(data, 'email'), field(data, 'password')
    name = field(data, 'name', required=False, default='api')
    code = field(data, 'totp', required=False)
    now = clock.now()
    try:
        user = operations.authenticate(email, password, ip=client_ip(), now=now)
    except NotAllowed:
        db.session.commit()  # keep the failure count and its audit event
        raise
    if user.totp_enabled and not operations.verify_totp(user, code, now=now):
        operations.throttle.register_failure(email, client_ip(), now=now)
        db.session.commit()
        raise NotAllowed(_('Kode TOTP salah, sudah dipakai, atau tidak disertakan.'))
    if operations.totp_required(user) and not user.totp_enabled:
        raise NotAllowed(_('Aktifkan verifikasi dua langkah di halaman profil terlebih dahulu.'))
    row, token = operations.create_token(user, name, now=now, ip=client_ip())
    db.session.commit()
    return jsonify({**token_json(row), 'token': token}), 201


@bp.get('/auth/tokens')
@api_auth()
def token_list():
    rows = db.session.scalars(
        db.select(ApiToken).where(ApiToken.user_id == g.api_user.id).order_by(ApiToken.id)
    ).all()
    return jsonify({'tokens': [token_json(r) for r in rows]})


@bp.delete('/auth/tokens/<int:token_id>')
@api_auth()
def token_revoke(token_id):
    row = db.session.get(ApiToken, token_id)
    if row is None or row.user_id != g.api_user.id:
        raise NotFound(_('Token tidak ditemukan.'))
    operations.revoke_token(row, actor=g.api_user, now=clock.now(), ip=client_ip())
    db.session.commit()
    return jsonify(token_json(row))


@bp.get('/me')
@api_auth()
def me():
    return jsonify(user_json(g.api_user))


@bp.post('/users')
@api_auth(Role.admin)
def user_create():
    """Create an account; the generated password is returned once."""
    data = json_body()
    roles = field(data, 'roles', kind=list)
    agency_code = field(data, 'agency', required=False)
    agency = agency_ops.get_agency(agency_code) if agency_code else None
    user, password = operations.create_user(
        email=field(data, 'email'),
        name=field(data, 'name'),
        roles=roles,
        agency=agency,
        actor=g.api_user,
        now=clock.now(),
        ip=client_ip(),
    )
    user.must_change_password = True
    db.session.commit()
    return jsonify({**user_json(user), 'password': password}), 201


document(
    {
        '/auth/tokens': {
            'post': op(
                'Create an API token from email + password (+ TOTP); shown once, expires after '
                'LPSE_API_TOKEN_DAYS days (expires_at)',
                tag='auth',
                auth=False,
                body='TokenRequest',
                responses={'201': {'description': 'Created'}},
            ),
            'get': op('List my tokens', tag='auth'),
        },
        '/auth/tokens/{token_id}': {
            'delete': op(
                'Revoke one of my tokens', tag='auth', params=[path_param('token_id', 'integer')]
            ),
        },
        '/me': {'get': op('The current user', tag='auth')},
        '/users': {
            'post': op(
                'Create a user (admin); the generated password is returned once',
                tag='admin',
                body='UserRequest',
                responses={'201': {'description': 'Created'}},
            ),
        },
    },
    {
        'TokenRequest': {
            'type': 'object',
            'required': ['email', 'password'],
            'properties': {
                'email': {'type': 'string'},
                'password': {'type': 'string'},
                'totp': {'type': 'string', 'description': 'six digits, when 2FA is on'},
                'name': {'type': 'string'},
            },
        },
        'UserRequest': {
            'type': 'object',
            'required': ['email', 'name', 'roles'],
            'properties': {
                'email': {'type': 'string'},
                'name': {'type': 'string'},
                'roles': {
                    'type': 'array',
                    'items': {'enum': ['admin', 'verifier', 'ppk', 'pokja', 'vendor', 'auditor']},
                },
                'agency': {'type': 'string', 'description': 'agency code'},
            },
        },
    },
)
