"""The OpenAPI 3 description of /api/v1, served at /api/v1/openapi.json.

Each domain's api.py documents its own routes with `document(paths, schemas)`."""

from flask import jsonify

from lpse.api.base import bp

BEARER = [{'bearerAuth': []}]
PATHS: dict = {}
SCHEMAS: dict = {
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
}


def op(summary, *, tag, auth=True, body=None, responses=None, params=None, content=None):
    """One operation: ``body`` names a JSON schema; ``content`` gives another request body."""
    operation = {
        'summary': summary,
        'tags': [tag],
        'responses': {
            **(responses or {'200': {'description': 'OK'}}),
            '4XX': {'$ref': '#/components/responses/Error'},
        },
    }
    if auth:
        operation['security'] = BEARER
    if body:
        content = {'application/json': {'schema': {'$ref': f'#/components/schemas/{body}'}}}
    if content:
        operation['requestBody'] = {'required': True, 'content': content}
    if params:
        operation['parameters'] = params
    return operation


# A 200 answer that is a CSV download (audit events, report figures).
CSV_RESPONSES = {
    '200': {'description': 'CSV', 'content': {'text/csv': {'schema': {'type': 'string'}}}}
}


def path_param(name, kind='string'):
    return {'name': name, 'in': 'path', 'required': True, 'schema': {'type': kind}}


def query_param(name, kind='string', description=''):
    return {
        'name': name,
        'in': 'query',
        'required': False,
        'schema': {'type': kind},
        'description': description,
    }


def document(paths, schemas=None):
    """Add a domain's paths (relative to /api/v1) and schemas to the description."""
    for path, operations in paths.items():
        PATHS.setdefault(path, {}).update(operations)
    SCHEMAS.update(schemas or {})


def spec():
    return {
        'openapi': '3.0.3',
        'info': {'title': 'LPSE API', 'version': '1'},
        'servers': [{'url': '/api/v1'}],
        'paths': PATHS,
        'components': {
            'securitySchemes': {'bearerAuth': {'type': 'http', 'scheme': 'bearer'}},
            'responses': {
                'Error': {
                    'description': 'An error, with a code and a message for people',
                    'content': {
                        'application/json': {'schema': {'$ref': '#/components/schemas/Error'}}
                    },
                }
            },
            'schemas': SCHEMAS,
        },
    }


document({'/openapi.json': {'get': op('This document', tag='meta', auth=False)}})


@bp.get('/openapi.json')
def openapi():
    return jsonify(spec())
