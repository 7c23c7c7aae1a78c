"""Releases racing on PostgreSQL: the audit head lock orders them, so the k-th release sees
the others and opens exactly once, and a release racing the opening is refused, not a 500."""

import os
import threading

import opening_helpers
import pytest
from sqlalchemy import func, select

from lpse import clock
from lpse.auth.models import User
from lpse.errors import Conflict
from lpse.extensions import db
from lpse.opening import shares, state
from lpse.opening.models import OpenedBid, ShareRelease
from lpse.tenders.models import Tender

pytestmark = pytest.mark.skipif(
    not os.environ.get('LPSE_TEST_DATABASE_URL'), reason='row locks: PostgreSQL'
)


def _race(app, tender, first, second):
    """`first` releases and keeps its transaction open while `second` releases; then both
    commit. Returns the exceptions of (first, second)."""
    decrypted = {u.id: opening_helpers.decrypted_share(tender, u) for u in (first, second)}
    tender_id, now = tender.id, clock.now()
    held, go = threading.Event(), threading.Event()
    errors = {}

    def release(user_id, hold):
        try:
            with app.app_context():
                row = db.session.get(Tender, tender_id)
                user = db.session.get(User, user_id)
                try:
                    shares.release_share(row, user, decrypted[user_id], via='cli', now=now)
                    if hold:
                        held.set()
                        go.wait(10)
                    db.session.commit()
                finally:
                    held.set()
                    db.session.remove()
        except Exception as exc:
            errors[user_id] = exc

    a = threading.Thread(target=release, args=(first.id, True))
    a.start()
    assert held.wait(20)
    b = threading.Thread(target=release, args=(second.id, False))
    b.start()
    b.join(1)  # B waits for A's transaction (the audit head lock)
    go.set()
    a.join(60)
    b.join(60)
    return errors.get(first.id), errors.get(second.id)


def test_two_releases_at_once_open_exactly_once(app, tender, bids, members):
    assert _race(app, tender, members[0], members[1]) == (None, None)
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(ShareRelease)) == 2
    assert db.session.scalar(select(func.count()).select_from(OpenedBid)) == 3
    assert state.is_opened(tender)


def test_a_release_racing_the_opening_is_refused(app, tender, bids, members):
    opening_helpers.release(tender, members[0])
    opening, late = _race(app, tender, members[1], members[2])
    assert opening is None and isinstance(late, Conflict)
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(OpenedBid)) == 3
    assert db.session.scalar(select(func.count()).select_from(ShareRelease)) == 2
