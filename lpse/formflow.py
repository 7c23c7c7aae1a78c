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


def _field(form, name):
    """The field a domain error names: `npwp`, or a row's field such as `directors-0-nik`
    (a FieldList entry, then the field of its subform); None when the form has no such field."""
    if not name:
        return None
    field = getattr(form, name, None)
    if field is not None:
        return field
    field = form
    for part in name.split('-'):
        if part.isdigit() and hasattr(field, 'entries'):
            entries = field.entries
            field = entries[int(part)] if int(part) < len(entries) else None
            field = getattr(field, 'form', field)
        else:
            field = getattr(field, part, None) if part else None
        if field is None:
            return None
    return None if field is form else field


def show_error(form, exc: DomainError) -> int:
    """Roll back and show a domain error on its field (or as a message); return its status."""
    db.session.rollback()
    for problem in getattr(exc, 'problems', None) or [exc]:
        field = _field(form, problem.field)
        if field is not None and isinstance(getattr(field, 'errors', None), (list, tuple)):
            field.errors = [*field.errors, problem.message]
        else:
            flash(problem.message, 'error')
    return exc.status


def run_form(form, action, *, check=None) -> Outcome:
    """GET: nothing to do (200). POST: 422 for an invalid form, the domain error's status when
    ``action()`` refuses, else commit once and return ok with what ``action`` returned.

    ``check()`` — the domain's own checks of the data, writing nothing — also runs when the
    form itself is invalid, so that the page reports every problem in one round (a field the
    form refused already keeps the form's message alone)."""
    if not form.is_submitted():
        return Outcome(False)
    if not form.validate():
        if check is not None:
            try:
                check()
            except DomainError as exc:
                db.session.rollback()
                for problem in getattr(exc, 'problems', None) or [exc]:
                    field = _field(form, problem.field)
                    # On a field the form did not refuse, and one the page shows (a list of
                    # rows has no element of its own to link to; its rows report themselves).
                    if field is not None and not field.errors and not hasattr(field, 'entries'):
                        field.errors = [*field.errors, problem.message]
        return Outcome(False, 422)
    try:
        value = action()
    except DomainError as exc:
        return Outcome(False, show_error(form, exc))
    db.session.commit()
    return Outcome(True, 200, value)
