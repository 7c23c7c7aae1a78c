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
    field = _field(form, exc.field)
    if field is not None and hasattr(field, 'errors') and isinstance(field.errors, (list, tuple)):
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
