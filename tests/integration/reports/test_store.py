"""The stored report rows from a tender that went the real way (bids, opening, evaluation,
announcement, a rejected objection, the SPPBJ): what the row holds, and that the clock's
refresh rebuilds exactly the tenders whose log moved, and their sums with them."""

from datetime import UTC, datetime, timedelta

from bundle.conftest import (  # noqa: F401 — the bundle tests' awarded tender and its cast
    _reused_tender_keys,
    app_config,
    as_user,
    bidder,
    cast,
    create_tender,
    journey,
    other_agency,
    pokja,
    rival,
    token,
)
from sqlalchemy import func, select

from lpse import audit, clock
from lpse.auditor.reports import figures, store
from lpse.auditor.reports.filters import Filters
from lpse.auditor.reports.models import TenderReportBid, TenderReportMark, TenderReportRow
from lpse.auth.scope import NATIONAL
from lpse.evaluation.objection_models import AwardLetter
from lpse.extensions import db
from lpse.tenders.models import Tender
from lpse.vendors.models import Vendor


def figures_both_ways(now):
    """Every figure (national, unfiltered) from the rows' sums, and from the rows alone."""
    mark = db.session.get(TenderReportMark, 1)
    assert mark.summed_at is not None
    summed = [t.as_json() for t in figures.all_tables(Filters(), NATIONAL, now=now)]
    at, mark.summed_at = mark.summed_at, None
    rows = [t.as_json() for t in figures.all_tables(Filters(), NATIONAL, now=now)]
    mark.summed_at = at
    return summed, rows


def outcome_counts(tables):
    return {r['outcome']: r['tenders'] for r in tables[1]['rows']}


def vendor_of(user) -> int:
    return db.session.scalar(select(Vendor.id).where(Vendor.user_id == user.id))


def test_days_are_calendar_days_in_the_tenders_zone():
    late = datetime(2026, 1, 1, 16, 30, tzinfo=UTC)  # 23:30 WIB on 1 January
    early = datetime(2026, 1, 1, 17, 30, tzinfo=UTC)  # 00:30 WIB on 2 January
    assert store.days_between(late, early, 'Asia/Jakarta') == 1
    assert store.days_between(late, early, 'UTC') == 0
    assert store.days_between(late, None, 'Asia/Jakarta') is None


def test_the_row_of_an_awarded_tender(journey):  # noqa: F811
    tender, winner_user, loser_user = journey
    assert store.refresh(now=clock.now()) >= 1
    row = db.session.get(TenderReportRow, tender.id)
    award = db.session.scalar(select(AwardLetter).where(AwardLetter.tender_id == tender.id))
    assert row.outcome == 'awarded' and row.status == 'published' and not row.superseded
    assert row.hps == tender.hps and row.winning_price == award.amount
    assert row.winner_vendor_id == vendor_of(winner_user) == award.vendor_id
    assert row.bidder_count == 2
    bids = db.session.scalars(
        select(TenderReportBid).where(TenderReportBid.tender_id == tender.id)
    ).all()
    assert {(b.vendor_id, b.won) for b in bids} == {
        (vendor_of(winner_user), True),
        (vendor_of(loser_user), False),
    }
    assert (row.objections_filed, row.objections_accepted) == (1, 0)
    assert row.awarded_at == tender.award_issued_at and row.contract_signed_at is None
    assert row.days_to_award is not None and row.days_to_award >= 0
    assert row.days_to_contract is None

    assert store.refresh(now=clock.now()) == 0  # nothing moved since
    now = clock.now()
    before, from_rows = figures_both_ways(now)
    assert before == from_rows and outcome_counts(before)['awarded'] >= 1
    awarded = outcome_counts(before)['awarded']
    tender.status, tender.end_reason = 'cancelled', 'Uji pembatalan'
    audit.record('tender.cancelled', tender, actor=None, now=clock.now())
    db.session.commit()
    assert store.refresh(now=clock.now()) == 1
    db.session.expire_all()
    row = db.session.get(TenderReportRow, tender.id)
    assert row.outcome == 'cancelled' and row.end_reason == 'Uji pembatalan'
    # The sums moved with the row: no stale figure after the refresh.
    after, from_rows = figures_both_ways(now)
    assert after == from_rows
    assert outcome_counts(after).get('awarded', 0) == awarded - 1
    assert outcome_counts(after)['cancelled'] == outcome_counts(before).get('cancelled', 0) + 1


def test_the_command_rebuilds_every_row(app, journey):  # noqa: F811
    tender = journey[0]
    result = app.test_cli_runner().invoke(args=['lpse', 'reports-refresh', '--all'])
    assert result.exit_code == 0, result.output
    count = db.session.scalar(select(func.count()).select_from(TenderReportRow))
    assert (
        f'report rows: {db.session.scalar(select(func.count(Tender.id)))} tender' in result.output
    )
    assert count >= 1 and db.session.get(TenderReportRow, tender.id).outcome == 'awarded'
    again = app.test_cli_runner().invoke(args=['lpse', 'reports-refresh'])
    assert again.output == 'report rows: 0 tender(s) rebuilt\n'
    summed, from_rows = figures_both_ways(clock.now())
    assert summed == from_rows and outcome_counts(summed)['awarded'] >= 1


def test_totals_summed_for_another_moment_are_summed_afresh(journey):  # noqa: F811
    """A refresh at a moment before the totals' (a clock set back) sums them all again."""
    now = clock.now()
    store.refresh(now=now)
    earlier = now - timedelta(days=400)  # before every bid deadline
    store.refresh(now=earlier)
    assert db.session.get(TenderReportMark, 1).summed_at == earlier
    summed, from_rows = figures_both_ways(earlier)
    assert summed == from_rows
    assert summed[3]['totals']['tenders'] == 0  # bidders: no deadline had passed
