"""Evaluation pages for the Pokja (PPK and auditors read): the live ranking with each bid's
worksheet, one bid's worksheet form, propose/approve, failure, reopening, the case export."""

import json

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from lpse import clock
from lpse.auth.access import role_required
from lpse.errors import DomainError
from lpse.evaluation import (
    decision,
    export,
    negotiation,
    permissions,
    recording,
    views_data,
    worksheets,
)
from lpse.evaluation.forms import (
    KIND_LABELS,
    VERDICT_KINDS,
    ApproveForm,
    ConfirmForm,
    NegotiationForm,
    ReasonForm,
    changed_entries,
    negotiation_body,
    worksheet_form,
)
from lpse.evaluation.models import ProposalStatus
from lpse.formflow import run_form
from lpse.proxies import client_ip
from lpse.tenders.forms import METHOD_LABELS
from lpse.tenders.views import load_tender, viewer

bp = Blueprint('evaluation', __name__, url_prefix='/tenders/<code>/evaluation')


def panel(tender, user) -> dict | None:
    """What the tender page's evaluation panel shows (templates/evaluation/_tender_panel.html)."""
    if tender.bids_opened_at is None or not permissions.can_view_worksheets(tender, user):
        return None
    version = worksheets.current_version(tender)
    pending = decision.pending_proposal(tender)
    return {
        'version': version,
        'bids': len(worksheets.participants(tender)),
        'pending': pending,
        'decided': decision.approved_proposal(tender),
        'can_evaluate': permissions.can_evaluate(tender, user),
    }


@bp.app_context_processor
def _panel_helper():
    return {'evaluation_panel': panel}


def _viewable(code):
    tender = load_tender(code)
    if not permissions.can_view_worksheets(tender, viewer()):
        abort(403)
    return tender


def _member(code):
    tender = load_tender(code)
    if not permissions.can_evaluate(tender, viewer()):
        abort(403)
    return tender


@bp.get('/')
@role_required()
def index(code):
    tender = _viewable(code)
    return _index(tender)


def _index(tender, *, status=200, propose_form=None, fail_form=None, reopen_form=None):
    user = viewer()
    shown = worksheets.current_version(tender)
    number = request.args.get('version', type=int)
    all_versions = worksheets.versions(tender)
    if number is not None:
        shown = next((v for v in all_versions if v.number == number), None)
        if shown is None:
            abort(404)
    data = export.build_case(tender, shown)
    result = export.result_of(data)
    table = worksheets.entries_of(shown) if shown else {}
    pending = decision.pending_proposal(tender)
    proposals = [p for p in (shown.proposals if shown else ()) if p.status != 'superseded']
    member = permissions.can_evaluate(tender, user)
    return (
        render_template(
            'evaluation/index.html',
            tender=tender,
            result=result,
            participants=worksheets.participants(tender),
            table=table,
            version=shown,
            current=shown is None or shown.is_current,
            versions=all_versions,
            proposals=proposals,
            pending=pending,
            decided=decision.approved_proposal(tender),
            needed=decision.approvals_needed(tender),
            member=member,
            open_for_entries=member and _open(tender),
            already_approved=pending is not None
            and any(a.user_id == user.id for a in pending.approvals),
            propose_form=propose_form or ConfirmForm(),
            confirm_form=ConfirmForm(),
            approve_form=ApproveForm(),
            fail_form=fail_form or ReasonForm(),
            reopen_form=reopen_form or ReasonForm(),
            method_label=METHOD_LABELS.get(tender.evaluation_method, tender.evaluation_method),
            KIND_LABELS=KIND_LABELS,
            VERDICT_KINDS=VERDICT_KINDS,
            ProposalStatus=ProposalStatus,
            NOT_YET=export.NOT_YET,
            price_sealed=tender.submission_files == 2 and not worksheets.price_opened(tender),
            incomplete=any(
                v.get('reason') == export.NOT_YET
                for b in data['bids']
                for v in b['verdicts'].values()
            ),
        ),
        status,
    )


def _closed(tender) -> str | None:
    """Why the worksheets cannot be filled now (when evaluation opens…), None when they can."""
    try:
        worksheets.check_open_for_entries(tender, clock.now())
    except DomainError as exc:
        return str(exc)
    return None


def _open(tender) -> bool:
    return _closed(tender) is None


@bp.route('/bids/<int:bid_id>', methods=['GET', 'POST'])
@role_required()
def worksheet(code, bid_id):
    tender = _viewable(code)
    if request.method == 'POST' and not permissions.can_evaluate(tender, viewer()):
        abort(403)
    try:
        p = worksheets.participant(tender, bid_id)
    except DomainError as exc:
        abort(exc.status)
    version = worksheets.current_version(tender)
    entries = worksheets.entries_of(version, p.bid.id) if version else {}
    criteria = worksheets.tender_parameters(tender).get('technical_criteria', [])
    form = worksheet_form(criteria, entries=entries)
    status = 200
    if form.is_submitted():
        body = changed_entries(form, criteria, entries)
        if not body and form.validate():
            flash(_('Tidak ada perubahan.'))
            return redirect(url_for('evaluation.worksheet', code=tender.code, bid_id=p.bid.id))

        def action():
            try:
                return recording.record(
                    tender, p.bid.id, body, actor=viewer(), now=clock.now(), ip=client_ip()
                )
            except DomainError as exc:
                exc.field = _form_field(exc.field)
                raise

        outcome = run_form(form, action)
        if outcome.ok:
            flash(_('Hasil evaluasi %(vendor)s disimpan.', vendor=p.vendor.company_name))
            return redirect(url_for('evaluation.index', code=tender.code))
        status = outcome.status
    return _worksheet_page(tender, p, form, entries, criteria, status)


@bp.post('/bids/<int:bid_id>/negotiation')
@role_required('pokja')
def negotiate(code, bid_id):
    tender = _member(code)
    try:
        p = worksheets.participant(tender, bid_id)
    except DomainError as exc:
        abort(exc.status)
    form = NegotiationForm()
    lines = (p.price_json or {}).get('price_lines', [])
    outcome = run_form(
        form,
        lambda: negotiation.record_negotiation(
            tender, p.bid.id, negotiation_body(form, lines, request.form), **_stamp()
        ),
    )
    if outcome.ok:
        flash(_('Hasil negosiasi dengan %(vendor)s disimpan.', vendor=p.vendor.company_name))
        return redirect(url_for('evaluation.worksheet', code=tender.code, bid_id=p.bid.id))
    version = worksheets.current_version(tender)
    entries = worksheets.entries_of(version, p.bid.id) if version else {}
    criteria = worksheets.tender_parameters(tender).get('technical_criteria', [])
    return _worksheet_page(
        tender,
        p,
        worksheet_form(criteria, entries=entries),
        entries,
        criteria,
        outcome.status or 422,
        negotiation_form=form,
    )


def _worksheet_page(tender, p, form, entries, criteria, status, *, negotiation_form=None):
    result = export.result_of(export.build_case(tender))
    mine = next(b for b in result['bids'] if b['id'] == str(p.bid.id))
    evaluates, closed = permissions.can_evaluate(tender, viewer()), _closed(tender)
    return (
        render_template(
            'evaluation/worksheet.html',
            tender=tender,
            p=p,
            form=form,
            criteria=criteria,
            entries=entries,
            mine=mine,
            price=p.price_json,
            flagged=any(f['code'] == 'below_reasonable_price' for f in mine['flags']),
            can_edit=evaluates and closed is None,
            closed=closed if evaluates else None,
            KIND_LABELS=KIND_LABELS,
            VERDICT_KINDS=VERDICT_KINDS,
            NOT_YET=export.NOT_YET,
            decided=tender.method.system_verdicts(tender, p.vendor, clock.now()),
            negotiates=tender.method.negotiates,
            negotiation_form=negotiation_form or NegotiationForm(formdata=None),
            invited=str(result['winner']) == str(p.bid.id),
            talk=worksheets.negotiations_of(worksheets.current_version(tender)).get(p.bid.id),
        ),
        status,
    )


def _form_field(name):
    """Domain errors name `technical.score`, `administration.reason`, `technical.criteria.x`:
    the form's fields are `technical_score`, `administration_reason`, `criterion_x`."""
    if not name:
        return name
    if name.startswith('technical.criteria.'):
        return 'criterion_' + name.removeprefix('technical.criteria.')
    if name.endswith('.passed'):
        return name.removesuffix('.passed')
    return name.replace('.', '_')


def _stamp():
    """Who acts, when and from where: the keywords every decision operation takes."""
    return {'actor': viewer(), 'now': clock.now(), 'ip': client_ip()}


def _decide(tender, form, action, success, *, form_arg=None, endpoint='evaluation.index'):
    """Run one decision form: when it goes through, flash ``success(value)`` and redirect to
    ``endpoint``; otherwise show the evaluation page again (422 unless the domain error says
    otherwise), with the submitted form passed as ``form_arg`` to keep its errors."""
    outcome = run_form(form, action)
    if outcome.ok:
        flash(success(outcome.value))
        return redirect(url_for(endpoint, code=tender.code))
    forms = {form_arg: form} if form_arg else {}
    return _index(tender, status=outcome.status or 422, **forms)


@bp.post('/propose')
@role_required('pokja')
def propose(code):
    tender = _member(code)
    form = ConfirmForm()
    return _decide(
        tender,
        form,
        lambda: decision.propose(tender, note=form.note.data, **_stamp()),
        lambda _value: _('Hasil evaluasi diusulkan; menunggu persetujuan anggota Pokja.'),
        form_arg='propose_form',
    )


@bp.post('/approve')
@role_required('pokja')
def approve(code):
    tender = _member(code)
    form = ApproveForm()
    return _decide(
        tender,
        form,
        lambda: decision.approve(tender, proposal_id=form.proposal_id.data, **_stamp()),
        lambda proposal: (
            _('Pemenang ditetapkan.')
            if proposal.status == ProposalStatus.approved
            else _('Persetujuan Anda dicatat.')
        ),
    )


@bp.post('/fail')
@role_required('pokja')
def fail(code):
    tender = _member(code)
    form = ReasonForm()
    return _decide(
        tender,
        form,
        lambda: decision.declare_failed(tender, reason=form.reason.data, **_stamp()),
        lambda _value: _('Tender dinyatakan gagal. Tender ulang dapat dibuat dari halaman tender.'),
        form_arg='fail_form',
        endpoint='tenders.detail',
    )


@bp.post('/reopen')
@role_required('pokja')
def reopen(code):
    tender = _member(code)
    form = ReasonForm()
    return _decide(
        tender,
        form,
        lambda: decision.reopen(tender, reason=form.reason.data, **_stamp()),
        lambda n: _('Evaluasi ulang dimulai (versi %(n)s).', n=n),
        form_arg='reopen_form',
    )


@bp.get('/case.json')
def case_json(code):
    tender = load_tender(code)
    user = viewer()
    if permissions.can_view_worksheets(tender, user):
        data = decision.export_case(tender)
    elif permissions.is_public(tender):
        try:
            data = views_data.public_case(tender)
        except DomainError:
            abort(404)
    elif user is None:
        from lpse.extensions import login_manager

        return login_manager.unauthorized()
    else:
        abort(403)
    text = json.dumps(data, ensure_ascii=False, indent=2) + '\n'
    filename = f'{tender.code}-v{tender.version}-evaluation-case.json'
    return Response(
        text,
        mimetype='application/json',
        headers={'Content-Disposition': f'attachment; filename="{filename}"'},
    )
