"""Every red-flag rule: a small fixture that trips it and a clean one that does not."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from lpse.redflags import rules
from lpse.redflags.rules import AwardFact, BidFact, OpenedFact, TenderFacts, VendorFact

DEADLINE = datetime(2026, 3, 10, 8, 0, tzinfo=UTC)
PUBLISHED = DEADLINE - timedelta(days=10)
HPS = Decimal('1000000000')


def bid(bid_id, vendor_id, minutes_before, ip=None, ua='Mozilla/5.0 A'):
    ip = ip or f'10.{vendor_id}.0.1'
    return BidFact(bid_id, vendor_id, DEADLINE - timedelta(minutes=minutes_before), ip, ua)


def vendor(vendor_id, **attrs):
    base = {
        'phone': (f'81234{vendor_id:04d}',),
        'email': (f'v{vendor_id}@pt.example',),
        'address': (f'jl. merdeka {vendor_id} jakarta',),
        'director_nik': (f'317101010101{vendor_id:04d}',),
        'director_name': (f'direktur {vendor_id}',),
    }
    base.update(attrs)
    return VendorFact(vendor_id, f'PT {vendor_id}', base)


def opened(bid_id, vendor_id, total, prices=None, files=None, meta=()):
    return OpenedFact(
        bid_id,
        vendor_id,
        Decimal(total),
        prices if prices is not None else {f'i{n}': str(100 * n + vendor_id) for n in range(1, 6)},
        tuple(files if files is not None else [(f'a{vendor_id}.pdf', f'{vendor_id:064x}')]),
        meta,
    )


def clean() -> TenderFacts:
    """Three vendors, days apart, distinct everything, winner at 85 % of HPS, losers 10 %+ above."""
    return TenderFacts(
        code='KOTAUJI-2026-00001',
        hps=HPS,
        published_at=PUBLISHED,
        deadline=DEADLINE,
        min_bid_window=timedelta(days=6),
        bids=(bid(1, 1, 3000), bid(2, 2, 1500), bid(3, 3, 30)),
        vendors={v: vendor(v) for v in (1, 2, 3)},
        opened=(
            opened(1, 1, '850000000'),
            opened(2, 2, '950000000'),
            opened(3, 3, '990000000'),
        ),
        winner_vendor_id=1,
    )


def flagged(facts, rule):
    return [f for f in rules.evaluate(facts) if f.rule == rule]


def test_clean_tender_has_no_flag():
    assert rules.evaluate(clean()) == []


def test_same_ip():
    facts = replace(
        clean(),
        bids=(bid(1, 1, 3000, ip='36.1.2.3'), bid(2, 2, 1500, ip='36.1.2.3'), bid(3, 3, 30)),
    )
    [flag] = flagged(facts, 'RF-IP-SAMA')
    assert flag.evidence[0].vendors == (1, 2)
    assert flag.evidence[0].bids == (1, 2)
    assert flag.evidence[0].value == '36.1.2.x'  # the address shown by its network only
    # one vendor re-uploading from its own address is no flag
    same_vendor = replace(
        clean(), bids=(bid(1, 1, 3000, ip='36.1.2.3'), bid(4, 1, 10, ip='36.1.2.3'))
    )
    assert flagged(same_vendor, 'RF-IP-SAMA') == []


def test_same_device_range():
    facts = replace(
        clean(),
        bids=(
            bid(1, 1, 3000, ip='36.1.2.3', ua='X/1'),
            bid(2, 2, 1500, ip='36.1.2.77', ua='X/1'),
            bid(3, 3, 30),
        ),
    )
    [flag] = flagged(facts, 'RF-PERANGKAT')
    assert flag.evidence[0].vendors == (1, 2)
    assert '36.1.2.0/24' in flag.evidence[0].value
    other_agent = replace(
        clean(),
        bids=(bid(1, 1, 3000, ip='36.1.2.3', ua='X/1'), bid(2, 2, 1500, ip='36.1.2.77', ua='Y/2')),
    )
    assert flagged(other_agent, 'RF-PERANGKAT') == []


def test_close_in_time_near_deadline():
    near = DEADLINE - timedelta(minutes=5)
    facts = replace(
        clean(),
        bids=(
            BidFact(1, 1, near, '10.1.0.1'),
            BidFact(2, 2, near + timedelta(seconds=20), '10.2.0.1'),
            bid(3, 3, 90),
        ),
    )
    [flag] = flagged(facts, 'RF-WAKTU-RAPAT')
    assert flag.evidence[0].vendors == (1, 2)
    assert flag.evidence[0].value == '20'
    # the same closeness days before the deadline is ordinary
    early = DEADLINE - timedelta(days=3)
    far = replace(
        clean(),
        bids=(
            BidFact(1, 1, early, '10.1.0.1'),
            BidFact(2, 2, early + timedelta(seconds=20), '10.2.0.1'),
        ),
    )
    assert flagged(far, 'RF-WAKTU-RAPAT') == []


@pytest.mark.parametrize(
    ('kind', 'value'),
    [
        ('phone', '812340009'),
        ('email', 'shared@pt.example'),
        ('address', 'jl. sudirman 1 jakarta'),
        ('director_nik', '3171010101019999'),
        ('director_name', 'budi santoso'),
        ('bank_account', '1234567890'),
    ],
)
def test_shared_identity(kind, value):
    facts = clean()
    vendors = {
        **facts.vendors,
        1: vendor(1, **{kind: (value,)}),
        3: vendor(3, **{kind: (value,)}),
    }
    [flag] = flagged(replace(facts, vendors=vendors), 'RF-DATA-SAMA')
    [evidence] = flag.evidence
    assert (evidence.kind, evidence.vendors) == (kind, (1, 3))
    assert value not in evidence.value  # personal data masked
    assert evidence.value == rules.mask(value)


def test_shared_identity_only_among_bidders():
    facts = clean()
    vendors = {**facts.vendors, 9: vendor(9, phone=facts.vendors[1].attributes['phone'])}
    assert flagged(replace(facts, vendors=vendors), 'RF-DATA-SAMA') == []


def test_same_file():
    facts = clean()
    sha = 'ab' * 32
    facts = replace(
        facts,
        opened=(
            opened(1, 1, '850000000', files=[('surat.pdf', sha)]),
            opened(2, 2, '950000000', files=[('penawaran.pdf', sha)]),
            facts.opened[2],
        ),
    )
    [flag] = flagged(facts, 'RF-BERKAS-SAMA')
    assert flag.evidence[0].vendors == (1, 2)
    assert flag.evidence[0].value == sha[:16]


def test_same_pdf_metadata():
    meta = (
        ('author', 'Andi'),
        ('creator', 'Word 2019'),
        ('producer', 'PDF 1.7'),
        ('created', '2026-03-01T10:00:00'),
    )
    other = (
        ('author', 'Sari'),
        ('creator', 'Word 2019'),
        ('producer', 'PDF 1.7'),
        ('created', '2026-03-02T09:00:00'),
    )
    base = clean()

    def with_meta(meta_2):
        return replace(
            base,
            opened=(
                opened(1, 1, '850000000', meta=(('a.pdf', meta),)),
                opened(2, 2, '950000000', meta=(('b.pdf', meta_2),)),
                base.opened[2],
            ),
        )

    [flag] = flagged(with_meta(meta), 'RF-META-PDF')
    assert flag.evidence[0].vendors == (1, 2)
    assert 'Andi' not in flag.evidence[0].value
    assert flagged(with_meta(other), 'RF-META-PDF') == []


def test_same_unit_prices():
    shared = {'i1': '1500', 'i2': '2750', 'i3': '990'}
    base = clean()
    facts = replace(
        base,
        opened=(
            opened(1, 1, '850000000', prices={**shared, 'i4': '1'}),
            opened(2, 2, '950000000', prices={**shared, 'i4': '2'}),
            base.opened[2],
        ),
    )
    [flag] = flagged(facts, 'RF-HARGA-SATUAN')
    assert flag.evidence[0].vendors == (1, 2)
    assert flag.evidence[0].value.startswith('3:')
    two_lines = replace(
        base,
        opened=(
            opened(1, 1, '850000000', prices={'i1': '1500', 'i2': '2750', 'i3': '1'}),
            opened(2, 2, '950000000', prices={'i1': '1500', 'i2': '2750', 'i3': '2'}),
        ),
    )
    assert flagged(two_lines, 'RF-HARGA-SATUAN') == []


def test_near_hps():
    base = clean()
    facts = replace(base, opened=(opened(1, 1, '995000000'), *base.opened[1:]))
    [flag] = flagged(facts, 'RF-HPS-DEKAT')
    assert flag.evidence[0].value == '99.50'
    just_outside = replace(base, opened=(opened(1, 1, '989000000'), *base.opened[1:]))
    assert flagged(just_outside, 'RF-HPS-DEKAT') == []


def test_cover_bidding():
    base = clean()
    facts = replace(
        base,
        opened=(opened(1, 1, '900000000'), opened(2, 2, '910000000'), opened(3, 3, '930000000')),
    )
    [flag] = flagged(facts, 'RF-PENDAMPING')
    assert flag.evidence[0].vendors == (1, 2, 3)
    assert flag.evidence[0].value == '3.33'
    # one loser far above: not a band
    spread = replace(
        base,
        opened=(opened(1, 1, '900000000'), opened(2, 2, '910000000'), opened(3, 3, '990000000')),
    )
    assert flagged(spread, 'RF-PENDAMPING') == []


def test_single_bidder():
    facts = replace(clean(), bids=(bid(1, 1, 3000), bid(4, 1, 20)), opened=())
    [flag] = flagged(facts, 'RF-PENAWAR-TUNGGAL')
    assert flag.evidence[0].vendors == (1,)
    assert flagged(replace(clean(), bids=()), 'RF-PENAWAR-TUNGGAL') == []


def test_short_window():
    facts = replace(clean(), published_at=DEADLINE - timedelta(days=4))
    [flag] = flagged(facts, 'RF-WAKTU-SINGKAT')
    assert flag.evidence[0].value == '96'
    # no minimum configured (the demo): no flag
    assert flagged(replace(facts, min_bid_window=None), 'RF-WAKTU-SINGKAT') == []


def test_deadline_moved_after_bids():
    earlier = DEADLINE - timedelta(days=1)
    facts = replace(
        clean(), deadline_changes=((DEADLINE - timedelta(minutes=1000), earlier, DEADLINE),)
    )
    [flag] = flagged(facts, 'RF-JADWAL-UBAH')
    assert flag.evidence[0].vendors == (1, 2)  # the bids already in at the change
    assert flag.evidence[0].times == (earlier, DEADLINE)
    before_any_bid = replace(
        clean(), deadline_changes=((DEADLINE - timedelta(days=5), earlier, DEADLINE),)
    )
    assert flagged(before_any_bid, 'RF-JADWAL-UBAH') == []


def test_lowest_disqualified():
    base = clean()
    facts = replace(
        base,
        opened=(opened(1, 1, '800000000'), opened(2, 2, '850000000'), opened(3, 3, '990000000')),
        winner_vendor_id=3,
        admin_failed=frozenset({1, 2}),
    )
    [flag] = flagged(facts, 'RF-GUGUR-ADMIN')
    assert flag.evidence[0].vendors == (1, 2)
    # the failed one was dearer than the winner: no flag
    assert flagged(replace(clean(), admin_failed=frozenset({3})), 'RF-GUGUR-ADMIN') == []


def test_rotation():
    group = frozenset({1, 2, 3})
    awards = [AwardFact(f'K-{n}', group, winner) for n, winner in enumerate((1, 2, 3, 1))]
    [flag] = rules.rotation(awards)
    assert flag.evidence[0].vendors == (1, 2, 3)
    assert flag.evidence[0].tenders == ('K-0', 'K-1', 'K-2', 'K-3')
    # always the same winner, or varying groups: no rotation
    assert rules.rotation([AwardFact(f'K-{n}', group, 1) for n in range(4)]) == []
    assert (
        rules.rotation([AwardFact(f'K-{n}', frozenset({n, n + 10, n + 20}), n) for n in range(4)])
        == []
    )


def test_every_catalogued_rule_is_tested_here():
    from lpse.redflags.catalog import RULES

    names = {f.__doc__.split(':')[0] for f in (*rules.TENDER_RULES, rules.rotation)}
    names = {n.split()[0] for n in names}
    assert names == set(RULES)


def test_a_vendors_bank_account_is_one_of_its_facts():
    from lpse.redflags.facts import vendor_fact
    from lpse.vendors.models import Vendor

    row = Vendor(id=4, company_name='PT Empat', phone='0811', email='a@b.c', address='Jl', city='X')
    assert vendor_fact(row, ()).attributes['bank_account'] == ('',)  # none: never shared
    row.bank_account = '1234567890'
    assert vendor_fact(row, ()).attributes['bank_account'] == ('1234567890',)
