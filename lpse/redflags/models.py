"""The red flags as last computed, one row per tender (what an agency's page and network read),
and the mark up to which the log has been looked at for changes (lpse.redflags.store)."""

import json
from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lpse.extensions import db
from lpse.types import UTCDateTime


class RedFlagSummary(db.Model):
    """A tender's flags at ``computed_at``: counts and weights of the standing flags (evidence
    not dismissed), the vendor pairs each flag names (the network's red edges), the bidders
    once the deadline passed and the winner once decided (co-bidding and rotation)."""

    __tablename__ = 'red_flag_summary'
    __table_args__ = (Index('ix_red_flag_summary_agency_rank', 'agency_id', 'flag_count'),)

    tender_id: Mapped[int] = mapped_column(
        ForeignKey('tender.id'), primary_key=True, autoincrement=False
    )
    agency_id: Mapped[int] = mapped_column(ForeignKey('agency.id'))
    flag_count: Mapped[int] = mapped_column(Integer)
    weight: Mapped[int] = mapped_column(Integer)
    rules: Mapped[str] = mapped_column(String(500))  # space-separated rule ids, standing ones
    edges: Mapped[str] = mapped_column(Text)  # JSON [[vendor a, vendor b, rule], …]
    bidders: Mapped[str] = mapped_column(Text)  # JSON [vendor id, …] (after the deadline)
    winner_vendor_id: Mapped[int | None] = mapped_column(Integer)
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    basis_seq: Mapped[int] = mapped_column(BigInteger)  # the log's last seq the inputs saw

    tender = relationship('Tender')

    @property
    def rule_ids(self) -> list[str]:
        return self.rules.split()

    @property
    def edge_list(self) -> list[tuple[int, int, str]]:
        return [tuple(e) for e in json.loads(self.edges)]

    @property
    def bidder_ids(self) -> set[int]:
        return set(json.loads(self.bidders))


class RedFlagMark(db.Model):
    """One row: the log seq and the time up to which changes were looked for."""

    __tablename__ = 'red_flag_mark'

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    last_seq: Mapped[int] = mapped_column(BigInteger)
    last_run_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @staticmethod
    def last_run() -> datetime | None:
        mark = db.session.get(RedFlagMark, 1)
        return mark.last_run_at if mark is not None else None


class OpenedPdfMeta(db.Model):
    """The document-information fields of an opened envelope's PDF attachments, as RF-META-PDF
    reads them (lpse.redflags.pdfmeta): kept by the flags' refresh so that reading a tender's
    flags later (its page, the API, the audit bundle) never decrypts its envelopes again. An
    opened envelope never changes; the envelope's SHA-256 guards against a reused row id."""

    __tablename__ = 'red_flag_pdf_meta'

    opened_bid_id: Mapped[int] = mapped_column(
        ForeignKey('opened_bid.id'), primary_key=True, autoincrement=False
    )
    envelope_sha256: Mapped[str] = mapped_column(String(64))
    fields: Mapped[str] = mapped_column(Text)  # JSON [[file name, [[field, value], …]], …]
