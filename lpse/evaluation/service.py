"""What other domains (announcement, objections, award, PDFs) read from the evaluation.

- ``live_result(tender)``: the pure ranking (lpse.scoring.types.Ranking) of the current
  version, computed from its worksheet entries and the opened bids.
- ``decided_result(tender)``: the decision of the current version (``Decision``) or None.
- ``export_case(tender)``: the case JSON that ``lpse evaluate`` reproduces exactly.
- ``reopen(...)``: a new evaluation version (entries copied), the decision cleared.
- ``declare_failed(...)``: the tender fails (gagal) with its reason.
"""

from lpse.evaluation import decision, export, worksheets
from lpse.evaluation.decision import Decision
from lpse.scoring.types import Ranking

__all__ = [
    'Decision',
    'current_version',
    'decided_result',
    'declare_failed',
    'export_case',
    'live_result',
    'reopen',
]


def current_version(tender):
    """The current EvaluationVersion of a tender (None before the first entry)."""
    return worksheets.current_version(tender)


def live_result(tender) -> Ranking:
    return export.live_ranking(tender)


def decided_result(tender) -> Decision | None:
    return decision.decided_result(tender)


def export_case(tender) -> dict:
    return decision.export_case(tender)


def reopen(tender, *, reason, actor, now) -> int:
    return decision.reopen(tender, reason=reason, actor=actor, now=now)


def declare_failed(tender, *, reason, actor, now):
    """Returns the BAHP stating the failure (an IssuedDocument)."""
    return decision.declare_failed(tender, reason=reason, actor=actor, now=now)
