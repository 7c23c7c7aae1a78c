"""Ids and versions from URLs, query strings and bodies, bounded before they reach a query.

A number the database cannot hold (`/vendors/9223372036854775808`, `?before=1e30`,
`"ppk": 10**30`) is "not found" in a path and a 422 in a query, never an overflow deep in
the driver (PostgreSQL refuses an out-of-range BIGINT parameter; SQLite does not)."""

from flask import request
from flask_babel import gettext as _
from werkzeug.routing import IntegerConverter

from lpse.errors import NotFound, ValidationFailed
from lpse.extensions import db

# INTEGER: every id and version column is int4 on PostgreSQL, which refuses a larger parameter
# (`integer out of range`) where SQLite quietly finds nothing.
MAX_ID = 2**31 - 1


class IdConverter(IntegerConverter):
    """`<int:…>` in every route: 1 … 2**31-1 in ASCII digits, else no match (a 404)."""

    regex = r'[1-9][0-9]{0,9}'

    def __init__(self, map, fixed_digits=0, min=1, max=MAX_ID, signed=False):
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


def init_app(app):
    """Make `<int:…>` the bounded converter; call before any blueprint is registered."""
    app.url_map.converters['int'] = IdConverter


def bounded_id(value) -> int | None:
    """``value`` (an int, or a string of ASCII digits) as an id in 1 … 2**31-1, else None."""
    if isinstance(value, str):
        text = value.strip()
        if not (text.isascii() and text.isdigit() and len(text) <= 10):
            return None
        value = int(text)
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= MAX_ID:
        return None
    return value


def query_id(name) -> int | None:
    """The id in query parameter ``name``: None when absent or blank, a 422 when not an id."""
    text = request.args.get(name, '')
    if not text.strip():
        return None
    value = bounded_id(text)
    if value is None:
        raise ValidationFailed(
            _('Parameter "%(name)s" harus bilangan bulat positif.', name=name), field=name
        )
    return value


def get_or_404(model, ident, message, *, belongs=None):
    """The row of ``model`` with id ``ident`` (that ``belongs``, when given), or NotFound."""
    ident = bounded_id(ident)
    row = db.session.get(model, ident) if ident is not None else None
    if row is None or (belongs is not None and not belongs(row)):
        raise NotFound(message)
    return row
