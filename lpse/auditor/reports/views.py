"""The reports page for auditors: every figure with its chart (an SVG of its own URL: the CSP
allows no inline script and no foreign image), its CSV, and the XLSX and PDF reports as jobs.
Every figure obeys the reader's scope (lpse.auth.scope)."""

from flask import Blueprint, Response, abort, g, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from lpse import audit, clock
from lpse.agencies.models import Agency
from lpse.auditor.reports import charts, exports, figures, tasks
from lpse.auditor.reports.filters import parse_filters
from lpse.auditor.reports.models import TenderReportMark
from lpse.auth.scope import auditor_required
from lpse.extensions import db
from lpse.proxies import client_ip
from lpse.tenders.forms import CATEGORY_LABELS, SELECTION_LABELS
from lpse.tenders.models import Category, SelectionMethod, TenderStatus

bp = Blueprint('reports', __name__, url_prefix='/auditor/reports')

# The filter's statuses as people say them (a draft is never in a report).
STATUS_LABELS = {
    TenderStatus.published: _l('Diumumkan'),
    TenderStatus.cancelled: _l('Dibatalkan'),
    TenderStatus.failed: _l('Gagal'),
}


def _key(key):
    if key not in figures.TABLES:
        abort(404)
    return key


@bp.get('/')
@auditor_required
def index():
    filters = parse_filters(request.args)
    tables = figures.all_tables(filters, g.scope, now=clock.now())
    agencies = db.session.scalars(select_agencies()).all()
    return render_template(
        'auditor/reports.html',
        tables=tables,
        filters=filters,
        args=filters.query_args(),
        agencies=agencies,
        categories=[(c, CATEGORY_LABELS[c]) for c in Category],
        methods=[(m, SELECTION_LABELS[m]) for m in SelectionMethod],
        statuses=list(STATUS_LABELS.items()),
        mark=db.session.get(TenderReportMark, 1),
        cell=cell,
    )


def cell(value, kind) -> str:
    """A figure's cell on the page (a function: a template macro per cell cost a third of
    the page's rendering); dates as 08/12/2026, as in the PDF."""
    return exports.shown(value, kind)


def select_agencies():
    stmt = select(Agency).order_by(Agency.name)
    if not g.scope.national:
        stmt = stmt.where(Agency.id.in_(sorted(g.scope.agency_ids) or [-1]))
    return stmt


@bp.get('/<key>.svg')
@auditor_required
def chart(key):
    table = figures.table(_key(key), parse_filters(request.args), g.scope, now=clock.now())
    svg = charts.chart_of(table)
    if svg is None:
        abort(404)
    return Response(svg, mimetype='image/svg+xml', headers={'Cache-Control': 'private, no-store'})


def csv_response(key, filters, scope, user):
    """One figure as CSV, every listed row; the download is logged (`read.report`)."""
    table = figures.table(_key(key), filters, scope, now=clock.now(), limit=None)
    audit.record_read(
        'report',
        ('report', key),
        actor=user,
        now=clock.now(),
        ip=client_ip(),
        format='csv',
        filters=tasks.describe(filters),
    )
    return Response(
        exports.csv_lines(table),
        mimetype='text/csv',
        headers={'Content-Disposition': f'attachment; filename=laporan-{key}.csv'},
    )


@bp.get('/<key>.csv')
@auditor_required
def table_csv(key):
    return csv_response(key, parse_filters(request.args), g.scope, current_user)


@bp.post('/export/<fmt>')
@auditor_required
def export(fmt):
    """Ask for the XLSX or PDF report of these filters: a job builds it (its page shows the
    progress, then the download; taking it is logged)."""
    if fmt not in tasks.FORMATS:
        abort(404)
    job = tasks.request_report(fmt, parse_filters(request.form), current_user)
    db.session.commit()
    return redirect(url_for('jobs.status', job_id=job.id), code=303)
