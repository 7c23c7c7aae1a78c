"""API: a job's status, for the one who asked for it and admins (others: 404)."""

from flask import abort, g, jsonify, url_for
from flask_babel import gettext as _

from lpse.api.base import api_auth, bp
from lpse.api.openapi import document, op, path_param
from lpse.extensions import db
from lpse.jobs.models import Job


def job_json(job) -> dict:
    return {
        'id': job.id,
        'kind': job.kind,
        'status': job.status,
        'done': job.done,
        'total': job.total,
        'percent': job.percent,
        'note': job.note,
        'attempts': job.attempts,
        'error': job.last_error if job.status == 'failed' else None,
        'result': (
            {
                'name': job.result_name,
                'content_type': job.result_type,
                'sha256': job.result_sha256,
                'url': url_for('jobs.result', job_id=job.id),
            }
            if job.has_result
            else None
        ),
        'created_at': job.created_at.isoformat(),
        'started_at': job.started_at.isoformat() if job.started_at else None,
        'finished_at': job.finished_at.isoformat() if job.finished_at else None,
    }


@bp.get('/jobs/<int:job_id>')
@api_auth()
def job_status(job_id):
    job = db.session.get(Job, job_id)
    if job is None or not job.can_see(g.api_user):
        abort(404, description=_('Pekerjaan tidak ditemukan.'))
    return jsonify(job_json(job))


_TIME = {'type': 'string', 'format': 'date-time'}
_NULLABLE_TIME = {**_TIME, 'nullable': True}

document(
    {
        '/jobs/{job_id}': {
            'get': op(
                'A job the caller submitted (admins: any job): status, progress, result, error',
                tag='jobs',
                params=[path_param('job_id', 'integer')],
                responses={
                    '200': {
                        'description': 'OK',
                        'content': {
                            'application/json': {'schema': {'$ref': '#/components/schemas/Job'}}
                        },
                    }
                },
            )
        }
    },
    {
        'Job': {
            'type': 'object',
            'required': ['id', 'kind', 'status', 'done', 'attempts', 'created_at'],
            'properties': {
                'id': {'type': 'integer'},
                'kind': {'type': 'string', 'example': 'opening.open'},
                'status': {'type': 'string', 'enum': ['queued', 'running', 'done', 'failed']},
                'done': {'type': 'integer'},
                'total': {'type': 'integer', 'nullable': True},
                'percent': {'type': 'integer', 'nullable': True},
                'note': {'type': 'string', 'nullable': True},
                'attempts': {'type': 'integer'},
                'error': {'type': 'string', 'nullable': True, 'description': 'once failed'},
                'result': {
                    'type': 'object',
                    'nullable': True,
                    'properties': {
                        'name': {'type': 'string'},
                        'content_type': {'type': 'string'},
                        'sha256': {'type': 'string'},
                        'url': {'type': 'string'},
                    },
                },
                'created_at': _TIME,
                'started_at': _NULLABLE_TIME,
                'finished_at': _NULLABLE_TIME,
            },
        }
    },
)
