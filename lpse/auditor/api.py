"""The audit log search over the API: the same filters, scope and cursor as the page, as JSON
pages or one streamed CSV. Documented in lpse.auditor.api_docs."""

from zoneinfo import ZoneInfo

from flask import abort, g, jsonify, request
from flask_babel import gettext as _

from lpse.api.base import bp
from lpse.auditor import api_docs, search
from lpse.auditor.views import bundle_response, csv_response
from lpse.auth.scope import api_auditor_required, user_zone
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
    tender = get_tender(code, visible_to=g.api_user)
    if not g.scope.covers(tender):
        abort(403, description=_('Tender ini di luar penugasan audit Anda.'))
    return bundle_response(tender, g.api_user)


api_docs.describe()
