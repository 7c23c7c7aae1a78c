"""Who may do what with an evaluation: predicates used by views, templates and the matrix."""

from lpse.auth.scope import audits_tender


def _has(user, role) -> bool:
    return user is not None and getattr(user, 'is_authenticated', False) and user.has_role(role)


def can_evaluate(tender, user) -> bool:
    """Record worksheet entries, propose, approve: the Pokja of a running tender."""
    return tender.is_active and tender.is_member(user)


def can_view_worksheets(tender, user) -> bool:
    """The live ranking and the worksheets (who entered what): the Pokja and auditors; the
    tender's PPK too (the package owner), read-only. Only published tenders have an evaluation."""
    published = tender.frozen_rules is not None
    return published and (tender.is_officer(user) or audits_tender(user, tender))


def is_public(tender) -> bool:
    """The result is public once the winner is announced."""
    return tender.winner_announced_at is not None


def can_announce(tender, user) -> bool:
    """The Pokja of a running tender, once the winner is decided and until it is announced."""
    return (
        tender.is_active
        and tender.is_member(user)
        and tender.winner_decided_at is not None
        and tender.winner_announced_at is None
    )


def can_answer_objections(tender, user) -> bool:
    """The Pokja of the tender answers every sanggah."""
    return tender.is_member(user)
