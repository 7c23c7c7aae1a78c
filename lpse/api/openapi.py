"""The OpenAPI 3 description of /api/v1, served at /api/v1/openapi.json."""

from flask import jsonify

from lpse.api.base import bp

BEARER = [{'bearerAuth': []}]


def _op(summary, *, tag, auth=True, body=None, responses=None, params=None):
    op = {
        'summary': summary,
        'tags': [tag],
        'responses': {
            **(responses or {'200': {'description': 'OK'}}),
            '4XX': {'$ref': '#/components/responses/Error'},
        },
    }
    if auth:
        op['security'] = BEARER
    if body:
        op['requestBody'] = {
            'required': True,
            'content': {'application/json': {'schema': {'$ref': f'#/components/schemas/{body}'}}},
        }
    if params:
        op['parameters'] = params
    return op


def _path_param(name, kind='string'):
    return {'name': name, 'in': 'path', 'required': True, 'schema': {'type': kind}}


PATHS = {
    '/openapi.json': {'get': _op('This document', tag='meta', auth=False)},
    '/auth/tokens': {
        'post': _op(
            'Create an API token from email + password (+ TOTP); shown once',
            tag='auth',
            auth=False,
            body='TokenRequest',
            responses={'201': {'description': 'Created'}},
        ),
        'get': _op('List my tokens', tag='auth'),
    },
    '/auth/tokens/{token_id}': {
        'delete': _op(
            'Revoke one of my tokens', tag='auth', params=[_path_param('token_id', 'integer')]
        ),
    },
    '/me': {'get': _op('The current user', tag='auth')},
    '/users': {
        'post': _op(
            'Create a user (admin); the generated password is returned once',
            tag='admin',
            body='UserRequest',
            responses={'201': {'description': 'Created'}},
        ),
    },
    '/agencies': {
        'get': _op('List agencies and work units', tag='agencies', auth=False),
        'post': _op(
            'Create an agency (admin)',
            tag='agencies',
            body='AgencyRequest',
            responses={'201': {'description': 'Created'}},
        ),
    },
}

COMPONENTS = {
    'securitySchemes': {'bearerAuth': {'type': 'http', 'scheme': 'bearer'}},
    'responses': {
        'Error': {
            'description': 'An error, with a code and a message for people',
            'content': {'application/json': {'schema': {'$ref': '#/components/schemas/Error'}}},
        }
    },
    'schemas': {
        'Error': {
            'type': 'object',
            'required': ['error'],
            'properties': {
                'error': {
                    'type': 'object',
                    'required': ['code', 'message'],
                    'properties': {'code': {'type': 'string'}, 'message': {'type': 'string'}},
                }
            },
        },
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
        'AgencyRequest': {
            'type': 'object',
            'required': ['code', 'name', 'timezone'],
            'properties': {
                'code': {'type': 'string'},
                'name': {'type': 'string'},
                'timezone': {'enum': ['Asia/Jakarta', 'Asia/Makassar', 'Asia/Jayapura']},
                'work_units': {
                    'type': 'array',
                    'items': {
                        'type': 'object',
                        'properties': {'code': {'type': 'string'}, 'name': {'type': 'string'}},
                    },
                },
            },
        },
    },
}


def document():
    return {
        'openapi': '3.0.3',
        'info': {'title': 'LPSE API', 'version': '1'},
        'servers': [{'url': '/api/v1'}],
        'paths': PATHS,
        'components': COMPONENTS,
    }


@bp.get('/openapi.json')
def openapi():
    return jsonify(document())
