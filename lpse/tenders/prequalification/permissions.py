"""Who may take which prequalification step now — the predicates the pages (403 and hidden
buttons) and the tender page's panel share; the operations keep the rules themselves."""

from lpse.errors import DomainError
from lpse.tenders.prequalification import operations
from lpse.tenders.prequalification.shortlist import current_result
from lpse.tenders.stages import Stage
from lpse.vendors import verification


def is_evaluator(tender, user) -> bool:
    """A Pokja member of a prequalified tender (the only ones who evaluate and answer)."""
    return tender.method.prequalifies and tender.is_member(user)


def submission_window_open(tender, now) -> bool:
    window = tender.schedule.get(Stage.qualification_submission)
    return window is not None and window.contains(now)


def can_send(tender, user, now) -> bool:
    """A vendor while the submission stage is open: it sends its form, or sends it again (the
    new one replaces the one sent)."""
    if user is None or not tender.method.prequalifies or not tender.is_active:
        return False
    return user.has_role('vendor') and submission_window_open(tender, now)


def evaluation_problem(tender, now):
    """Why the Pokja cannot record verdicts or approve now, or None."""
    try:
        operations.check_evaluation_open(tender, now)
    except DomainError as exc:
        return exc.message
    return None


def can_object(tender, user, now) -> bool:
    """A vendor that sent its data, during the announced result's objection window, once."""
    if user is None or not tender.method.prequalifies:
        return False
    row = operations.submission_of(tender, verification.vendor_of(user))
    result = current_result(tender)
    if row is None or not row.is_submitted or result is None or now >= result.objection_ends_at:
        return False
    return not any(o.vendor_id == row.vendor_id for o in result.objections)
