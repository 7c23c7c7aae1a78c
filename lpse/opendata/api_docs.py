"""The OpenAPI description of the open contracting data routes (docs/OPEN_DATA.md)."""

from lpse.api.openapi import document, op, path_param, query_param

OCDS_SCHEMA = 'https://standard.open-contracting.org/schema/1__1__5/'


def describe():
    document(
        {
            '/ocds/releases': {
                'get': op(
                    'OCDS 1.1.5 release package (bids extension): every public change of every '
                    'tender in log order (oldest first), from a date; follow links.next. With '
                    'ocid: all releases of one contracting process',
                    tag='open data',
                    auth=False,
                    params=[
                        query_param(
                            'since',
                            'string',
                            'RFC 3339 time with offset (e.g. 2026-03-01T00:00:00Z): releases '
                            'logged at or after it',
                        ),
                        query_param('after', 'integer', 'releases after this log seq (paging)'),
                        query_param('limit', 'integer', 'releases per page, 1–1000 (100)'),
                        query_param('ocid', 'string', 'one contracting process (no paging)'),
                    ],
                    responses={
                        '200': {
                            'description': 'a release package (release-package-schema.json)',
                            'content': {
                                'application/json': {
                                    'schema': {'$ref': '#/components/schemas/OcdsPackage'}
                                }
                            },
                        }
                    },
                )
            },
            '/ocds/records/{ocid}': {
                'get': op(
                    'OCDS record package of one contracting process: linked releases and the '
                    'compiled release',
                    tag='open data',
                    auth=False,
                    params=[path_param('ocid')],
                    responses={
                        '200': {
                            'description': 'a record package (record-package-schema.json)',
                            'content': {
                                'application/json': {
                                    'schema': {'$ref': '#/components/schemas/OcdsPackage'}
                                }
                            },
                        }
                    },
                )
            },
        },
        {
            'OcdsPackage': {
                'type': 'object',
                'description': f'Validated by {OCDS_SCHEMA}release-package-schema.json or '
                'record-package-schema.json with the bids extension v1.1.5',
                'required': ['uri', 'version', 'publisher', 'publishedDate'],
                'properties': {
                    'uri': {'type': 'string'},
                    'version': {'type': 'string', 'example': '1.1'},
                    'publisher': {'type': 'object'},
                    'publishedDate': {'type': 'string', 'format': 'date-time'},
                    'extensions': {'type': 'array', 'items': {'type': 'string'}},
                    'releases': {'type': 'array', 'items': {'type': 'object'}},
                    'records': {'type': 'array', 'items': {'type': 'object'}},
                    'links': {
                        'type': 'object',
                        'properties': {'next': {'type': 'string'}},
                    },
                },
            }
        },
    )
