"""Contract fixtures: an awarded tender (the announcement tests' tender, its SPPBJ issued when
the objection period ended) whose winner holds a server-held signing certificate, and the
PPK's terms of a draft."""

import pki_helpers
import pytest
from evaluation.conftest import (  # noqa: F401 — fixtures shared with the evaluation tests
    _reused_tender_keys,
    announced,
    app_config,
    as_user,
    cast,
    create_tender,
    decided,
    opened_tender,
    other_agency,
    pokja,
)
from evaluation.sanggah_fixtures import WINNER
from tenders.conftest import token  # noqa: F401

from lpse import clock
from lpse.evaluation import award
from lpse.extensions import db

WINNER_KEY = 7  # the winner's signing key (pki_helpers.key)
OTHER_KEY = 8
TERMS = {
    'starts_on': '2026-04-01',
    'ends_on': '2026-09-30',
    'bond_number': 'JP-2026-0042',
    'bond_issuer': 'PT Bank Pembangunan Daerah Uji',
    'bond_valid_until': '2026-10-31',
    'payment_terms': 'Termin bulanan sesuai kemajuan pekerjaan; retensi 5% sampai BAST.',
}


@pytest.fixture
def awarded(announced, cast):  # noqa: F811
    """(tender, winner user, loser user): the SPPBJ issued at the end of the objection period
    (the clock is left there); the winner has a server-held certificate on key WINNER_KEY."""
    tender, bids, row = announced
    clock.set_now(row.objection_ends_at)
    award.issue_award(tender, actor=cast['ppk'], now=clock.now())
    db.session.commit()
    pki_helpers.install_authority()
    winner = bids[WINNER].vendor.user
    pki_helpers.certify(winner, WINNER_KEY, server_held=True)
    loser = next(b.vendor.user for b in bids if b.vendor.user_id != winner.id)
    return tender, winner, loser
