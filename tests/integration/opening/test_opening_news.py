"""The end of an opening ceremony reaches the bidders and followers of the tender, each once,
and nobody else (not an outsider, not the Pokja who opened it)."""

from opening_helpers import open_all
from vendor_helpers import verify_vendor

from lpse import clock
from lpse.extensions import db
from lpse.notify.models import Notification
from lpse.tenders import follows


def test_opening_done_reaches_bidders_and_followers(tender, bids, members, person):
    follower = person('cv.pengikut@contoh.co.id', 'vendor')
    verify_vendor(follower, company='CV Pengikut')
    outsider = person('pt.luar@contoh.co.id', 'vendor')
    verify_vendor(outsider, company='PT Luar')
    follows.follow(tender, actor=follower, now=clock.now())
    follows.follow(tender, actor=bids[0].vendor.user, now=clock.now())  # a bidder who follows too
    db.session.commit()
    open_all(tender, members)
    rows = db.session.scalars(db.select(Notification)).all()
    told = sorted(r.user_id for r in rows)
    assert told == sorted({b.vendor.user_id for b in bids} | {follower.id})  # each once
    assert {r.kind for r in rows} == {'opening_done'}
    assert outsider.id not in told and not set(told) & {m.id for m in members}
