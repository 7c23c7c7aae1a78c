"""Auditor pages: the audit log, its verification and its export."""

from flask import (
    Blueprint,
    Response,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask_login import current_user
from sqlalchemy import func, select

from lpse import audit, clock, ids, statelog
from lpse.audit import AuditEvent
from lpse.auth.access import role_required
from lpse.auth.models import Role
from lpse.crypto.canonical import canonical_json
from lpse.extensions import db

bp = Blueprint('auditor', __name__, url_prefix='/audit')
PAGE_SIZE = 50


@bp.get('/')
@role_required(Role.auditor, Role.admin)
def events():
    before = ids.query_id('before')
    action = (request.args.get('action') or '').strip()[:80]
    stmt = select(AuditEvent).order_by(AuditEvent.seq.desc()).limit(PAGE_SIZE)
    if before:
        stmt = stmt.where(AuditEvent.seq < before)
    if action:
        stmt = stmt.where(AuditEvent.action.startswith(action, autoescape=True))
    rows = db.session.scalars(stmt).all()
    total = db.session.scalar(select(func.count()).select_from(AuditEvent))
    return render_template(
        'auditor/events.html',
        events=rows,
        total=total,
        action=action,
        next_before=rows[-1].seq if len(rows) == PAGE_SIZE else None,
    )


@bp.get('/verify')
@role_required(Role.auditor, Role.admin)
def verify():
    return render_template('auditor/verify.html', result=audit.verify_database())


@bp.get('/export.jsonl')
@role_required(Role.auditor, Role.admin)
def export():
    def lines():
        for record in audit.iter_records():
            yield canonical_json(record) + '\n'

    return Response(
        stream_with_context(lines()),
        mimetype='application/x-ndjson',
        headers={'Content-Disposition': 'attachment; filename=audit-log.jsonl'},
    )


@bp.get('/reconcile')
@role_required(Role.auditor, Role.admin)
def reconcile():
    """The latest replay of the log against the database: running (the page refreshes itself),
    or its outcome with its date and every difference."""
    return render_template('auditor/reconcile.html', run=statelog.latest_run())


@bp.post('/reconcile')
@role_required(Role.auditor, Role.admin)
def reconcile_start():
    row = statelog.start_run(actor=current_user, now=clock.now())
    if row.tables_done == 0 and row.status == 'running' and row.requested_by_id == current_user.id:
        statelog.run_in_background(row.id)
    return redirect(url_for('auditor.reconcile'), code=303)
