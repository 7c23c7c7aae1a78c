"""Auditor pages: the home page, the searchable audit log and its CSV, a tender's audit trail,
the chain's verification, its export and the reconciliation. Every page obeys the reader's
scope (lpse.auth.scope): a scoped auditor sees only its tenders' events, and the whole-log pages
(JSONL export, reconciliation) are for national auditors and admins."""

from flask import (
    Blueprint,
    Response,
    abort,
    g,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user

from lpse import audit, clock, ids, statelog
from lpse.auditor import actions, attention, search
from lpse.auditor.bundle import tasks as bundle_tasks
from lpse.auth.models import ROLE_LABELS
from lpse.auth.scope import active_scope, auditor_required
from lpse.auth.scope import user_zone as zone_of
from lpse.crypto.canonical import canonical_json
from lpse.extensions import db
from lpse.tenders.views import load_tender

bp = Blueprint('auditor', __name__, url_prefix='/audit')
TRAIL_PREVIEW = 20  # events of a tender shown on its page; the trail page pages through all


def trail_panel(tender):
    """The tender page's "Audit trail" section: its first events, for auditors in scope."""
    if not current_user.is_authenticated:
        return None
    scope = active_scope(current_user, clock.now())
    if scope is None or not scope.covers(tender):
        return None
    zone = zone_of(current_user)
    result = search.page(
        search.statement(search.Filters(tender=tender.code), scope, zone),
        limit=TRAIL_PREVIEW,
        ascending=True,
    )
    return {'page': result, 'names': search.names_for(result.events), 'zone': zone}


@bp.app_context_processor
def _trail_helper():
    return {'audit_trail_panel': trail_panel, 'action_label': actions.label}


def _national_only():
    if not g.scope.national:
        abort(403, description=_('Halaman ini mencakup seluruh log: hanya untuk auditor nasional.'))


@bp.get('/home')
@auditor_required
def home():
    """What needs the auditor's attention, inside its scope."""
    return render_template(
        'auditor/home.html',
        items=attention.for_scope(g.scope, current_user, clock.now()),
        scope=g.scope,
        zone=zone_of(current_user),
    )


def _cursor():
    """The page's cursor; ``before`` (a seq, from the reconciliation page) starts below it."""
    cursor = request.args.get('cursor')
    if not cursor and (before := ids.query_id('before')):
        cursor = search.encode_cursor(before, False)
    return cursor


@bp.get('/')
@auditor_required
def events():
    zone = zone_of(current_user)
    filters = search.parse_filters(request.args)
    result = search.page(search.statement(filters, g.scope, zone), cursor=_cursor())
    head = db.session.get(audit.AuditHead, 1)
    return render_template(
        'auditor/events.html',
        page=result,
        names=search.names_for(result.events),
        filters=filters,
        total=head.seq if head else 0,
        zone=zone,
        roles=ROLE_LABELS,
        actions=actions.LABELS,
    )


@bp.get('/events.csv')
@auditor_required
def events_csv():
    return csv_response(search.parse_filters(request.args), g.scope, zone_of(current_user))


def csv_response(filters, scope, zone):
    """The filtered events as CSV, streamed batch by batch (oldest first)."""
    stmt = search.statement(filters, scope, zone)
    return Response(
        stream_with_context(search.csv_rows(search.iter_all(stmt), zone)),
        mimetype='text/csv',
        headers={'Content-Disposition': 'attachment; filename=audit-events.csv'},
    )


@bp.get('/tenders/<code>')
@auditor_required
def tender_trail(code):
    """One tender's events (every version of its code) in the order they happened."""
    tender = load_tender(code)
    if not g.scope.covers(tender):
        abort(403)
    zone = zone_of(current_user)
    filters = search.Filters(tender=tender.code)
    result = search.page(
        search.statement(filters, g.scope, zone),
        cursor=request.args.get('cursor'),
        ascending=True,
    )
    return render_template(
        'auditor/tender_trail.html',
        tender=tender,
        page=result,
        names=search.names_for(result.events),
        filters=filters,
        zone=zone,
    )


@bp.post('/tenders/<code>/bundle')
@auditor_required
def tender_bundle(code):
    """Ask for the tender's audit bundle: a job builds it (the job's page shows its progress
    and then the download; taking it is logged)."""
    tender = load_tender(code)
    if not g.scope.covers(tender):
        abort(403)
    job = bundle_tasks.request_bundle(tender, current_user)
    db.session.commit()
    return redirect(url_for('jobs.status', job_id=job.id), code=303)


@bp.get('/verify')
@auditor_required
def verify():
    return render_template('auditor/verify.html', result=audit.verify_database())


@bp.get('/export.jsonl')
@auditor_required
def export():
    _national_only()

    def lines():
        for record in audit.iter_records():
            yield canonical_json(record) + '\n'

    return Response(
        stream_with_context(lines()),
        mimetype='application/x-ndjson',
        headers={'Content-Disposition': 'attachment; filename=audit-log.jsonl'},
    )


@bp.get('/reconcile')
@auditor_required
def reconcile():
    """The latest replay of the log against the database: running (the page refreshes itself),
    or its outcome with its date and every difference."""
    _national_only()
    return render_template('auditor/reconcile.html', run=statelog.latest_run())


@bp.post('/reconcile')
@auditor_required
def reconcile_start():
    _national_only()
    row = statelog.start_run(actor=current_user, now=clock.now())
    if row.tables_done == 0 and row.status == 'running' and row.requested_by_id == current_user.id:
        statelog.run_in_background(row.id)
    return redirect(url_for('auditor.reconcile'), code=303)
