"""Opening fixtures: a tender with sealed bids from three vendors, past its deadline, in its
opening stage; bids are received through `submission.receive` (the path every upload takes)."""

import io
from datetime import timedelta

import pytest
from bidding.conftest import (  # noqa: F401 — fixtures shared with the bid tests
    OTHER_KEY,
    VENDOR_KEY,
    _reused_tender_keys,
    app_config,
    as_user,
    bidder,
    cast,
    certified_vendor,
    create_tender,
    make_bid,
    other_agency,
    rival,
    seal,
    token,
)

from lpse import clock
from lpse.bids import submission
from lpse.extensions import db
from lpse.tenders.stages import Stage
from lpse.vendors import verification

THIRD_KEY = 12
MS = timedelta(milliseconds=1)
PDF_MARK = 'penanda-lampiran-42'


@pytest.fixture
def third(person):
    """A third verified vendor with its own signing certificate (key 12)."""
    return certified_vendor(person, 'cv.ketiga@contoh.co.id', 'CV Ketiga Karya', THIRD_KEY)


@pytest.fixture
def tender(create_tender, bidder):  # noqa: F811
    """A published one-file tender in its bid-submission stage (clock at T0)."""
    return create_tender(Stage.bid_submission)


def submit(tender, user, p7m, signature, *, kind=None):
    """Receive an envelope as the API does (no PDF receipt); committed; the Bid row."""
    vendor = verification.vendor_of(user)
    upload = submission.Upload(io.BytesIO(p7m), signature, kind, len(p7m))
    received = submission.receive(tender, user, vendor, upload, now=clock.now())
    db.session.commit()
    return received.bid


def submit_sealed(tender, user, key_index, **kw):
    p7m, sig = seal(tender, user, key_index, **kw)
    return submit(tender, user, p7m, sig, kind=kw.get('kind'))


def past_deadline(tender):
    """Move the clock to the bid deadline (the opening stage starts there)."""
    clock.set_now(tender.bid_deadline)


@pytest.fixture
def bids(tender, bidder, rival, third):  # noqa: F811
    """Three current bids (one per vendor), the clock at the deadline."""
    rows = [
        submit_sealed(tender, bidder, VENDOR_KEY),
        submit_sealed(tender, rival, OTHER_KEY),
        submit_sealed(tender, third, THIRD_KEY),
    ]
    past_deadline(tender)
    return rows


@pytest.fixture
def members(cast):  # noqa: F811
    return [cast['pokja'], cast['pokja2'], cast['pokja3']]
