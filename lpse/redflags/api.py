"""API: a tender's red flags with their evidence, for auditors only (docs/RED_FLAGS.md)."""

from flask import abort, g, jsonify
from flask_babel import gettext as _

from lpse import clock
from lpse.api.base import api_auth, bp
from lpse.auth.models import Role
from lpse.auth.scope import EXPIRED, active_scope
from lpse.redflags import report
from lpse.redflags.api_docs import describe
from lpse.tenders.operations import get_tender


@bp.get('/audit/tenders/<code>/flags')
@api_auth(Role.auditor)
def audit_tender_flags(code):
    tender = get_tender(code, visible_to=g.api_user)
    scope = active_scope(g.api_user, clock.now())
    if scope is None:
        abort(403, description=str(EXPIRED))
    if not scope.covers(tender):
        abort(403, description=_('Tender ini di luar penugasan audit Anda.'))
    return jsonify(report.as_json(report.tender_report(tender, clock.now())))


describe()
