"""The decided result as the public sees it once announced: one row per bidder with SPSE's
legend columns (DOMAIN §3) and the reasons of every failure, frozen as plain JSON.

Legend: A administrasi, K kualifikasi, T teknis, ST skor teknis, P harga penawaran,
PT harga terkoreksi, HN harga negosiasi, SH skor harga, SA skor akhir, B pembuktian
kualifikasi, and the winner mark. A bidder whose envelope could not be opened is listed too."""

from decimal import Decimal

from sqlalchemy import select

from lpse.bids.models import Bid, BidStatus, EnvelopeKind
from lpse.evaluation.export import NOT_YET
from lpse.extensions import db
from lpse.opening.models import OpenedBid
from lpse.scoring.case import score_text
from lpse.scoring.correction import rupiah
from lpse.scoring.types import FAILED, NOT_EVALUATED, PASSED, StageResult

FORMAT = 'lpse-result/1'
LEGEND = ('A', 'K', 'T', 'ST', 'P', 'PT', 'HN', 'SH', 'SA', 'B')
STAGE_COLUMNS = {
    'A': 'administration',
    'K': 'qualification',
    'T': 'technical',
    'B': 'pembuktian',
}
STAGE_NAMES = {
    'administration': 'Administrasi',
    'qualification': 'Kualifikasi',
    'technical': 'Teknis',
    'price': 'Harga',
    'pembuktian': 'Pembuktian kualifikasi',
    'opening': 'Pembukaan penawaran',
}
# The price score (SH) and final score (SA) each method computes (lpse.scoring.methods).
PRICE_SCORE = ('NH', 'NB')
FINAL_SCORE = ('NA', 'NK')


def _money(value) -> str | None:
    """Whole rupiah exactly as ``lpse evaluate`` prints them (lpse.scoring.case: half up)."""
    return None if value is None else rupiah(Decimal(value))


def _score(scores, names) -> str | None:
    """Two decimals exactly as ``lpse evaluate`` prints them (case.score_text: half up)."""
    for name in names:
        if scores.get(name) is not None:
            return score_text(Decimal(scores[name]))
    return None


def first_envelopes(tender) -> list[Bid]:
    """Each bidder's current first envelope (single, or File I): who took part."""
    return db.session.scalars(
        select(Bid)
        .where(
            Bid.tender_id == tender.id,
            Bid.status == BidStatus.current,
            Bid.kind.in_((EnvelopeKind.single, EnvelopeKind.technical)),
        )
        .order_by(Bid.id)
    ).all()


def _public_stages(result) -> dict:
    """Stage outcomes as published: a stage the Pokja never recorded (the case carries it as
    a failed verdict with the reason ``belum dievaluasi`` so that the engine ranks it out) is
    shown as not evaluated, never as a failure."""
    return {
        name: StageResult(NOT_EVALUATED, NOT_YET)
        if outcome.status == FAILED and outcome.reason == NOT_YET
        else outcome
        for name, outcome in result.stages.items()
    }


def _row(result, bid, decision) -> dict:
    stages = _public_stages(result)
    evaluated = all(
        stages[s].status != NOT_EVALUATED for s in ('administration', 'qualification', 'technical')
    ) or any(outcome.status == FAILED for outcome in stages.values())
    row = {
        'bid_id': bid.id,
        'vendor': _vendor(bid),
        'columns': {
            'A': stages['administration'].status,
            'K': stages['qualification'].status,
            'T': stages['technical'].status,
            'ST': _score(result.scores, ('NT',)),
            'P': _money(result.declared_total),
            'PT': _money(result.corrected_total),
            'HN': _money(result.negotiated_total),
            'SH': _score(result.scores, PRICE_SCORE),
            'SA': _score(result.scores, FINAL_SCORE),
            'B': stages['pembuktian'].status,
        },
        'price': stages['price'].status,
        'evaluated_price': _money(result.evaluated_price),
        'rank': result.rank,
        'winner': bid.id == decision.winner_bid_id,
        'reserve': _reserve_number(bid.id, decision),
        'reasons': [
            {'stage': name, 'stage_name': STAGE_NAMES[name], 'reason': outcome.reason}
            for name, outcome in stages.items()
            if outcome.status == FAILED
        ],
        'flags': [{'code': f.code, 'detail': f.detail} for f in result.flags],
        'not_evaluated': not evaluated,
    }
    if result.scores.get('LCC') is not None:
        row['columns']['SA'] = _money(result.scores['LCC'])
    return row


def _reserve_number(bid_id, decision) -> int | None:
    reserves = list(decision.reserve_bid_ids or ())
    return reserves.index(bid_id) + 1 if bid_id in reserves else None


def _vendor(bid) -> dict:
    vendor = bid.vendor
    return {
        'name': vendor.company_name,
        'npwp': vendor.npwp_display,
        'address': ', '.join(p for p in (vendor.address, vendor.city, vendor.province) if p),
    }


def _unopened_row(bid) -> dict:
    opened = db.session.scalar(select(OpenedBid).where(OpenedBid.bid_id == bid.id))
    reason = 'Sampul penawaran tidak dapat dibuka'
    if opened is not None and opened.reason:
        reason = f'{reason}: {opened.reason_detail or opened.reason}'
    return {
        'bid_id': bid.id,
        'vendor': _vendor(bid),
        'columns': dict.fromkeys(LEGEND) | dict.fromkeys(('A', 'K', 'T', 'B'), NOT_EVALUATED),
        'price': NOT_EVALUATED,
        'evaluated_price': None,
        'rank': None,
        'winner': False,
        'reserve': None,
        'reasons': [{'stage': 'opening', 'stage_name': STAGE_NAMES['opening'], 'reason': reason}],
        'flags': [],
        'not_evaluated': False,
    }


def build(tender, decision) -> dict:
    """The public result of ``decision`` (a lpse.evaluation.service.Decision) as plain JSON."""
    ranking = decision.result
    by_id = {str(r.bid_id): r for r in ranking.results}
    rows = []
    for bid in first_envelopes(tender):
        result = by_id.get(str(bid.id))
        rows.append(_row(result, bid, decision) if result else _unopened_row(bid))
    rows.sort(key=lambda r: (r['rank'] is None, r['rank'] or 0, r['bid_id']))
    return {
        'format': FORMAT,
        'tender': {
            'code': tender.code,
            'version': tender.version,
            'title': tender.title,
            'hps': _money(tender.hps),
            'pagu': _money(tender.pagu),
            'method': ranking.method,
            'rules_version': ranking.rules_version,
        },
        'evaluation_version': decision.version,
        'decided_at': decision.decided_at.isoformat(),
        'approved_by': [u.name for u in decision.approvals],
        'formulas': list(ranking.formulas),
        'stage_counts': stage_counts(rows),
        'bidders': rows,
        'winner_bid_id': decision.winner_bid_id,
        'reserve_bid_ids': list(decision.reserve_bid_ids or ()),
    }


def stage_counts(rows) -> dict:
    """Passed / failed per stage (the BAHP's count at each stage)."""
    counts = {}
    for column, stage in (*STAGE_COLUMNS.items(), ('price', 'price')):
        values = [r['columns'][column] if column in r['columns'] else r['price'] for r in rows]
        counts[stage] = {
            'passed': values.count(PASSED),
            'failed': values.count(FAILED),
            'not_evaluated': values.count(NOT_EVALUATED),
        }
    return counts


def contract_price(row: dict) -> Decimal:
    """The contract price of a bidder's row: the negotiated price (HN, seleksi) when there is
    one, else the corrected price (PT), else the offered price (P)."""
    columns = row['columns']
    return Decimal(columns.get('HN') or columns['PT'] or columns['P'])


def winner_row(result: dict) -> dict | None:
    return next((r for r in result['bidders'] if r['winner']), None)


def reserve_rows(result: dict) -> list[dict]:
    return sorted((r for r in result['bidders'] if r['reserve']), key=lambda r: r['reserve'])
