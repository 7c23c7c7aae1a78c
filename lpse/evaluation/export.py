"""From the database to an evaluation case (docs/EVALUATION_FORMAT.md) and back to a ranking.

The live ranking is *computed from the case this module builds*, and a decision stores that
case: so the export of a decided evaluation, fed to ``lpse evaluate``, reproduces the published
result exactly, by construction."""

import json

from flask_babel import lazy_gettext as _l

from lpse.errors import Conflict
from lpse.evaluation import worksheets
from lpse.evaluation.models import EntryKind
from lpse.scoring import case as case_format
from lpse.scoring.methods import evaluate
from lpse.scoring.types import Ranking

#: The reason a stage without a recorded verdict carries in the case (it counts as not passed).
NOT_YET = 'belum dievaluasi'


def build_case(tender, version=None) -> dict:
    """The case of a tender's opened bids with the entries of ``version`` (current if None)."""
    if version is None:
        version = worksheets.current_version(tender)
    table = worksheets.entries_of(version) if version is not None else {}
    talks = worksheets.negotiations_of(version)
    return {
        'format': case_format.CASE_FORMAT,
        'method': worksheets.tender_method(tender),
        'parameters': worksheets.tender_parameters(tender),
        'bids': [
            _bid(
                p,
                table.get(p.bid.id, {}),
                tender.method.system_verdicts(tender, p.vendor, None),
                talks.get(p.bid.id),
            )
            for p in worksheets.participants(tender)
        ],
    }


def _bid(p, entries, system, negotiation=None) -> dict:
    """One bid of the case; ``system`` holds the verdicts the tender's method decides itself
    (Tender Cepat: qualification from the register), which take the place of worksheet entries;
    ``negotiation`` is the recorded clarification and negotiation (seleksi)."""
    first = p.bid_json
    bid = {
        'id': str(p.bid.id),
        'vendor': {
            'name': p.vendor.company_name,
            'npwp': p.vendor.npwp,
            'small_business': p.vendor.size_class == 'kecil',
        },
    }
    price = p.price_json
    if price is not None:
        bid['price_lines'] = [
            {
                'item': line['item'],
                'quantity': line['quantity'],
                'unit': line.get('unit', ''),
                'unit_price': line['unit_price'],
            }
            for line in price.get('price_lines', [])
        ]
        if price.get('declared_total') is not None:
            bid['declared_total'] = price['declared_total']
        if price.get('life_cycle') is not None:
            bid['life_cycle'] = price['life_cycle']
    if first.get('tkdn') is not None:
        bid['tkdn'] = first['tkdn']
    bid['verdicts'] = {}
    for kind in (EntryKind.administration, EntryKind.qualification, EntryKind.technical):
        entry = entries.get(kind)
        bid['verdicts'][kind.value] = system.get(kind.value) or (
            _verdict(entry) if entry else {'passed': False, 'reason': NOT_YET}
        )
    if 'pembuktian' in system:
        bid['verdicts']['pembuktian'] = system['pembuktian']
    elif EntryKind.pembuktian in entries:
        bid['verdicts']['pembuktian'] = _verdict(entries[EntryKind.pembuktian])
    technical = entries.get(EntryKind.technical)
    if technical is not None and technical.criteria:
        bid['technical'] = {'criteria': json.loads(technical.criteria)}
    elif technical is not None and technical.score is not None:
        bid['technical'] = {'score': format(technical.score, 'f')}
    if EntryKind.clarification in entries:
        bid['clarification'] = _verdict(entries[EntryKind.clarification])
    if EntryKind.tie_break in entries:
        bid['tie_break_order'] = entries[EntryKind.tie_break].tie_order
    if negotiation is not None:
        bid['negotiation'] = negotiation.case_dict()
    return bid


def _verdict(entry) -> dict:
    out = {'passed': bool(entry.passed)}
    if entry.reason:
        out['reason'] = entry.reason
    return out


def rank_case(data: dict) -> Ranking:
    """Evaluate a case dict exactly as ``lpse evaluate`` does; a case the engine refuses (e.g.
    a bid's life-cycle years not matching the tender's) is a 409 naming the problem."""
    try:
        parsed = case_format.parse_case(json.loads(json.dumps(data)))
    except case_format.CaseError as exc:
        raise Conflict(_l('Evaluasi tidak dapat dihitung: %(problem)s', problem=str(exc))) from None
    return evaluate(parsed.method, parsed.params, parsed.bids)


def result_of(data: dict) -> dict:
    """The result JSON of a case dict, as ``lpse evaluate`` prints it."""
    return case_format.result_to_dict(rank_case(data))


def live_ranking(tender) -> Ranking:
    """The ranking of the current version as the worksheets stand now."""
    return rank_case(build_case(tender))
