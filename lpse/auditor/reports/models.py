"""The per-tender summary the reports aggregate, kept fresh by lpse.auditor.reports.store: one
row per published tender version (a retendered version stays, marked superseded), one row per
(tender, bidding vendor), their totals per filter combination (lpse.auditor.reports.sums), and
the log mark up to which changes were looked at."""

from datetime import datetime
from decimal import Decimal

from sqlalchemy import BigInteger, Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from lpse.extensions import db
from lpse.types import UTCDateTime

MONEY = db.Numeric(20, 2)
TOTAL = db.Numeric(24, 2)  # a sum of amounts


class TenderReportRow(db.Model):
    """What the reports read of one tender: its filter columns, outcome, HPS and winning price,
    bidder count, milestone dates and day counts, objections and why it ended."""

    __tablename__ = 'tender_report_row'
    __table_args__ = (
        Index('ix_tender_report_row_agency_year', 'agency_id', 'fiscal_year'),
        Index('ix_tender_report_row_year', 'fiscal_year'),
        Index('ix_tender_report_row_hps', 'hps'),
        # The deadlines passed since the totals were summed (lpse.auditor.reports.sums).
        Index('ix_tender_report_row_deadline', 'bid_deadline'),
        # The one aggregate pass reads this index alone (every column it groups or sums).
        Index(
            'ix_tender_report_row_figures',
            'superseded',
            'outcome',
            'status',
            'bidder_count',
            'bid_deadline',
            'hps',
            'winning_price',
            'objections_filed',
            'objections_accepted',
            'days_to_award',
            'days_to_contract',
            # the filters, so that a filtered pass reads the index alone too
            'agency_id',
            'fiscal_year',
            'category',
            'selection_method',
            'work_unit_id',
        ),
    )

    tender_id: Mapped[int] = mapped_column(
        ForeignKey('tender.id'), primary_key=True, autoincrement=False
    )
    code: Mapped[str] = mapped_column(String(40), index=True)
    version: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(300))
    agency_id: Mapped[int] = mapped_column(ForeignKey('agency.id'))
    work_unit_id: Mapped[int | None] = mapped_column(Integer)
    fiscal_year: Mapped[int] = mapped_column(Integer)
    category: Mapped[str] = mapped_column(String(30))
    selection_method: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20))
    superseded: Mapped[bool] = mapped_column(Boolean, default=False)
    # Where the recorded milestones put it: running, decided, awarded, contracted, completed,
    # failed, cancelled (the schedule-derived stage comes from the stage index at read time).
    outcome: Mapped[str] = mapped_column(String(20))
    hps: Mapped[Decimal] = mapped_column(MONEY)
    winning_price: Mapped[Decimal | None] = mapped_column(MONEY)
    winner_vendor_id: Mapped[int | None] = mapped_column(Integer)
    bidder_count: Mapped[int] = mapped_column(Integer, default=0)
    bid_deadline: Mapped[datetime | None] = mapped_column(UTCDateTime)
    announced_at: Mapped[datetime] = mapped_column(UTCDateTime)
    awarded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    contract_signed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    days_to_award: Mapped[int | None] = mapped_column(Integer)
    days_to_contract: Mapped[int | None] = mapped_column(Integer)
    objections_filed: Mapped[int] = mapped_column(Integer, default=0)
    objections_accepted: Mapped[int] = mapped_column(Integer, default=0)
    end_reason: Mapped[str | None] = mapped_column(Text)
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime)


class TenderReportBid(db.Model):
    """A vendor that bid in a tender (current bids) and whether it won it, with the tender's
    filter columns copied so the vendor figures read this table alone (no join per bid)."""

    __tablename__ = 'tender_report_bid'
    __table_args__ = (
        # The vendor figures' scan: every current bid, grouped by vendor, without the table.
        # (with the filter columns, so a filtered pass reads the index alone too)
        Index(
            'ix_tender_report_bid_vendor_totals',
            'superseded',
            'vendor_id',
            'won',
            'agency_id',
            'fiscal_year',
            'category',
            'selection_method',
            'status',
            'work_unit_id',
            'hps',
        ),
        # One agency (an inspectorate's scope): its range only.
        Index('ix_tender_report_bid_agency', 'agency_id', 'superseded', 'vendor_id', 'won'),
        # Summing one (agency, year) slice (lpse.auditor.reports.sums): its range, in order.
        Index(
            'ix_tender_report_bid_slice',
            'agency_id',
            'fiscal_year',
            'category',
            'selection_method',
            'status',
            'superseded',
            'vendor_id',
            'won',
        ),
    )

    tender_id: Mapped[int] = mapped_column(
        ForeignKey('tender.id'), primary_key=True, autoincrement=False
    )
    vendor_id: Mapped[int] = mapped_column(
        ForeignKey('vendor.id'), primary_key=True, autoincrement=False
    )
    won: Mapped[bool] = mapped_column(Boolean, default=False)
    code: Mapped[str] = mapped_column(String(40))
    agency_id: Mapped[int] = mapped_column(Integer)
    work_unit_id: Mapped[int | None] = mapped_column(Integer)
    fiscal_year: Mapped[int] = mapped_column(Integer)
    category: Mapped[str] = mapped_column(String(30))
    selection_method: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20))
    superseded: Mapped[bool] = mapped_column(Boolean, default=False)
    hps: Mapped[Decimal] = mapped_column(MONEY)


class TenderReportSum(db.Model):
    """The report rows of one filter combination (agency, year, category, method, status) and
    one group the figures tell apart (superseded, outcome, bidder count), counted and summed:
    the figures add a few thousand of these instead of every row. ``closed`` counts the rows
    whose bid deadline had passed at `TenderReportMark.summed_at`."""

    __tablename__ = 'tender_report_sum'

    agency_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    fiscal_year: Mapped[int] = mapped_column(Integer, primary_key=True)
    category: Mapped[str] = mapped_column(String(30), primary_key=True)
    selection_method: Mapped[str] = mapped_column(String(20), primary_key=True)
    status: Mapped[str] = mapped_column(String(20), primary_key=True)
    superseded: Mapped[bool] = mapped_column(Boolean, primary_key=True)
    outcome: Mapped[str] = mapped_column(String(20), primary_key=True)
    bidder_count: Mapped[int] = mapped_column(Integer, primary_key=True)
    tenders: Mapped[int] = mapped_column(Integer)
    closed: Mapped[int] = mapped_column(Integer)
    priced: Mapped[int] = mapped_column(Integer)
    hps: Mapped[Decimal] = mapped_column(TOTAL)  # of the priced rows
    price: Mapped[Decimal] = mapped_column(TOTAL)
    filed: Mapped[int] = mapped_column(Integer)
    accepted: Mapped[int] = mapped_column(Integer)
    objected: Mapped[int] = mapped_column(Integer)
    award_n: Mapped[int] = mapped_column(Integer)
    award_sum: Mapped[int] = mapped_column(BigInteger)
    award_min: Mapped[int | None] = mapped_column(Integer)
    award_max: Mapped[int | None] = mapped_column(Integer)
    contract_n: Mapped[int] = mapped_column(Integer)
    contract_sum: Mapped[int] = mapped_column(BigInteger)
    contract_min: Mapped[int | None] = mapped_column(Integer)
    contract_max: Mapped[int | None] = mapped_column(Integer)


class TenderReportVendorSum(db.Model):
    """A vendor's bids and wins in one filter combination, summed from the bid rows."""

    __tablename__ = 'tender_report_vendor_sum'
    __table_args__ = (
        # The vendor figures' scan: grouped by vendor in the index's order, without the table.
        Index(
            'ix_tender_report_vendor_sum_vendor',
            'superseded',
            'vendor_id',
            'bids',
            'wins',
            'agency_id',
            'fiscal_year',
            'category',
            'selection_method',
            'status',
        ),
    )

    agency_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    fiscal_year: Mapped[int] = mapped_column(Integer, primary_key=True)
    category: Mapped[str] = mapped_column(String(30), primary_key=True)
    selection_method: Mapped[str] = mapped_column(String(20), primary_key=True)
    status: Mapped[str] = mapped_column(String(20), primary_key=True)
    superseded: Mapped[bool] = mapped_column(Boolean, primary_key=True)
    vendor_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    bids: Mapped[int] = mapped_column(Integer)
    wins: Mapped[int] = mapped_column(Integer)


class TenderReportMark(db.Model):
    """One row: the log seq up to which tender changes were folded into the rows, and the
    moment the totals were summed for (None: not summed yet, the figures read the rows)."""

    __tablename__ = 'tender_report_mark'

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    last_seq: Mapped[int] = mapped_column(BigInteger)
    last_run_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    summed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
