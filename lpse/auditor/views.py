"""Auditor pages: the audit log, its verification and its export."""

from flask import Blueprint, Response, render_template, request, stream_with_context
from sqlalchemy import func, select

from lpse import audit, ids
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
