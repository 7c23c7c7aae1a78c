"""The audit log search over the API: the same filters, scope and cursor as the page, as JSON
pages or one streamed CSV. Documented in lpse.auditor.api_docs."""

from zoneinfo import ZoneInfo

from flask import abort, g, jsonify, request, url_for
from flask_babel import gettext as _

from lpse.api.base import bp
from lpse.auditor import api_docs, search
from lpse.auditor.bundle import tasks as bundle_tasks
from lpse.auditor.views import csv_response
from lpse.auth.scope import api_auditor_required, user_zone
from lpse.extensions import db
from lpse.jobs.api import job_json
from lpse.jobs.views import send_result
from lpse.tenders.operations import get_tender


def event_json(event, names, zone) -> dict:
    actor, obj, tender = names.actor(event), names.object(event), names.tender(event)
    return {
        **event.as_record(),
        'occurred_at_local': event.occurred_at.astimezone(ZoneInfo(zone)).isoformat(),
        'actor': {'id': actor.id, 'name': actor.name, 'email': actor.email} if actor else None,
        'object': {'type': event.object_type, 'id': event.object_id, 'label': obj.label}
        if obj
        else None,
        'tender_code': tender.code if tender else None,
    }


@bp.get('/audit/events')
@api_auditor_required
def audit_events():
    zone = user_zone(g.api_user)
    filters = search.parse_filters(request.args)
    ascending = request.args.get('order') == 'asc'
    result = search.page(
        search.statement(filters, g.scope, zone),
        cursor=request.args.get('cursor'),
        limit=search.page_size(request.args),
        ascending=ascending,
    )
    names = search.names_for(result.events)
    return jsonify(
        events=[event_json(e, names, zone) for e in result.events],
        next_cursor=result.next_cursor,
    )


@bp.get('/audit/events.csv')
@api_auditor_required
def audit_events_csv():
    zone = user_zone(g.api_user)
    return csv_response(search.parse_filters(request.args), g.scope, zone)


@bp.get('/audit/tenders/<code>/bundle')
@api_auditor_required
def audit_tender_bundle(code):
    """The bundle of the tender as it is now: the ZIP once its job is done (the read is
    logged), else 202 with the job to poll."""
    tender = get_tender(code, visible_to=g.api_user)
    if not g.scope.covers(tender):
        abort(403, description=_('Tender ini di luar penugasan audit Anda.'))
    job = bundle_tasks.request_bundle(tender, g.api_user)
    db.session.commit()
    db.session.refresh(job)  # an immediate queue (tests, one process) has run it at the commit
    if job.has_result:
        return send_result(job, g.api_user)
    response = jsonify(job=job_json(job), status_url=url_for('api.job_status', job_id=job.id))
    response.status_code = 202
    response.headers['Location'] = url_for('api.job_status', job_id=job.id)
    response.headers['Retry-After'] = '5'
    return response


api_docs.describe()
