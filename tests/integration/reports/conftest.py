# ruff: noqa: E501 — the fixture is a table, one tender a line
"""A hand-counted fixture for the auditor reports: six tender versions across two agencies,
two years, every outcome, and three vendors; their report rows as the store would keep them.
The expected figures are stated by hand in the tests. The rows are summed as a refresh would
(lpse.auditor.reports.sums); parametrize the fixture with 'rows' to leave them unsummed."""

from datetime import timedelta
from decimal import Decimal

import pytest
from ca_fixtures import authority, ca_pki, locked_keys, signing_config  # noqa: F401
from vendor_helpers import verify_vendor

from lpse import clock
from lpse.agencies import operations as agency_ops
from lpse.auditor.reports import sums
from lpse.auditor.reports.models import TenderReportBid, TenderReportMark, TenderReportRow
from lpse.extensions import db
from lpse.tenders.models import Tender


@pytest.fixture
def app_config(signing_config):  # noqa: F811
    return signing_config


def _tender(n, agency, *, code, version=1, year, category, method, status='published', **extra):
    now = clock.now()
    tender = Tender(
        id=n,
        code=code,
        version=version,
        superseded=extra.pop('superseded', False),
        status=status,
        title=f'Paket {n}',
        category=category,
        selection_method=method,
        contract_type='lump_sum',
        agency_id=agency.id,
        fiscal_year=year,
        pagu=extra['hps'] * 2,
        hps=extra.pop('hps'),
        business_size='kecil',
        timezone=agency.timezone,
        submission_files=1,
        evaluation_method='lowest_price',
        rules_version='uji',
        created_at=now - timedelta(days=60),
        published_at=now - timedelta(days=50),
        bid_deadline=extra.pop('deadline', now - timedelta(days=40)),
        **extra,
    )
    db.session.add(tender)
    return tender


# (n, agency, code, version, year, category, method, status, superseded, outcome, hps, price,
#  winner, bidders, days to award, days to contract, objections filed, accepted, reason)
ROWS = [
    (1, 'A', 'A-1', 1, 2025, 'barang', 'tender', 'published', False, 'contracted', 1000, 900, 1, (1, 2, 3), 20, 30, 1, 0, None),
    (2, 'A', 'A-2', 1, 2025, 'pekerjaan_konstruksi', 'tender', 'published', False, 'awarded', 2000, 1500, 2, (2,), 10, None, 2, 1, None),
    (3, 'A', 'A-3', 1, 2026, 'barang', 'tender', 'published', False, 'running', 500, None, None, (1, 3), None, None, 0, 0, None),
    (4, 'B', 'B-1', 1, 2025, 'jasa_konsultansi', 'seleksi', 'failed', True, 'failed', 800, None, None, (1,), None, None, 0, 0, 'Penawaran di atas HPS'),
    (5, 'B', 'B-1', 2, 2025, 'jasa_konsultansi', 'seleksi', 'published', False, 'decided', 800, 700, 3, (3, 2), None, None, 0, 0, None),
    (6, 'B', 'B-2', 1, 2026, 'barang', 'tender', 'cancelled', False, 'cancelled', 300, None, None, (), None, None, 0, 0, 'Anggaran dipotong'),
]  # fmt: skip
# The milestones each current version has recorded (they place it in its stage).
MILESTONES = {
    1: ('bids_opened_at', 'winner_decided_at', 'winner_announced_at', 'award_issued_at', 'contract_signed_at'),
    2: ('bids_opened_at', 'winner_decided_at', 'winner_announced_at', 'award_issued_at'),
    5: ('bids_opened_at', 'winner_decided_at'),
}  # fmt: skip


@pytest.fixture
def fixture(app, person, request):
    now = clock.now()
    agencies = {
        'A': agency_ops.create_agency(code='AGA', name='Kota A', timezone='Asia/Jakarta', actor=None, now=now),
        'B': agency_ops.create_agency(code='AGB', name='Kabupaten B', timezone='Asia/Jakarta', actor=None, now=now),
    }  # fmt: skip
    db.session.flush()
    vendors = {
        1: verify_vendor(person('alfa@uji.co.id', 'vendor'), company='PT Alfa'),
        2: verify_vendor(person('beta@uji.co.id', 'vendor'), company='CV Beta'),
        3: verify_vendor(person('gamma@uji.co.id', 'vendor'), company='PT Gamma'),
    }
    for row in ROWS:
        (n, ag, code, version, year, category, method, status, superseded, outcome, hps, price,
         winner, bidders, d_award, d_contract, filed, accepted, reason) = row  # fmt: skip
        marks = {name: now - timedelta(days=5) for name in MILESTONES.get(n, ())}
        extra = {'end_reason': reason} if reason else {}
        if status == 'cancelled':
            extra['cancelled_at'] = now - timedelta(days=45)
            extra['deadline'] = now + timedelta(days=3)
        _tender(
            n, agencies[ag], code=code, version=version, year=year, category=category,
            method=method, status=status, superseded=superseded, hps=Decimal(hps), **marks, **extra,
        )  # fmt: skip
        db.session.flush()
        db.session.add(
            TenderReportRow(
                tender_id=n, code=code, version=version, title=f'Paket {n}',
                agency_id=agencies[ag].id, work_unit_id=None, fiscal_year=year,
                category=category, selection_method=method, status=status, superseded=superseded,
                outcome=outcome, hps=Decimal(hps),
                winning_price=Decimal(price) if price is not None else None,
                winner_vendor_id=vendors[winner].id if winner else None,
                bidder_count=len(bidders), bid_deadline=extra.get('deadline', now - timedelta(days=40)),
                announced_at=now - timedelta(days=50), awarded_at=None, contract_signed_at=None,
                days_to_award=d_award, days_to_contract=d_contract, objections_filed=filed,
                objections_accepted=accepted, end_reason=reason, computed_at=now,
            )
        )  # fmt: skip
        copied = {
            'code': code, 'agency_id': agencies[ag].id, 'work_unit_id': None, 'fiscal_year': year,
            'category': category, 'selection_method': method, 'status': status,
            'superseded': superseded, 'hps': Decimal(hps),
        }  # fmt: skip
        for v in bidders:
            db.session.add(
                TenderReportBid(tender_id=n, vendor_id=vendors[v].id, won=v == winner, **copied)
            )
    mark = TenderReportMark(id=1, last_seq=0, last_run_at=now)
    db.session.add(mark)
    if getattr(request, 'param', 'summed') == 'summed':
        sums.sum_all(mark, at=now)  # what a refresh leaves; 'rows': the figures read the rows
    db.session.commit()
    return {'agencies': agencies, 'vendors': vendors}


@pytest.fixture
def api_token_for(app):
    """Bearer headers for a given user."""
    from lpse.auth import operations

    def make(user):
        _row, token = operations.create_token(user, 'test', now=clock.now())
        db.session.commit()
        return {'Authorization': f'Bearer {token}'}

    return make
