"""One precision for the evaluation and everything that prints its figures.

Amounts are bounded where they enter (bid packages, case files, the database's NUMERIC(20, 2)):
at most 18 digits before the point. Products and sums of such amounts (a unit price times a
quantity, a BoQ total, discounted life-cycle costs) and the inexact divisions of the scoring
formulas then stay far inside `PRECISION` significant digits, so rounding for display never
overflows the context — the default context's 28 digits would (10^18 × 10^12 has 31)."""

from contextlib import AbstractContextManager
from decimal import Context, localcontext

#: Significant digits for evaluation and its output (NH, NB, HEA, discounting, rounding).
PRECISION = 50
#: The largest whole part of an amount, price or quantity the evaluation accepts.
MAX_INTEGER_DIGITS = 18
#: The longest fraction of a decimal in a case file.
MAX_FRACTION_DIGITS = 10


def exact() -> AbstractContextManager[Context]:
    """The evaluation's decimal context (a `with` block)."""
    return localcontext(prec=PRECISION)
