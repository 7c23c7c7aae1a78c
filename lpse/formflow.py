"""The one shape of a page form: validate, run the operation, commit, or show why not."""

from dataclasses import dataclass
from typing import Any

from flask import flash

from lpse.errors import DomainError
from lpse.extensions import db


@dataclass(frozen=True)
class Outcome:
    """``ok`` when the operation ran and was committed; ``status`` is the page's HTTP status."""

    ok: bool
    status: int = 200
    value: Any = None


def show_error(form, exc: DomainError) -> int:
    """Roll back and show a domain error on its field (or as a message); return its status."""
    db.session.rollback()
    field = getattr(form, exc.field, None) if exc.field else None
    if field is not None and hasattr(field, 'errors'):
        field.errors = [*field.errors, exc.message]
    else:
        flash(exc.message, 'error')
    return exc.status


def run_form(form, action) -> Outcome:
    """GET: nothing to do (200). POST: 422 for an invalid form, the domain error's status when
    ``action()`` refuses, else commit once and return ok with what ``action`` returned."""
    if not form.is_submitted():
        return Outcome(False)
    if not form.validate():
        return Outcome(False, 422)
    try:
        value = action()
    except DomainError as exc:
        return Outcome(False, show_error(form, exc))
    db.session.commit()
    return Outcome(True, 200, value)
