"""Auditor pages of the red flags: every agency, an agency's flagged tenders (most and heaviest
first) with its rotation flags, a tender's flags with their evidence, and the vendor network
pictures (SVG, served from their own routes so the page's CSP stays strict)."""

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from lpse import clock
from lpse.agencies.models import Agency
from lpse.auth.access import role_required
from lpse.auth.models import Role
from lpse.auth.scope import EXPIRED, active_scope
from lpse.errors import NotFound
from lpse.extensions import db
from lpse.i18n import percent
from lpse.proxies import client_ip
from lpse.redflags import dismissals, network, report
from lpse.redflags.catalog import EVIDENCE_LABELS, PERCENT_KINDS, RULES
from lpse.tenders.operations import assigned_to, get_tender

bp = Blueprint('redflags', __name__, url_prefix='/audit/flags')


@bp.app_template_global()
def evidence_words(kind, value):
    """(label, value) of one piece of evidence as the page shows it: the kind in words (its
    code when it has none), a percentage in Indonesian figures."""
    shown = percent(value) if kind in PERCENT_KINDS and value else value
    return EVIDENCE_LABELS.get(kind, kind), shown


def _scope():
    """The auditor's current assignment (403 once it has ended)."""
    scope = active_scope(current_user, clock.now())
    if scope is None:
        abort(403, description=str(EXPIRED))
    return scope


def _agency(code) -> Agency:
    agency = db.session.scalar(select(Agency).where(Agency.code == (code or '').upper()[:20]))
    if agency is None:
        raise NotFound(_l('Instansi dengan kode itu tidak ditemukan.'))
    scope = _scope()
    if not (scope.national or agency.id in scope.agency_ids):
        abort(403)  # an inspectorate sees its own agency's flags
    return agency


def _tender(code):
    tender = get_tender(code, visible_to=current_user)
    if not _scope().covers(tender):
        abort(403)
    return tender


def _svg(text) -> Response:
    response = Response(text, mimetype='image/svg+xml')
    response.headers['Cache-Control'] = 'no-store'
    return response


@bp.get('/')
@role_required(Role.auditor)
def index():
    scope = _scope()
    if scope.national:
        agencies, tenders = db.session.scalars(select(Agency).order_by(Agency.code)).all(), []
    else:
        agencies, tenders = assigned_to(scope)
    return render_template(
        'redflags/index.html', agencies=agencies, tenders=tenders, rules=RULES.values()
    )


@bp.get('/agency/<code>')
@role_required(Role.auditor)
def agency(code):
    row = _agency(code)
    return render_template(
        'redflags/agency.html',
        agency=row,
        result=report.agency_report(row.id),
        rules=RULES,
    )


@bp.get('/tender/<code>')
@role_required(Role.auditor)
def tender(code):
    row = _tender(code)
    now = clock.now()
    scope = _scope()
    return render_template(
        'redflags/tender.html',
        report=report.tender_report(row, now),
        rules=RULES,
        after_deadline=row.bid_deadline is not None and now >= row.bid_deadline,
        agency_in_scope=scope.national or row.agency_id in scope.agency_ids,
    )


@bp.post('/tender/<code>/dismiss')
@role_required(Role.auditor)
def dismiss(code):
    row = _tender(code)
    now = clock.now()
    result = report.tender_report(row, now)
    key = (request.form.get('key') or '').strip()[:64]
    dismissals.dismiss(
        row,
        set(result.keys),
        rule=result.keys.get(key, ''),
        key=key,
        reason=request.form.get('reason'),
        actor=current_user,
        now=now,
        ip=client_ip(),
    )
    db.session.commit()
    flash(_l('Indikator diabaikan; alasannya tercatat di log audit.'), 'info')
    return redirect(url_for('redflags.tender', code=row.code), 303)


@bp.get('/tender/<code>/network.svg')
@role_required(Role.auditor)
def tender_network(code):
    result = report.tender_report(_tender(code), clock.now())
    bidders = {b.vendor_id for b in result.facts.bids}
    flagged = network.edges_from_flags(result.flags)
    names = report.vendor_names(bidders | {v for a, b, _r in flagged for v in (a, b)})
    return _svg(network.render(names, network.co_bidding([bidders]), flagged))


@bp.get('/agency/<code>/network.svg')
@role_required(Role.auditor)
def agency_network(code):
    result = report.agency_report(_agency(code).id)
    return _svg(
        network.render(result.names, network.co_bidding(result.bidder_groups), result.edges)
    )
