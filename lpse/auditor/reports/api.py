"""The report figures over the API: every figure, one figure (JSON or CSV), and the XLSX/PDF
report as a job — the same filters and scope as the page. Documented in
lpse.auditor.api_docs."""

from flask import abort, g, jsonify, request, url_for

from lpse import clock
from lpse.api.base import bp
from lpse.auditor.reports import api_docs, figures, tasks
from lpse.auditor.reports.filters import parse_filters
from lpse.auditor.reports.models import TenderReportMark
from lpse.auditor.reports.views import csv_response
from lpse.auth.scope import api_auditor_required
from lpse.extensions import db
from lpse.jobs.api import job_json


def _computed_at():
    mark = db.session.get(TenderReportMark, 1)
    return mark.last_run_at.isoformat() if mark and mark.last_run_at else None


@bp.get('/audit/reports')
@api_auditor_required
def audit_reports():
    filters = parse_filters(request.args)
    tables = figures.all_tables(filters, g.scope, now=clock.now())
    return jsonify(
        filters=filters.query_args(),
        computed_at=_computed_at(),
        tables={t.key: t.as_json() for t in tables},
    )


@bp.get('/audit/reports/<key>')
@api_auditor_required
def audit_report(key):
    if key not in figures.TABLES:
        abort(404)
    filters = parse_filters(request.args)
    table = figures.table(key, filters, g.scope, now=clock.now())
    return jsonify(filters=filters.query_args(), computed_at=_computed_at(), table=table.as_json())


@bp.get('/audit/reports/<key>.csv')
@api_auditor_required
def audit_report_csv(key):
    if key not in figures.TABLES:
        abort(404)
    return csv_response(key, parse_filters(request.args), g.scope, g.api_user)


@bp.post('/audit/reports/export/<fmt>')
@api_auditor_required
def audit_report_export(fmt):
    """Ask for the XLSX or PDF report: 202 with the job to poll (its result is the file)."""
    if fmt not in tasks.FORMATS:
        abort(404)
    job = tasks.request_report(fmt, parse_filters(request.args), g.api_user)
    db.session.commit()
    response = jsonify(job=job_json(job), status_url=url_for('api.job_status', job_id=job.id))
    response.status_code = 202
    response.headers['Location'] = url_for('api.job_status', job_id=job.id)
    return response


api_docs.describe()
