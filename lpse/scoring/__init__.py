"""Pure evaluation scoring: the legal methods as Decimal functions and the case format.

No Flask and no database here: `lpse evaluate` and the evaluation pages run the same code."""
