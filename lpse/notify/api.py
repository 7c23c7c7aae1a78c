"""API: the caller's own notifications (list, mark read, mark all read)."""

from flask import abort, g, jsonify
from flask_babel import gettext as _

from lpse import clock
from lpse.api.base import api_auth, bp
from lpse.api.openapi import document, op, path_param
from lpse.extensions import db
from lpse.notify import inbox


def notification_json(row):
    return {
        'id': row.id,
        'kind': row.kind,
        'title': row.title,
        'body': row.body,
        'link': row.link,
        'created_at': row.created_at.isoformat(),
        'read_at': row.read_at.isoformat() if row.read_at else None,
    }


@bp.get('/notifications')
@api_auth()
def notification_list():
    rows = inbox.inbox_of(g.api_user)
    return jsonify(
        {
            'notifications': [notification_json(r) for r in rows],
            'unread': inbox.unread_count(g.api_user),
        }
    )


@bp.post('/notifications/<int:notification_id>/read')
@api_auth()
def notification_read(notification_id):
    row = inbox.own(g.api_user, notification_id)
    if row is None:
        abort(404, description=_('Notifikasi tidak ditemukan.'))
    inbox.mark_read(row, now=clock.now())
    db.session.commit()
    return jsonify(notification_json(row))


@bp.post('/notifications/read-all')
@api_auth()
def notification_read_all():
    count = inbox.mark_all_read(g.api_user, now=clock.now())
    db.session.commit()
    return jsonify({'marked': count})


NOTIFICATION = {
    'type': 'object',
    'required': ['id', 'kind', 'title', 'body', 'link', 'created_at', 'read_at'],
    'properties': {
        'id': {'type': 'integer'},
        'kind': {'type': 'string', 'example': 'question_answered'},
        'title': {'type': 'string'},
        'body': {'type': 'string'},
        'link': {'type': 'string', 'nullable': True, 'example': '/tenders/KOTAX-2026-00001'},
        'created_at': {'type': 'string', 'format': 'date-time'},
        'read_at': {'type': 'string', 'format': 'date-time', 'nullable': True},
    },
}


def _ok(schema):
    ref = {'$ref': f'#/components/schemas/{schema}'}
    return {'200': {'description': 'OK', 'content': {'application/json': {'schema': ref}}}}


document(
    {
        '/notifications': {
            'get': op(
                "The caller's notifications, newest first (at most 100), and the unread count",
                tag='notifications',
                responses=_ok('NotificationList'),
            )
        },
        '/notifications/{notification_id}/read': {
            'post': op(
                'Mark one of the caller’s notifications read (another user’s: 404)',
                tag='notifications',
                params=[path_param('notification_id', 'integer')],
                responses=_ok('Notification'),
            )
        },
        '/notifications/read-all': {
            'post': op(
                "Mark all the caller's notifications read",
                tag='notifications',
                responses=_ok('NotificationsMarked'),
            )
        },
    },
    {
        'Notification': NOTIFICATION,
        'NotificationList': {
            'type': 'object',
            'required': ['notifications', 'unread'],
            'properties': {
                'notifications': {
                    'type': 'array',
                    'items': {'$ref': '#/components/schemas/Notification'},
                },
                'unread': {'type': 'integer'},
            },
        },
        'NotificationsMarked': {
            'type': 'object',
            'required': ['marked'],
            'properties': {'marked': {'type': 'integer'}},
        },
    },
)
