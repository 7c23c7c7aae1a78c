"""API: a vendor follows a tender's news or stops (PUT / DELETE), or asks whether it does."""

from flask import g, jsonify

from lpse import clock
from lpse.api.base import api_auth, bp
from lpse.api.openapi import document, op, path_param
from lpse.auth.models import Role
from lpse.extensions import db
from lpse.proxies import client_ip
from lpse.tenders import follows, operations


def _tender(code):
    return operations.get_tender(code, None, visible_to=g.api_user)


def _state(tender):
    return jsonify({'code': tender.code, 'following': follows.is_following(tender, g.api_user)})


@bp.get('/tenders/<code>/follow')
@api_auth(Role.vendor)
def tender_follow_state(code):
    return _state(_tender(code))


@bp.put('/tenders/<code>/follow')
@api_auth(Role.vendor)
def tender_follow(code):
    tender = _tender(code)
    follows.follow(tender, actor=g.api_user, now=clock.now(), ip=client_ip())
    db.session.commit()
    return _state(tender)


@bp.delete('/tenders/<code>/follow')
@api_auth(Role.vendor)
def tender_unfollow(code):
    tender = _tender(code)
    follows.unfollow(tender, actor=g.api_user, now=clock.now(), ip=client_ip())
    db.session.commit()
    return _state(tender)


FOLLOWING = {
    '200': {
        'description': 'Whether the caller follows the tender now',
        'content': {'application/json': {'schema': {'$ref': '#/components/schemas/Following'}}},
    }
}
document(
    {
        '/tenders/{code}/follow': {
            'get': op(
                'Whether the calling vendor follows the tender',
                tag='tenders',
                params=[path_param('code')],
                responses=FOLLOWING,
            ),
            'put': op(
                'Follow the tender: its news comes to the notifications and mail (vendor; '
                'nobody else learns who follows)',
                tag='tenders',
                params=[path_param('code')],
                responses=FOLLOWING,
            ),
            'delete': op(
                'Stop following the tender (vendor)',
                tag='tenders',
                params=[path_param('code')],
                responses=FOLLOWING,
            ),
        }
    },
    {
        'Following': {
            'type': 'object',
            'required': ['code', 'following'],
            'properties': {'code': {'type': 'string'}, 'following': {'type': 'boolean'}},
        }
    },
)
