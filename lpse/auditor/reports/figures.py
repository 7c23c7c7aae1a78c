"""The report's figures, each a `Table` aggregated in SQL over the stored rows
(lpse.auditor.reports.models) inside the reader's scope and filters. Every figure but the list
of ended tenders counts the current version of each tender (a retendered version is counted
once, as retendered, in `ended`)."""

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import case, func, literal, select, union_all

from lpse.agencies.models import Agency
from lpse.auditor.reports.filters import Filters
from lpse.auditor.reports.models import TenderReportBid, TenderReportRow
from lpse.extensions import db
from lpse.tenders.models import StageHold, StageWindow
from lpse.tenders.stages import STAGE_LABELS, Phase, Stage
from lpse.vendors.models import Vendor

R = TenderReportRow
LIST_LIMIT = 100  # tenders listed per table on the page and in the API (the CSV has all)
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


def where(filters: Filters, scope, *, current=True) -> list:
    """The WHERE clauses of the scope and filters over the rows."""
    clauses = []
    if current:
        clauses.append(R.superseded.is_(False))
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


def stages(clauses, now) -> Table:
    """Tenders by their stage now (from the stage index: the schedule against the clock)."""
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
    both = union_all(windows, holds).subquery()
    counted = dict(
        db.session.execute(select(both.c.stage, func.count()).group_by(both.c.stage)).all()
    )
    order = [*Stage, *Phase]
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


def outcomes(clauses) -> Table:
    counted = dict(
        db.session.execute(
            select(R.outcome, func.count()).where(*clauses).group_by(R.outcome)
        ).all()
    )
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


def savings(clauses, limit=LIST_LIMIT) -> Table:
    """HPS against the winning price, per tender and summed (tenders with a winner)."""
    priced = [*clauses, R.winning_price.is_not(None)]
    count, hps, price = db.session.execute(
        select(func.count(), func.sum(R.hps), func.sum(R.winning_price)).where(*priced)
    ).one()
    hps, price = _money(hps), _money(price)
    stmt = (
        select(R.code, R.title, R.hps, R.winning_price).where(*priced).order_by(R.code, R.version)
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


def bidders(clauses, now) -> Table:
    """Bidders per tender among tenders whose bid deadline has passed."""
    closed = [*clauses, R.bid_deadline.is_not(None), R.bid_deadline <= now]
    counted = db.session.execute(
        select(R.bidder_count, func.count())
        .where(*closed)
        .group_by(R.bidder_count)
        .order_by(R.bidder_count)
    ).all()
    total = sum(n for _, n in counted)
    single = dict(counted).get(1, 0)
    rows = [
        {'bidders': b, 'label': str(b), 'tenders': n, 'share': _pct(n, total)} for b, n in counted
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


def durations(clauses) -> Table:
    """Days from announcement to SPPBJ and to contract signing."""
    rows = []
    for key, label, column in (
        ('award', _l('Pengumuman sampai SPPBJ'), R.days_to_award),
        ('contract', _l('Pengumuman sampai kontrak'), R.days_to_contract),
    ):
        count, mean, low, high = db.session.execute(
            select(func.count(column), func.avg(column), func.min(column), func.max(column)).where(
                *clauses
            )
        ).one()
        rows.append(
            {
                'measure': key,
                'label': label,
                'tenders': count,
                'mean_days': Decimal(str(mean)).quantize(Decimal('0.1'), ROUND_HALF_UP)
                if count
                else None,
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


def ended(clauses_all, limit=LIST_LIMIT) -> Table:
    """Failed, cancelled and retendered tender versions with their reasons."""
    kind = case((R.superseded.is_(True), literal('retendered')), else_=R.status)
    which = [*clauses_all, (R.superseded.is_(True)) | R.status.in_(('failed', 'cancelled'))]
    counted = dict(
        db.session.execute(select(kind, func.count()).where(*which).group_by(kind)).all()
    )
    stmt = (
        select(R.code, R.version, R.title, kind.label('kind'), R.end_reason)
        .where(*which)
        .order_by(R.code, R.version)
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
    chart_rows = [{'label': ENDED_LABELS[k], 'tenders': counted.get(k, 0)} for k in ENDED_LABELS]
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
        totals={k: counted.get(k, 0) for k in ENDED_LABELS} | {'chart': chart_rows},
        total_rows=sum(counted.values()),
    )


def objections(clauses) -> Table:
    filed, accepted, tenders = db.session.execute(
        select(
            func.coalesce(func.sum(R.objections_filed), 0),
            func.coalesce(func.sum(R.objections_accepted), 0),
            func.count(case((R.objections_filed > 0, 1))),
        ).where(*clauses)
    ).one()
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


def vendors(clauses, *, by, limit=VENDOR_LIMIT) -> Table:
    """Vendors ranked by wins (``by='wins'``) or by bids."""
    wins = func.sum(case((TenderReportBid.won.is_(True), 1), else_=0))
    bids = func.count()
    stmt = (
        select(Vendor.id, Vendor.company_name, bids.label('bids'), wins.label('wins'))
        .select_from(TenderReportBid)
        .join(R, R.tender_id == TenderReportBid.tender_id)
        .join(Vendor, Vendor.id == TenderReportBid.vendor_id)
        .where(*clauses)
        .group_by(Vendor.id, Vendor.company_name)
    )
    first, second = (wins, bids) if by == 'wins' else (bids, wins)
    if by == 'wins':
        stmt = stmt.having(wins > 0)
    stmt = stmt.order_by(first.desc(), second.desc(), Vendor.company_name, Vendor.id)
    if limit is not None:
        stmt = stmt.limit(limit)
    rows = [
        {
            'vendor_id': r.id,
            'vendor': r.company_name,
            'bids': r.bids,
            'wins': int(r.wins),
            'label': r.company_name,
        }
        for r in db.session.execute(stmt)
    ]
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


def table(key, filters: Filters, scope, *, now, limit=LIST_LIMIT) -> Table:
    """One figure by its key (``limit`` None: every listed tender, for the downloads)."""
    current = where(filters, scope)
    builders = {
        'stages': lambda: stages(current, now),
        'outcomes': lambda: outcomes(current),
        'savings': lambda: savings(current, limit),
        'bidders': lambda: bidders(current, now),
        'durations': lambda: durations(current),
        'ended': lambda: ended(where(filters, scope, current=False), limit),
        'objections': lambda: objections(current),
        'vendor_wins': lambda: vendors(current, by='wins', limit=limit and VENDOR_LIMIT),
        'vendor_bids': lambda: vendors(current, by='bids', limit=limit and VENDOR_LIMIT),
    }
    return builders[key]()


def all_tables(filters: Filters, scope, *, now, limit=LIST_LIMIT) -> list[Table]:
    return [table(k, filters, scope, now=now, limit=limit) for k in TABLES]
