"""What the prequalification pages show, gathered for the templates: the tender page's panel
(the announced shortlist, its PDFs and objection window, each visitor's next step) and the
Pokja's evaluation page. Reads only; the acting user and the time are arguments."""

from flask_babel import lazy_gettext as _l
from flask_babel import ngettext

from lpse import clock
from lpse.errors import DomainError, NotFound
from lpse.extensions import db
from lpse.tenders.prequalification import operations, permissions
from lpse.tenders.prequalification.forms import ObjectionForm
from lpse.tenders.prequalification.models import ObjectionStatus, QualificationResult
from lpse.tenders.prequalification.shortlist import current_result, ranked, results_of
from lpse.vendors import enrolment, verification


def result_of(tender, result_id) -> QualificationResult:
    row = db.session.get(QualificationResult, result_id)
    if row is None or row.tender_id != tender.id:
        raise NotFound(_l('Hasil prakualifikasi tidak ditemukan.'))
    return row


def _pokja_next(tender, now) -> dict:
    rows = operations.submissions(tender)
    result = current_result(tender)
    pending = [o for o in (result.objections if result else ()) if o.status == 'pending']
    problem = permissions.evaluation_problem(tender, now)
    return {
        'submissions': len(rows),
        'unevaluated': sum(1 for r in rows if r.passed is None),
        'pending_objections': len(pending),
        'evaluation_open': problem is None,
        'announced': result is not None,
    }


def pokja_tasks(tender, user, now) -> list:
    """What a Pokja member has to do about the prakualifikasi now (its home page): evaluate the
    forms once the submission stage ended, approve the result, answer objections."""
    if not tender.method.prequalifies or tender.is_draft:
        return []
    state, todo = _pokja_next(tender, now), []
    if state['pending_objections']:
        todo.append(
            ngettext(
                '%(num)s sanggah prakualifikasi belum dijawab.',
                '%(num)s sanggah prakualifikasi belum dijawab.',
                state['pending_objections'],
            )
        )
    if state['announced'] or not state['evaluation_open'] or not state['submissions']:
        return todo
    if state['unevaluated']:
        todo.append(
            ngettext(
                '%(num)s data kualifikasi menunggu evaluasi.',
                '%(num)s data kualifikasi menunggu evaluasi.',
                state['unevaluated'],
            )
        )
        return todo
    result, problems = operations.provisional_result(tender)
    approved = operations.approvals_of(tender, operations.result_sha256(result))
    enough = len(approved) >= operations.approvals_needed(tender)
    if not problems and not enough and all(a.user_id != user.id for a in approved):
        todo.append(_l('Setujui hasil prakualifikasi.'))
    return todo


def panel(tender, user, now=None) -> dict | None:
    """The tender page's prequalification panel for `user` (None: not a prequalified tender)."""
    if not tender.method.prequalifies or tender.is_draft:
        return None
    now = now or clock.now()
    results = results_of(tender)
    current = current_result(tender)
    vendor = verification.vendor_of(user) if user is not None else None
    row = operations.submission_of(tender, vendor)
    mine = None
    if current is not None and vendor is not None:
        mine = next((o for o in current.objections if o.vendor_id == vendor.id), None)
    return {
        'results': results,
        'current': current,
        'shortlist': ranked(current.result) if current else [],
        'scored': tender.method.scores_qualification,
        'now': now,
        'is_vendor': user is not None and user.has_role('vendor'),
        'row': row if row is not None and row.is_submitted else None,
        'shortlisted': bool(row and row.shortlisted),
        'rank': row.shortlist_rank if row else None,
        'can_send': permissions.can_send(tender, user, now),
        'window_open': permissions.submission_window_open(tender, now),
        'can_object': permissions.can_object(tender, user, now),
        'my_objection': mine,
        'objection_form': ObjectionForm(formdata=None),
        'pokja': _pokja_next(tender, now) if permissions.is_evaluator(tender, user) else None,
    }


def evaluation_context(tender, now) -> dict:
    """The Pokja's page: submissions, the provisional result and its approvals, objections."""
    rows = operations.submissions(tender)
    result, problems = operations.provisional_result(tender)
    sha = operations.result_sha256(result)
    approvals = operations.approvals_of(tender, sha)
    current = current_result(tender)
    return {
        'tender': tender,
        'rows': rows,
        'result': result,
        'shortlist': [
            v for v in sorted(result['vendors'], key=lambda v: v['rank'] or 0) if v['rank']
        ],
        'problems': problems,
        'sha': sha,
        'approvals': approvals,
        'needed': operations.approvals_needed(tender),
        'announcement_opens': operations.announcement_opens(tender),
        'closed': permissions.evaluation_problem(tender, now),
        'current': current,
        'results': results_of(tender),
        'objections': list(current.objections) if current else [],
        'pending': ObjectionStatus.pending,
        'requirements': tender.method.qualification_requirements(tender),
        'scored': tender.method.scores_qualification,
        'now': now,
    }


def count_signing_failure(user, passphrase, *, ip=None) -> None:
    """Count a wrong signing passphrase again after its request was rolled back (the draft of
    that request must not stay, the failed attempt must)."""
    try:
        enrolment.unlock_signing_key(user, passphrase, now=clock.now(), ip=ip)
    except DomainError:
        return
