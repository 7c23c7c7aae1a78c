"""Red flags as auditors see them: a tender's flags with their rule and evidence (computed on
demand from lpse.redflags.facts), an agency's tenders ranked by their flags (as stored by
lpse.redflags.store)."""

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import contains_eager

from lpse.bids.models import Bid
from lpse.extensions import db
from lpse.redflags import dismissals, network, rules
from lpse.redflags import facts as facts_mod
from lpse.redflags.catalog import RULES
from lpse.redflags.models import RedFlagMark, RedFlagSummary
from lpse.tenders.models import Tender


@dataclass(frozen=True)
class TenderReport:
    tender: Tender
    facts: rules.TenderFacts
    flags: list[rules.Flag]
    names: dict[int, str]  # vendor id -> company name
    log_seqs: dict[int, int]  # bid id -> audit seq of its upload
    dismissed: dict[str, dict]  # evidence key -> its logged dismissal

    def key(self, flag, evidence) -> str:
        return dismissals.evidence_key(flag.rule, evidence)

    @property
    def keys(self) -> dict[str, str]:
        """evidence key -> rule of every piece of evidence."""
        return {self.key(f, e): f.rule for f in self.flags for e in f.evidence}

    @property
    def standing(self) -> list[rules.Flag]:
        """The flags with at least one piece of evidence not dismissed."""
        return [
            f for f in self.flags if any(self.key(f, e) not in self.dismissed for e in f.evidence)
        ]

    @property
    def weight(self) -> int:
        return sum(RULES[f.rule].weight for f in self.standing)


def vendor_names(ids) -> dict[int, str]:
    from lpse.vendors.models import Vendor

    if not ids:
        return {}
    rows = db.session.execute(select(Vendor.id, Vendor.company_name).where(Vendor.id.in_(ids)))
    return dict(rows.all())


def tender_report(tender: Tender, now) -> TenderReport:
    facts = facts_mod.tender_facts(tender, now)
    flags = rules.evaluate(facts)
    vendor_ids = {v for f in flags for e in f.evidence for v in e.vendors}
    bid_ids = {b for f in flags for e in f.evidence for b in e.bids}
    seqs = {}
    if bid_ids:
        seqs = dict(
            db.session.execute(select(Bid.id, Bid.audit_seq).where(Bid.id.in_(bid_ids))).all()
        )
    return TenderReport(
        tender, facts, flags, vendor_names(vendor_ids), seqs, dismissals.dismissed(tender)
    )


@dataclass(frozen=True)
class AgencyReport:
    """An agency's tenders as the flags were last stored (lpse.redflags.store), and the
    rotation of its wins (computed from the stored bidders and winners)."""

    summaries: list  # RedFlagSummary of every current tender of the agency
    rotation: list[rules.Flag]
    names: dict[int, str]  # every bidder's and rotation vendor's company name
    computed_at: object  # when the flags were last refreshed (None: never)

    @property
    def flagged(self) -> list:
        """The flagged tenders, most flags first, then the heaviest."""
        return sorted(
            (s for s in self.summaries if s.flag_count),
            key=lambda s: (-s.flag_count, -s.weight, s.tender.code),
        )

    @property
    def bidder_groups(self) -> list[set[int]]:
        return [s.bidder_ids for s in self.summaries]

    @property
    def edges(self) -> list[tuple[int, int, str]]:
        stored = {e for s in self.summaries for e in s.edge_list}
        return sorted(stored | set(network.edges_from_flags(self.rotation)))


def agency_report(agency_id) -> AgencyReport:
    summaries = db.session.scalars(
        select(RedFlagSummary)
        .join(Tender, Tender.id == RedFlagSummary.tender_id)
        .where(RedFlagSummary.agency_id == agency_id, Tender.superseded.is_(False))
        .order_by(Tender.id)
        .options(contains_eager(RedFlagSummary.tender))
    ).all()
    awards = [
        rules.AwardFact(s.tender.code, frozenset(s.bidder_ids), s.winner_vendor_id)
        for s in summaries
        if s.winner_vendor_id is not None
    ]
    rotation = rules.rotation(awards)
    ids = {v for f in rotation for e in f.evidence for v in e.vendors}
    ids |= {v for s in summaries for v in s.bidder_ids}
    return AgencyReport(summaries, rotation, vendor_names(ids), RedFlagMark.last_run())


def as_json(report: TenderReport) -> dict:
    """The API form of a tender's flags (documented in lpse.redflags.api_docs)."""
    return {
        'tender': report.tender.code,
        'version': report.tender.version,
        'weight': report.weight,
        'flags': [
            {
                'rule': flag.rule,
                'weight': RULES[flag.rule].weight,
                'description': str(RULES[flag.rule].description),
                'source': RULES[flag.rule].source,
                'evidence': [
                    {
                        'kind': e.kind,
                        'value': e.value,
                        'vendors': [{'id': v, 'name': report.names.get(v, '')} for v in e.vendors],
                        'bids': [{'id': b, 'audit_seq': report.log_seqs.get(b)} for b in e.bids],
                        'tenders': list(e.tenders),
                        'times': [t.isoformat() for t in e.times],
                        'key': report.key(flag, e),
                        'dismissed': _dismissal(report.dismissed.get(report.key(flag, e))),
                    }
                    for e in flag.evidence
                ],
            }
            for flag in report.flags
        ],
    }


def _dismissal(row) -> dict | None:
    if row is None:
        return None
    return {
        'reason': row['reason'],
        'by': row['actor_id'],
        'at': row['at'].isoformat(),
        'audit_seq': row['seq'],
    }
