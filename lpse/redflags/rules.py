"""The collusion red-flag rules (docs/RED_FLAGS.md): one small pure function per rule, over plain
facts (lpse.redflags.facts builds them from the database), each returning the flags it finds
with their evidence. Indicators for auditors, never verdicts.

Nothing here decides what may be seen: the facts handed in are already limited to what the
moment allows (no bid before the deadline, no bid content before its opening)."""

import ipaddress
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from itertools import combinations

# Thresholds, one home each.
NEAR_DEADLINE = timedelta(hours=2)
CLOSE_INTERVAL = timedelta(seconds=60)
SAME_UNIT_PRICE_LINES = 3
HPS_BAND = Decimal('0.01')
COVER_BAND = Decimal('0.05')
ROTATION_MIN_TENDERS = 3
ROTATION_MIN_GROUP = 3


@dataclass(frozen=True)
class BidFact:
    bid_id: int
    vendor_id: int
    received_at: datetime
    ip: str | None = None
    user_agent: str | None = None


@dataclass(frozen=True)
class VendorFact:
    vendor_id: int
    name: str
    # kind -> values (phone, email, address, npwp, director_nik, director_name); normalised.
    attributes: dict[str, tuple[str, ...]] = field(default_factory=dict)


@dataclass(frozen=True)
class OpenedFact:
    """An opened envelope's content (only after its opening)."""

    bid_id: int
    vendor_id: int
    total: Decimal | None = None
    unit_prices: dict[str, str] = field(default_factory=dict)  # BoQ item -> unit price
    attachments: tuple[tuple[str, str], ...] = ()  # (file name, sha256)
    pdf_meta: tuple[tuple[str, tuple[tuple[str, str], ...]], ...] = ()  # (file, fields)


@dataclass(frozen=True)
class TenderFacts:
    code: str
    hps: Decimal
    published_at: datetime | None = None
    deadline: datetime | None = None
    min_bid_window: timedelta | None = None
    # (changed_at, old deadline, new deadline) of every bid-submission schedule change
    deadline_changes: tuple[tuple[datetime, datetime, datetime], ...] = ()
    bids: tuple[BidFact, ...] = ()  # current bids, only once the deadline has passed
    vendors: dict[int, VendorFact] = field(default_factory=dict)
    opened: tuple[OpenedFact, ...] = ()
    admin_failed: frozenset[int] = frozenset()  # vendor ids failing administration
    winner_vendor_id: int | None = None


@dataclass(frozen=True)
class AwardFact:
    """One decided tender of an agency: who bid, who won."""

    code: str
    bidders: frozenset[int]
    winner_vendor_id: int


@dataclass(frozen=True)
class Evidence:
    vendors: tuple[int, ...]
    bids: tuple[int, ...] = ()
    kind: str = ''  # what is shared / measured (e.g. 'ip', 'phone', 'unit_price')
    value: str = ''  # already masked where it is personal data
    tenders: tuple[str, ...] = ()
    times: tuple[datetime, ...] = ()  # shown in the agency's zone


@dataclass(frozen=True)
class Flag:
    rule: str
    evidence: tuple[Evidence, ...]


def mask(value: str) -> str:
    """Personal data shown to an auditor as a recognisable stub: 08******12."""
    value = str(value)
    if len(value) <= 4:
        return '*' * len(value)
    keep = 2 if len(value) < 12 else 3
    return value[:keep] + '*' * (len(value) - 2 * keep) + value[-keep:]


def mask_ip(ip: str) -> str:
    """An address by its network: 10.1.2.x (IPv4) or the /48 (IPv6)."""
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return mask(ip)
    if address.version == 4:
        return '.'.join(ip.split('.')[:3]) + '.x'
    return str(ipaddress.ip_network(f'{ip}/48', strict=False))


def _network(ip: str) -> str | None:
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return None
    prefix = 24 if address.version == 4 else 64
    return str(ipaddress.ip_network(f'{ip}/{prefix}', strict=False))


def _groups(bids, key) -> list[tuple[str, list[BidFact]]]:
    """Bids grouped by ``key`` where the group spans two or more vendors."""
    groups = defaultdict(list)
    for bid in bids:
        value = key(bid)
        if value:
            groups[value].append(bid)
    return [
        (value, group)
        for value, group in sorted(groups.items())
        if len({b.vendor_id for b in group}) > 1
    ]


def _bid_evidence(group, kind, value) -> Evidence:
    return Evidence(
        vendors=tuple(sorted({b.vendor_id for b in group})),
        bids=tuple(sorted(b.bid_id for b in group)),
        kind=kind,
        value=value,
    )


def _flag(rule, evidence) -> list[Flag]:
    return [Flag(rule, tuple(evidence))] if evidence else []


def same_ip(facts: TenderFacts) -> list[Flag]:
    """RF-IP-SAMA: bids of different vendors sent from one IP address."""
    groups = _groups(facts.bids, lambda b: b.ip)
    return _flag('RF-IP-SAMA', [_bid_evidence(g, 'ip', mask_ip(ip)) for ip, g in groups])


def same_device_range(facts: TenderFacts) -> list[Flag]:
    """RF-PERANGKAT: the same user agent from the same /24 network (not the same IP)."""
    groups = _groups(
        facts.bids,
        lambda b: b.user_agent and b.ip and _network(b.ip) and f'{_network(b.ip)}|{b.user_agent}',
    )
    evidence = [
        _bid_evidence(
            group, 'network+user_agent', f'{key.split("|")[0]} · {key[key.index("|") + 1 :][:60]}'
        )
        for key, group in groups
        if len({b.ip for b in group}) > 1
    ]
    return _flag('RF-PERANGKAT', evidence)


def close_in_time(facts: TenderFacts) -> list[Flag]:
    """RF-WAKTU-RAPAT: bids of different vendors within seconds of each other near the deadline."""
    if facts.deadline is None:
        return []
    late = sorted(
        (
            b
            for b in facts.bids
            if facts.deadline - NEAR_DEADLINE <= b.received_at <= facts.deadline
        ),
        key=lambda b: b.received_at,
    )
    evidence, run = [], []
    for bid in [*late, None]:
        if bid is not None and run and bid.received_at - run[-1].received_at <= CLOSE_INTERVAL:
            run.append(bid)
            continue
        if len({b.vendor_id for b in run}) > 1:
            gap = int((run[-1].received_at - run[0].received_at).total_seconds())
            evidence.append(_bid_evidence(run, 'seconds', str(gap)))
        run = [bid] if bid is not None else []
    return _flag('RF-WAKTU-RAPAT', evidence)


def shared_identity(facts: TenderFacts) -> list[Flag]:
    """RF-DATA-SAMA: bidding vendors sharing a director, a person's NIK/NPWP, phone, e-mail,
    address or bank account."""
    bidders = {b.vendor_id for b in facts.bids} | {o.vendor_id for o in facts.opened}
    owners = defaultdict(set)
    for vendor_id in bidders:
        vendor = facts.vendors.get(vendor_id)
        for kind, values in (vendor.attributes if vendor else {}).items():
            for value in values:
                if value:
                    owners[(kind, value)].add(vendor_id)
    evidence = [
        Evidence(vendors=tuple(sorted(ids)), kind=kind, value=mask(value))
        for (kind, value), ids in sorted(owners.items())
        if len(ids) > 1
    ]
    return _flag('RF-DATA-SAMA', evidence)


def _shared_across(opened, values_of, kind, show) -> list[Evidence]:
    holders = defaultdict(set)
    for bid in opened:
        for value in values_of(bid):
            holders[value].add((bid.vendor_id, bid.bid_id))
    evidence = []
    for value, pairs in sorted(holders.items()):
        if len({v for v, _ in pairs}) > 1:
            evidence.append(
                Evidence(
                    vendors=tuple(sorted({v for v, _ in pairs})),
                    bids=tuple(sorted({b for _, b in pairs})),
                    kind=kind,
                    value=show(value),
                )
            )
    return evidence


def same_file(facts: TenderFacts) -> list[Flag]:
    """RF-BERKAS-SAMA: attachments of different vendors with the same SHA-256."""
    evidence = _shared_across(
        facts.opened, lambda o: {sha for _name, sha in o.attachments}, 'sha256', lambda v: v[:16]
    )
    return _flag('RF-BERKAS-SAMA', evidence)


def same_pdf_metadata(facts: TenderFacts) -> list[Flag]:
    """RF-META-PDF: PDFs of different vendors with the same author, creator, producer and
    creation time (all the fields present, at least two of them)."""

    def signatures(opened):
        return {
            fields for _name, fields in opened.pdf_meta if len([v for _k, v in fields if v]) >= 2
        }

    evidence = _shared_across(
        facts.opened,
        signatures,
        'pdf_metadata',
        lambda v: '; '.join(f'{k}={mask(x)}' for k, x in v),
    )
    return _flag('RF-META-PDF', evidence)


def same_unit_prices(facts: TenderFacts) -> list[Flag]:
    """RF-HARGA-SATUAN: two vendors quoting the same unit price on several BoQ lines."""
    evidence = []
    for a, b in combinations(sorted(facts.opened, key=lambda o: o.bid_id), 2):
        if a.vendor_id == b.vendor_id:
            continue
        same = sorted(
            item
            for item, price in a.unit_prices.items()
            if price not in (None, '', '0') and b.unit_prices.get(item) == price
        )
        if len(same) >= SAME_UNIT_PRICE_LINES:
            evidence.append(
                Evidence(
                    vendors=tuple(sorted({a.vendor_id, b.vendor_id})),
                    bids=(a.bid_id, b.bid_id),
                    kind='boq_lines',
                    value=f'{len(same)}: {", ".join(same[:10])}',
                )
            )
    return _flag('RF-HARGA-SATUAN', evidence)


def _winner(facts):
    return next(
        (o for o in facts.opened if o.vendor_id == facts.winner_vendor_id and o.total), None
    )


def near_hps(facts: TenderFacts) -> list[Flag]:
    """RF-HPS-DEKAT: the winning price within 1 % of the HPS."""
    winner = _winner(facts)
    if winner is None or not facts.hps or winner.total < facts.hps * (1 - HPS_BAND):
        return []
    ratio = (winner.total / facts.hps * 100).quantize(Decimal('0.01'))
    return _flag(
        'RF-HPS-DEKAT',
        [Evidence((winner.vendor_id,), (winner.bid_id,), 'percent_of_hps', f'{ratio}')],
    )


def cover_bidding(facts: TenderFacts) -> list[Flag]:
    """RF-PENDAMPING: every losing price within a narrow band just above the winner's."""
    winner = _winner(facts)
    losers = [o for o in facts.opened if o.total and o.vendor_id != facts.winner_vendor_id]
    if winner is None or len(losers) < 2:
        return []
    ceiling = winner.total * (1 + COVER_BAND)
    if not all(winner.total <= o.total <= ceiling for o in losers):
        return []
    spread = (max(o.total for o in losers) / winner.total * 100 - 100).quantize(Decimal('0.01'))
    return _flag(
        'RF-PENDAMPING',
        [
            Evidence(
                tuple(sorted({winner.vendor_id, *(o.vendor_id for o in losers)})),
                tuple(sorted([winner.bid_id, *(o.bid_id for o in losers)])),
                'percent_above_winner',
                f'{spread}',
            )
        ],
    )


def single_bidder(facts: TenderFacts) -> list[Flag]:
    """RF-PENAWAR-TUNGGAL: only one vendor bid."""
    vendors = {b.vendor_id for b in facts.bids}
    if len(vendors) != 1:
        return []
    return _flag(
        'RF-PENAWAR-TUNGGAL',
        [Evidence(tuple(vendors), tuple(sorted(b.bid_id for b in facts.bids)), 'bidders', '1')],
    )


def short_window(facts: TenderFacts) -> list[Flag]:
    """RF-WAKTU-SINGKAT: publication to deadline shorter than the minimum."""
    if not (facts.published_at and facts.deadline and facts.min_bid_window):
        return []
    window = facts.deadline - facts.published_at
    if window >= facts.min_bid_window:
        return []
    hours = int(window.total_seconds() // 3600)
    return _flag('RF-WAKTU-SINGKAT', [Evidence((), (), 'hours', str(hours))])


def deadline_moved(facts: TenderFacts) -> list[Flag]:
    """RF-JADWAL-UBAH: the bid deadline changed after bids had arrived."""
    evidence = []
    for changed_at, old, new in facts.deadline_changes:
        before = [b for b in facts.bids if b.received_at < changed_at]
        if old != new and before:
            evidence.append(
                Evidence(
                    tuple(sorted({b.vendor_id for b in before})),
                    tuple(sorted(b.bid_id for b in before)),
                    'deadline',
                    times=(old, new),
                )
            )
    return _flag('RF-JADWAL-UBAH', evidence)


def lowest_disqualified(facts: TenderFacts) -> list[Flag]:
    """RF-GUGUR-ADMIN: the lowest price(s) below the winner's disqualified on administration."""
    winner = _winner(facts)
    if winner is None:
        return []
    below = [
        o
        for o in facts.opened
        if o.total is not None and o.total < winner.total and o.vendor_id in facts.admin_failed
    ]
    if not below:
        return []
    return _flag(
        'RF-GUGUR-ADMIN',
        [
            Evidence(
                tuple(sorted({o.vendor_id for o in below})),
                tuple(sorted(o.bid_id for o in below)),
                'disqualified_lower',
                str(len(below)),
            )
        ],
    )


def rotation(awards: list[AwardFact]) -> list[Flag]:
    """RF-ROTASI (per agency): one group of vendors bidding together in several tenders with the
    win passing between them."""
    by_group = defaultdict(list)
    for award in awards:
        if len(award.bidders) >= ROTATION_MIN_GROUP:
            by_group[award.bidders].append(award)
    evidence = []
    for group, tenders in sorted(by_group.items(), key=lambda kv: sorted(kv[0])):
        winners = {a.winner_vendor_id for a in tenders}
        if len(tenders) >= ROTATION_MIN_TENDERS and len(winners) >= 2:
            evidence.append(
                Evidence(
                    vendors=tuple(sorted(group)),
                    kind='winners',
                    value=str(len(winners)),
                    tenders=tuple(sorted(a.code for a in tenders)),
                )
            )
    return _flag('RF-ROTASI', evidence)


#: The per-tender rules, in display order. rotation() works on an agency's awards.
TENDER_RULES = (
    same_ip,
    same_device_range,
    close_in_time,
    shared_identity,
    same_file,
    same_pdf_metadata,
    same_unit_prices,
    near_hps,
    cover_bidding,
    single_bidder,
    short_window,
    deadline_moved,
    lowest_disqualified,
)


def evaluate(facts: TenderFacts) -> list[Flag]:
    return [flag for rule in TENDER_RULES for flag in rule(facts)]
