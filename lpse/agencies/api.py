"""API: agencies and their work units."""

from flask import g, jsonify
from sqlalchemy import select

from lpse import clock
from lpse.agencies import operations
from lpse.agencies.models import Agency
from lpse.api.base import api_auth, bp, field, json_body
from lpse.api.openapi import document, op
from lpse.auth.models import Role
from lpse.extensions import db
from lpse.proxies import client_ip


def agency_json(agency):
    return {
        'code': agency.code,
        'name': agency.name,
        'timezone': agency.timezone,
        'zone': agency.zone_name,
        'work_units': [{'code': u.code, 'name': u.name} for u in agency.work_units],
    }


@bp.get('/agencies')
def agency_list():
    rows = db.session.scalars(select(Agency).order_by(Agency.code)).all()
    return jsonify({'agencies': [agency_json(a) for a in rows]})


@bp.post('/agencies')
@api_auth(Role.admin)
def agency_create():
    data = json_body()
    now, ip = clock.now(), client_ip()
    agency = operations.create_agency(
        code=field(data, 'code'),
        name=field(data, 'name'),
        timezone=field(data, 'timezone'),
        actor=g.api_user,
        now=now,
        ip=ip,
    )
    for unit in field(data, 'work_units', kind=list, required=False, default=[]):
        if not isinstance(unit, dict):
            unit = {}
        operations.add_work_unit(
            agency, code=unit.get('code'), name=unit.get('name'), actor=g.api_user, now=now, ip=ip
        )
    db.session.commit()
    return jsonify(agency_json(agency)), 201


document(
    {
        '/agencies': {
            'get': op('List agencies and work units', tag='agencies', auth=False),
            'post': op(
                'Create an agency (admin)',
                tag='agencies',
                body='AgencyRequest',
                responses={'201': {'description': 'Created'}},
            ),
        },
    },
    {
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
)
