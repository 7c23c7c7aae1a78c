"""API hardening fixtures: the bid fixtures (a tender open for bids, two certified vendors)."""

from bidding.conftest import (  # noqa: F401 — fixtures shared with the bid tests
    _reused_tender_keys,
    app_config,
    as_user,
    bidder,
    cast,
    create_tender,
    other_agency,
    post_bid,
    rival,
    tender,
    token,
)
