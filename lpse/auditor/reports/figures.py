"""The report's figures, each a `Table` aggregated in SQL over the stored rows
(lpse.auditor.reports.models) inside the reader's scope and filters. Every figure but the list
of ended tenders counts the current version of each tender (a retendered version is counted
once, as retendered, in `ended`)."""

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from sqlalchemy import case, func, literal, select

from lpse.agencies.models import Agency
from lpse.auditor.reports import sums
from lpse.auditor.reports.filters import Filters
from lpse.auditor.reports.models import TenderReportBid, TenderReportRow
from lpse.extensions import db
from lpse.i18n import WIB
from lpse.tenders.models import StageHold, StageWindow
from lpse.tenders.stages import ORDER, STAGE_LABELS, Phase
from lpse.vendors.models import Vendor

R = TenderReportRow
LIST_LIMIT = 25  # tenders listed per table on the page and in the API (the downloads: all)
VENDOR_LIMIT = 20
OUTCOME_LABELS = {
    'running': _l('Berjalan'),
    'decided': _l('Pemenang ditetapkan'),
    'awarded': _l('SPPBJ terbit'),
    'contracted': _l('Kontrak ditandatangani'),
    'completed': _l('Selesai'),
    'failed': _l('Gagal'),
    'cancelled': _l('Dibatalkan'),
}
ENDED_LABELS = {
    'failed': _l('Gagal'),
    'cancelled': _l('Dibatalkan'),
    'retendered': _l('Tender ulang'),
}


@dataclass
class Column:
    key: str
    label: object
    kind: str = 'text'  # text, int, money, percent, days, date


@dataclass
class Table:
    """One figure: its rows, the columns they show, the chart (label column, value column) and
    totals stated beside it."""

    key: str
    title: object
    columns: list[Column]
    rows: list[dict]
    chart: tuple[str, str] | None = None
    totals: dict = field(default_factory=dict)
    total_rows: int | None = None  # when the rows are a first page of a longer list

    def as_json(self) -> dict:
        return {
            'key': self.key,
            'title': str(self.title),
            'columns': [
                {'key': c.key, 'label': str(c.label), 'kind': c.kind} for c in self.columns
            ],
            'rows': [{k: _json(v) for k, v in row.items()} for row in self.rows],
            'totals': {k: _json(v) for k, v in self.totals.items()},
            'total_rows': self.total_rows if self.total_rows is not None else len(self.rows),
        }


def _json(value):
    if isinstance(value, Decimal):
        return str(value)
    if hasattr(value, 'isoformat'):
        return value.isoformat()
    return (
        str(value) if hasattr(value, '__html__') or type(value).__name__ == 'LazyString' else value
    )


def where(filters: Filters, scope, model=R) -> list:
    """The WHERE clauses of the scope and filters over the rows of ``model`` (every version):
    the report rows, or the bid rows that carry the same columns."""
    R = model  # noqa: N806 — the same names on either table
    clauses = []
    scoped = scope.tender_clause(R.agency_id, R.code)
    if scoped is not None:
        clauses.append(scoped)
    if filters.agency:
        clauses.append(
            R.agency_id == select(Agency.id).where(Agency.code == filters.agency).scalar_subquery()
        )
    for column, value in (
        (R.work_unit_id, filters.work_unit),
        (R.fiscal_year, filters.year),
        (R.category, filters.category),
        (R.selection_method, filters.method),
        (R.status, filters.status),
    ):
        if value is not None:
            clauses.append(column == value)
    if filters.hps_min is not None:
        clauses.append(R.hps >= filters.hps_min)
    if filters.hps_max is not None:
        clauses.append(R.hps <= filters.hps_max)
    return clauses


def _pct(part, whole) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal('0.01'), ROUND_HALF_UP)


def _money(value) -> Decimal:
    return Decimal(value or 0).quantize(Decimal('0.01'))


def _listed_clauses(model, filters: Filters, scope) -> list | None:
    """The filters as clauses on a stage-index table's own columns (it carries agency, year,
    category and HPS), or None when a filter or the scope needs the report rows."""
    if filters.work_unit or filters.method or filters.status or scope.tender_codes:
        return None
    clauses = []
    if not scope.national:
        clauses.append(model.agency_id.in_(sorted(scope.agency_ids) or [-1]))
    if filters.agency:
        clauses.append(
            model.agency_id
            == select(Agency.id).where(Agency.code == filters.agency).scalar_subquery()
        )
    if filters.year is not None:
        clauses.append(model.fiscal_year == filters.year)
    if filters.category is not None:
        clauses.append(model.category == filters.category)
    if filters.hps_min is not None:
        clauses.append(model.hps >= filters.hps_min)
    if filters.hps_max is not None:
        clauses.append(model.hps <= filters.hps_max)
    return clauses


def stages(clauses, now, filters: Filters, scope) -> Table:
    """Tenders by their stage now (from the stage index: the schedule against the clock). The
    index lists the current version of every published tender; it is read alone when the
    filters are on columns it carries, else joined to the report rows."""
    own = _listed_clauses(StageWindow, filters, scope)
    if own is not None:
        windows = select(StageWindow.stage.label('stage')).where(
            StageWindow.starts_at <= now,
            StageWindow.ends_at > now,
            *own,
        )
        holds = select(StageHold.stage.label('stage')).where(
            StageHold.starts_at <= now, *_listed_clauses(StageHold, filters, scope)
        )
    else:
        windows = (
            select(StageWindow.stage.label('stage'))
            .join(R, R.tender_id == StageWindow.tender_id)
            .where(StageWindow.starts_at <= now, StageWindow.ends_at > now, *clauses)
        )
        holds = (
            select(StageHold.stage.label('stage'))
            .join(R, R.tender_id == StageHold.tender_id)
            .where(StageHold.starts_at <= now, *clauses)
        )
    counted = {}
    for part in (windows, holds):  # two grouped passes: each follows an index of its own
        sub = part.subquery()
        for stage, n in db.session.execute(select(sub.c.stage, func.count()).group_by(sub.c.stage)):
            counted[stage] = counted.get(stage, 0) + n
    order = [*ORDER, Phase.cancelled, Phase.failed]
    rows = [
        {'stage': str(s), 'label': STAGE_LABELS[s], 'tenders': counted[str(s)]}
        for s in order
        if counted.get(str(s))
    ]
    return Table(
        'stages',
        _l('Tender per tahap'),
        [Column('label', _l('Tahap')), Column('tenders', _l('Jumlah tender'), 'int')],
        rows,
        chart=('label', 'tenders'),
        totals={'tenders': sum(r['tenders'] for r in rows)},
    )


@dataclass
class Totals:
    """One group of the single aggregate pass (one scan of the rows for most figures)."""

    superseded: bool
    outcome: str
    status: str
    bidders: int
    closed: int  # of them, those past their bid deadline
    tenders: int
    priced: int
    hps: Decimal
    price: Decimal
    filed: int
    accepted: int
    objected: int
    award_n: int
    award_sum: int
    award_min: int | None
    award_max: int | None
    contract_n: int
    contract_sum: int
    contract_min: int | None
    contract_max: int | None


def aggregate(clauses, now) -> list[Totals]:
    """Counts and sums of the rows in scope and filters (every version), grouped by what the
    figures tell apart: superseded, outcome, status, bidder count."""
    # The deadline is counted, not grouped by: the groups then follow the covering index's
    # order and SQLite aggregates as it scans, with no sort.
    closed = func.count(case((R.bid_deadline <= now, 1)))
    priced = R.winning_price.is_not(None)
    stmt = (
        select(
            R.superseded,
            R.outcome,
            R.status,
            R.bidder_count,
            closed,
            func.count(),
            func.count(R.winning_price),
            func.sum(case((priced, R.hps))),
            func.sum(R.winning_price),
            func.sum(R.objections_filed),
            func.sum(R.objections_accepted),
            func.count(case((R.objections_filed > 0, 1))),
            func.count(R.days_to_award),
            func.sum(R.days_to_award),
            func.min(R.days_to_award),
            func.max(R.days_to_award),
            func.count(R.days_to_contract),
            func.sum(R.days_to_contract),
            func.min(R.days_to_contract),
            func.max(R.days_to_contract),
        )
        .where(*clauses)
        .group_by(R.superseded, R.outcome, R.status, R.bidder_count)
    )
    return _totals(db.session.execute(stmt))


def _totals(rows) -> list[Totals]:
    """The aggregate's rows (from the report rows or their sums) as `Totals`."""
    groups = []
    for row in rows:
        values = list(row)
        values[0] = bool(values[0])
        values[7], values[8] = _money(values[7]), _money(values[8])
        for n in (3, 4, 5, 6, 9, 10, 11, 12, 13, 16, 17):
            values[n] = int(values[n] or 0)
        groups.append(Totals(*values))
    return groups


def _current(groups):
    return [g for g in groups if not g.superseded]


def outcomes(groups) -> Table:
    counted = {}
    for g in _current(groups):
        counted[g.outcome] = counted.get(g.outcome, 0) + g.tenders
    rows = [
        {'outcome': k, 'label': label, 'tenders': counted[k]}
        for k, label in OUTCOME_LABELS.items()
        if counted.get(k)
    ]
    return Table(
        'outcomes',
        _l('Tender per hasil'),
        [Column('label', _l('Hasil')), Column('tenders', _l('Jumlah tender'), 'int')],
        rows,
        chart=('label', 'tenders'),
        totals={'tenders': sum(r['tenders'] for r in rows)},
    )


def savings(clauses, groups, limit=LIST_LIMIT) -> Table:
    """HPS against the winning price, per tender and summed (tenders with a winner)."""
    current = _current(groups)
    count = sum(g.priced for g in current)
    hps = sum((g.hps for g in current), Decimal('0.00'))
    price = sum((g.price for g in current), Decimal('0.00'))
    stmt = (
        select(R.code, R.title, R.hps, R.winning_price, R.announced_at, R.awarded_at)
        .where(*clauses, R.superseded.is_(False), R.winning_price.is_not(None))
        .order_by(R.tender_id)
    )
    if limit is not None:
        stmt = stmt.limit(limit)
    rows = [
        {
            'code': r.code,
            'title': r.title,
            'hps': _money(r.hps),
            'winning_price': _money(r.winning_price),
            'savings': _money(r.hps) - _money(r.winning_price),
            'savings_pct': _pct(_money(r.hps) - _money(r.winning_price), r.hps),
            'announced_on': _day(r.announced_at),
            'awarded_on': _day(r.awarded_at),
        }
        for r in db.session.execute(stmt)
    ]
    return Table(
        'savings',
        _l('HPS dan harga pemenang'),
        [
            Column('code', _l('Kode')),
            Column('title', _l('Nama paket')),
            Column('hps', _l('HPS'), 'money'),
            Column('winning_price', _l('Harga pemenang'), 'money'),
            Column('savings', _l('Selisih (efisiensi)'), 'money'),
            Column('savings_pct', _l('Efisiensi (%)'), 'percent'),
            Column('announced_on', _l('Diumumkan (WIB)'), 'date'),
            Column('awarded_on', _l('SPPBJ (WIB)'), 'date'),
        ],
        rows,
        chart=None,
        totals={
            'tenders': count,
            'hps': hps,
            'winning_price': price,
            'savings': hps - price,
            'savings_pct': _pct(hps - price, hps),
        },
        total_rows=count,
    )


def _day(moment):
    return moment.astimezone(ZoneInfo(WIB)).date() if moment is not None else None


def bidders(groups) -> Table:
    """Bidders per tender among tenders whose bid deadline has passed."""
    counted = {}
    for g in _current(groups):
        if g.closed:
            counted[g.bidders] = counted.get(g.bidders, 0) + g.closed
    total = sum(counted.values())
    single = counted.get(1, 0)
    rows = [
        {'bidders': b, 'label': str(b), 'tenders': n, 'share': _pct(n, total)}
        for b, n in sorted(counted.items())
    ]
    return Table(
        'bidders',
        _l('Jumlah penawar per tender'),
        [
            Column('bidders', _l('Penawar'), 'int'),
            Column('tenders', _l('Jumlah tender'), 'int'),
            Column('share', _l('Porsi (%)'), 'percent'),
        ],
        rows,
        chart=('label', 'tenders'),
        totals={
            'tenders': total,
            'single_bidder': single,
            'single_bidder_pct': _pct(single, total),
        },
    )


def _span(current, name):
    n = sum(getattr(g, f'{name}_n') for g in current)
    total = sum(getattr(g, f'{name}_sum') for g in current)
    lows = [v for g in current if (v := getattr(g, f'{name}_min')) is not None]
    highs = [v for g in current if (v := getattr(g, f'{name}_max')) is not None]
    mean = (Decimal(total) / n).quantize(Decimal('0.1'), ROUND_HALF_UP) if n else None
    return n, mean, min(lows, default=None), max(highs, default=None)


def durations(groups) -> Table:
    """Days from announcement to SPPBJ and to contract signing."""
    current = _current(groups)
    rows = []
    for key, label in (
        ('award', _l('Pengumuman sampai SPPBJ')),
        ('contract', _l('Pengumuman sampai kontrak')),
    ):
        count, mean, low, high = _span(current, key)
        rows.append(
            {
                'measure': key,
                'label': label,
                'tenders': count,
                'mean_days': mean,
                'min_days': low,
                'max_days': high,
            }
        )
    return Table(
        'durations',
        _l('Lama proses (hari)'),
        [
            Column('label', _l('Rentang')),
            Column('tenders', _l('Jumlah tender'), 'int'),
            Column('mean_days', _l('Rata-rata (hari)'), 'days'),
            Column('min_days', _l('Tercepat (hari)'), 'int'),
            Column('max_days', _l('Terlama (hari)'), 'int'),
        ],
        rows,
        chart=('label', 'mean_days'),
    )


def ended(clauses, groups, limit=LIST_LIMIT) -> Table:
    """Failed, cancelled and retendered tender versions with their reasons."""
    counted = dict.fromkeys(ENDED_LABELS, 0)
    for g in groups:
        if g.superseded:
            counted['retendered'] += g.tenders
        elif g.status in ('failed', 'cancelled'):
            counted[g.status] += g.tenders
    kind = case((R.superseded.is_(True), literal('retendered')), else_=R.status)
    which = [*clauses, (R.superseded.is_(True)) | R.status.in_(('failed', 'cancelled'))]
    stmt = (
        select(R.code, R.version, R.title, kind.label('kind'), R.end_reason)
        .where(*which)
        .order_by(R.tender_id)
    )
    if limit is not None:
        stmt = stmt.limit(limit)
    rows = [
        {
            'code': r.code,
            'version': r.version,
            'title': r.title,
            'kind': r.kind,
            'label': ENDED_LABELS[r.kind],
            'reason': r.end_reason or '',
        }
        for r in db.session.execute(stmt)
    ]
    chart_rows = [{'label': ENDED_LABELS[k], 'tenders': counted[k]} for k in ENDED_LABELS]
    return Table(
        'ended',
        _l('Tender gagal, dibatalkan dan diulang'),
        [
            Column('code', _l('Kode')),
            Column('version', _l('Versi'), 'int'),
            Column('title', _l('Nama paket')),
            Column('label', _l('Keadaan')),
            Column('reason', _l('Alasan')),
        ],
        rows,
        chart=('label', 'tenders'),
        totals={**counted, 'chart': chart_rows},
        total_rows=sum(counted.values()),
    )


def objections(groups) -> Table:
    current = _current(groups)
    filed = sum(g.filed for g in current)
    accepted = sum(g.accepted for g in current)
    tenders = sum(g.objected for g in current)
    rows = [
        {'measure': 'filed', 'label': _l('Sanggah diajukan'), 'count': filed},
        {'measure': 'accepted', 'label': _l('Sanggah diterima'), 'count': accepted},
        {'measure': 'tenders', 'label': _l('Tender dengan sanggah'), 'count': tenders},
    ]
    return Table(
        'objections',
        _l('Sanggah'),
        [Column('label', _l('Ukuran')), Column('count', _l('Jumlah'), 'int')],
        rows,
        chart=('label', 'count'),
        totals={
            'filed': filed,
            'accepted': accepted,
            'tenders': tenders,
            'accepted_pct': _pct(accepted, filed),
        },
    )


def bid_counts(clauses):
    """Bids and wins per vendor over the bid rows in scope (a subquery: vendor_id, bids,
    wins)."""
    B = TenderReportBid  # noqa: N806
    wins = func.sum(case((B.won.is_(True), 1), else_=0))
    return (
        select(B.vendor_id, func.count().label('bids'), wins.label('wins'))
        .where(*clauses)
        .group_by(B.vendor_id)
        .subquery()
    )


def vendor_totals(counted) -> list[dict]:
    """Bids and wins per vendor (one grouped pass, named after)."""
    stmt = select(Vendor.id, Vendor.company_name, counted.c.bids, counted.c.wins).join(
        counted, counted.c.vendor_id == Vendor.id
    )
    return [
        {
            'vendor_id': r.id,
            'vendor': r.company_name,
            'bids': int(r.bids),
            'wins': int(r.wins or 0),
            'label': r.company_name,
        }
        for r in db.session.execute(stmt)
    ]


def vendors(totals, *, by, limit=VENDOR_LIMIT) -> Table:
    """Vendors ranked by wins (``by='wins'``, winners only) or by bids; ties by name."""
    if by == 'wins':
        rows = sorted(
            (r for r in totals if r['wins'] > 0),
            key=lambda r: (-r['wins'], -r['bids'], r['vendor'], r['vendor_id']),
        )
    else:
        rows = sorted(totals, key=lambda r: (-r['bids'], -r['wins'], r['vendor'], r['vendor_id']))
    if limit is not None:
        rows = rows[:limit]
    columns = [
        Column('vendor', _l('Penyedia')),
        Column('wins', _l('Menang'), 'int'),
        Column('bids', _l('Menawar'), 'int'),
    ]
    if by == 'wins':
        return Table(
            'vendor_wins', _l('Penyedia menurut kemenangan'), columns, rows, chart=('label', 'wins')
        )
    return Table(
        'vendor_bids',
        _l('Penyedia menurut penawaran'),
        [columns[0], columns[2], columns[1]],
        rows,
        chart=('label', 'bids'),
    )


TABLES = (
    'stages',
    'outcomes',
    'savings',
    'bidders',
    'durations',
    'ended',
    'objections',
    'vendor_wins',
    'vendor_bids',
)
NEEDS_GROUPS = {'outcomes', 'savings', 'bidders', 'durations', 'ended', 'objections'}
VENDOR_TABLES = {'vendor_wins', 'vendor_bids'}


def tables(keys, filters: Filters, scope, *, now, limit=LIST_LIMIT) -> list[Table]:
    """The figures named by ``keys`` (``limit`` None: every listed tender, for downloads);
    the aggregate pass runs once for all of them, over the rows' sums when they can answer
    the filters (lpse.auditor.reports.sums), else over the rows."""
    every = where(filters, scope)
    current = [*every, R.superseded.is_(False)]
    wanted = set(keys)
    at = sums.summed_at(filters, scope) if wanted & (NEEDS_GROUPS | VENDOR_TABLES) else None
    if not wanted & NEEDS_GROUPS:
        groups = []
    elif at is not None:
        groups = _totals(sums.aggregate(filters, scope, every, now=now, at=at))
    else:
        groups = aggregate(every, now)
    if not wanted & VENDOR_TABLES:
        vendor_rows = []
    elif at is not None:
        vendor_rows = vendor_totals(sums.vendor_counts(filters, scope))
    else:
        bid_rows = where(filters, scope, TenderReportBid)
        vendor_rows = vendor_totals(bid_counts([*bid_rows, TenderReportBid.superseded.is_(False)]))
    builders = {
        'stages': lambda: stages(current, now, filters, scope),
        'outcomes': lambda: outcomes(groups),
        'savings': lambda: savings(every, groups, limit),
        'bidders': lambda: bidders(groups),
        'durations': lambda: durations(groups),
        'ended': lambda: ended(every, groups, limit),
        'objections': lambda: objections(groups),
        'vendor_wins': lambda: vendors(vendor_rows, by='wins', limit=limit and VENDOR_LIMIT),
        'vendor_bids': lambda: vendors(vendor_rows, by='bids', limit=limit and VENDOR_LIMIT),
    }
    return [builders[k]() for k in keys]


def table(key, filters: Filters, scope, *, now, limit=LIST_LIMIT) -> Table:
    return tables([key], filters, scope, now=now, limit=limit)[0]


def all_tables(filters: Filters, scope, *, now, limit=LIST_LIMIT) -> list[Table]:
    return tables(TABLES, filters, scope, now=now, limit=limit)
