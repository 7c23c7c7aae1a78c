"""The report rows' totals per filter combination (`tender_report_sum`,
`tender_report_vendor_sum`), so that a page without a work-unit or HPS filter adds a few
thousand totals instead of scanning every row. The store re-sums the (agency, year) slices of
the rows it rebuilds, in the same transaction, so the totals never lag the rows; a work-unit or
HPS filter, or a scope of single tenders, reads the rows (lpse.auditor.reports.figures).

The one figure that moves with the clock, the tenders past their bid deadline, is summed as of
`TenderReportMark.summed_at` and corrected at read time by the rows whose deadline lies between
that moment and now (an index range; the clock's refresh moves `summed_at` forward and re-sums
the slices of the tenders whose deadline passed, so the range stays a few minutes wide)."""

from collections import defaultdict

from sqlalchemy import case, delete, func, insert, select

from lpse.agencies.models import Agency
from lpse.auditor.reports.filters import Filters
from lpse.auditor.reports.models import (
    TenderReportBid,
    TenderReportMark,
    TenderReportRow,
    TenderReportSum,
    TenderReportVendorSum,
)
from lpse.extensions import db

R, B = TenderReportRow, TenderReportBid
S, V = TenderReportSum, TenderReportVendorSum
SLICE = ('agency_id', 'fiscal_year', 'category', 'selection_method', 'status', 'superseded')
GROUPS = ('superseded', 'outcome', 'status', 'bidder_count')


def _row_totals(at):
    """Totals of the rows per filter combination and group, the deadline as of ``at``."""
    keys = [getattr(R, k) for k in (*SLICE, 'outcome', 'bidder_count')]
    priced = R.winning_price.is_not(None)
    values = {
        'tenders': func.count(),
        'closed': func.count(case((R.bid_deadline <= at, 1))),
        'priced': func.count(R.winning_price),
        'hps': func.coalesce(func.sum(case((priced, R.hps))), 0),
        'price': func.coalesce(func.sum(R.winning_price), 0),
        'filed': func.coalesce(func.sum(R.objections_filed), 0),
        'accepted': func.coalesce(func.sum(R.objections_accepted), 0),
        'objected': func.count(case((R.objections_filed > 0, 1))),
        'award_n': func.count(R.days_to_award),
        'award_sum': func.coalesce(func.sum(R.days_to_award), 0),
        'award_min': func.min(R.days_to_award),
        'award_max': func.max(R.days_to_award),
        'contract_n': func.count(R.days_to_contract),
        'contract_sum': func.coalesce(func.sum(R.days_to_contract), 0),
        'contract_min': func.min(R.days_to_contract),
        'contract_max': func.max(R.days_to_contract),
    }
    stmt = select(*keys, *values.values()).group_by(*keys)
    return [c.key for c in keys] + list(values), stmt


def _bid_totals():
    keys = [getattr(B, k) for k in (*SLICE, 'vendor_id')]
    stmt = select(*keys, func.count(), func.count(case((B.won.is_(True), 1)))).group_by(*keys)
    return [c.key for c in keys] + ['bids', 'wins'], stmt


def _sum(where_rows, where_bids, where_sums, where_vendor_sums, at) -> None:
    db.session.execute(delete(S).where(*where_sums))
    db.session.execute(delete(V).where(*where_vendor_sums))
    names, stmt = _row_totals(at)
    db.session.execute(insert(S).from_select(names, stmt.where(*where_rows)))
    names, stmt = _bid_totals()
    db.session.execute(insert(V).from_select(names, stmt.where(*where_bids)))


def sum_all(mark: TenderReportMark, *, at) -> None:
    """Sum every row afresh as of ``at``; flushes."""
    _sum([], [], [], [], at)
    mark.summed_at = at
    db.session.flush()


def resum(slices, mark: TenderReportMark) -> None:
    """Re-sum the (agency, year) slices whose rows changed, as of the mark's moment (nothing
    when the totals were never summed: the next refresh sums them all)."""
    if mark.summed_at is None:
        return
    years = defaultdict(set)
    for agency_id, year in slices:
        years[agency_id].add(year)
    for agency_id, chosen in sorted(years.items()):
        chosen = sorted(chosen)
        _sum(
            *([m.agency_id == agency_id, m.fiscal_year.in_(chosen)] for m in (R, B, S, V)),
            mark.summed_at,
        )
    db.session.flush()


def slices_of(ids) -> set[tuple[int, int]]:
    """The (agency, year) slices the rows of these tenders lie in now."""
    stmt = select(R.agency_id, R.fiscal_year).where(R.tender_id.in_(ids)).distinct()
    return {(agency_id, year) for agency_id, year in db.session.execute(stmt)}


def summed_at(filters: Filters, scope):
    """The moment the totals hold for, when they can answer these filters and scope (else
    None: read the rows)."""
    if (
        filters.work_unit is not None
        or filters.hps_min is not None
        or filters.hps_max is not None
        or scope.tender_codes
    ):
        return None
    return db.session.scalar(select(TenderReportMark.summed_at).where(TenderReportMark.id == 1))


def where(filters: Filters, scope, model) -> list:
    """The scope and filters as clauses on a totals table (no work unit, no HPS range)."""
    clauses = []
    if not scope.national:
        clauses.append(model.agency_id.in_(sorted(scope.agency_ids)))
    if filters.agency:
        clauses.append(
            model.agency_id
            == select(Agency.id).where(Agency.code == filters.agency).scalar_subquery()
        )
    for column, value in (
        (model.fiscal_year, filters.year),
        (model.category, filters.category),
        (model.selection_method, filters.method),
        (model.status, filters.status),
    ):
        if value is not None:
            clauses.append(column == value)
    return clauses


def aggregate(filters: Filters, scope, row_clauses, *, now, at) -> list[tuple]:
    """The figures' aggregate (the columns of `figures.aggregate`, in its order) from the
    totals, with the deadlines passed between ``at`` and ``now`` counted from the rows."""
    stmt = (
        select(
            *(getattr(S, k) for k in GROUPS),
            func.sum(S.closed),
            func.sum(S.tenders),
            func.sum(S.priced),
            func.sum(S.hps),
            func.sum(S.price),
            func.sum(S.filed),
            func.sum(S.accepted),
            func.sum(S.objected),
            func.sum(S.award_n),
            func.sum(S.award_sum),
            func.min(S.award_min),
            func.max(S.award_max),
            func.sum(S.contract_n),
            func.sum(S.contract_sum),
            func.min(S.contract_min),
            func.max(S.contract_max),
        )
        .where(*where(filters, scope, S))
        .group_by(*(getattr(S, k) for k in GROUPS))
    )
    groups = [list(row) for row in db.session.execute(stmt)]
    if now != at:
        low, high, sign = (at, now, 1) if now > at else (now, at, -1)
        moved = dict(_passed(row_clauses, low, high))
        for values in groups:
            values[4] = int(values[4]) + sign * moved.get(_group(values), 0)
    return [tuple(v) for v in groups]


def _group(values) -> tuple:
    return bool(values[0]), values[1], values[2], int(values[3])


def _passed(row_clauses, low, high):
    """Rows per group whose bid deadline lies in (low, high]."""
    keys = [getattr(R, k) for k in GROUPS]
    stmt = (
        select(*keys, func.count())
        .where(*row_clauses, R.bid_deadline > low, R.bid_deadline <= high)
        .group_by(*keys)
    )
    for row in db.session.execute(stmt):
        yield _group(row), row[4]


def vendor_counts(filters: Filters, scope):
    """Bids and wins per vendor among current versions, from the totals (a subquery with the
    columns vendor_id, bids, wins)."""
    return (
        select(V.vendor_id, func.sum(V.bids).label('bids'), func.sum(V.wins).label('wins'))
        .where(V.superseded.is_(False), *where(filters, scope, V))
        .group_by(V.vendor_id)
        .subquery()
    )
