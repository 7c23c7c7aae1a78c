"""Which File II envelopes open: a two-file tender's technical verdicts, kept in step with the
worksheets (lpse.opening asks `technical_pass` before the price ceremony)."""

from lpse.evaluation import export, worksheets
from lpse.evaluation.models import FILE_ONE, EntryKind
from lpse.extensions import db


def sync_technical_pass(tender) -> None:
    """Two-file tenders: File II opens only for bids whose File I passed (threshold included).
    Unset while any File I verdict is missing; frozen once File II has been opened.

    Kualitas (``quality``): only the File II of the top-ranked technical bid is opened (highest
    NT; equal NT is settled by the Pokja's recorded tie-break order, and stays unset — no File
    II opens — until the Pokja records it); every other bid's ``technical_pass`` is False."""
    if tender.submission_files != 2 or worksheets.price_opened(tender):
        return
    version = worksheets.current_version(tender)
    table = worksheets.entries_of(version) if version else {}
    ranking = export.live_ranking(tender)
    complete = True
    passers = []
    for p in worksheets.participants(tender):
        entries = table.get(p.bid.id, {})
        # The verdicts the method decides itself (prakualifikasi: the shortlist) are no entries.
        decided = tender.method.system_verdicts(tender, p.vendor, None)
        if not all(kind in entries for kind in FILE_ONE if kind.value not in decided):
            p.first.technical_pass = None
            complete = False
            continue
        result = ranking.result(str(p.bid.id))
        stages = result.stages
        p.first.technical_pass = all(
            stages[s].status == 'passed' for s in ('administration', 'qualification', 'technical')
        )
        if p.first.technical_pass:
            tie = entries.get(EntryKind.tie_break)
            passers.append((p, result.scores.get('NT') or 0, tie.tie_order if tie else None))
    if ranking.method == 'quality' and passers:
        _only_the_top_technical(passers, complete)
    db.session.flush()


def _only_the_top_technical(passers, complete) -> None:
    best = max(nt for _p, nt, _order in passers)
    top = [(p, order) for p, nt, order in passers if nt == best]
    if len(top) > 1:
        orders = [order for _p, order in top]
        if None in orders or len(set(orders)) < len(orders):
            chosen = None
        else:
            chosen = min(top, key=lambda item: item[1])[0]
    else:
        chosen = top[0][0]
    for p, _nt, _order in passers:
        if chosen is None:
            p.first.technical_pass = None if any(p is q for q, _o in top) else False
        else:
            # While another bid's File I is unrecorded, the top may still change.
            p.first.technical_pass = (True if complete else None) if p is chosen else False
