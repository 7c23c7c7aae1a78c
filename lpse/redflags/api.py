"""API: a tender's red flags with their evidence, for auditors only (docs/RED_FLAGS.md)."""

from flask import g, jsonify

from lpse import clock
from lpse.api.base import api_auth, bp
from lpse.auth.models import Role
from lpse.redflags import report
from lpse.redflags.api_docs import describe
from lpse.tenders.operations import get_tender


@bp.get('/audit/tenders/<code>/flags')
@api_auth(Role.auditor)
def audit_tender_flags(code):
    tender = get_tender(code, visible_to=g.api_user)
    return jsonify(report.as_json(report.tender_report(tender, clock.now())))


describe()
