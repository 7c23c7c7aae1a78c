"""Ids and versions from URLs and bodies, bounded before they reach a query.

A number the database cannot hold (`/documents/99999999999999999999999`, `?version=1e30`,
`"ppk": 10**30`) is simply "not found", never an overflow deep in the driver."""

from lpse.errors import NotFound
from lpse.extensions import db

MAX_ID = 2**63 - 1  # BIGINT; every id and version column fits in it


def bounded_id(value) -> int | None:
    """``value`` (an int, or a string of ASCII digits) as an id in 1 … 2**63-1, else None."""
    if isinstance(value, str):
        text = value.strip()
        if not (text.isascii() and text.isdigit() and len(text) <= 19):
            return None
        value = int(text)
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= MAX_ID:
        return None
    return value


def get_or_404(model, ident, message, *, belongs=None):
    """The row of ``model`` with id ``ident`` (that ``belongs``, when given), or NotFound."""
    ident = bounded_id(ident)
    row = db.session.get(model, ident) if ident is not None else None
    if row is None or (belongs is not None and not belongs(row)):
        raise NotFound(message)
    return row
