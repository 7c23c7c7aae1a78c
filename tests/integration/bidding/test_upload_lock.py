"""One upload at a time per (tender, vendor), without locking out a vendor whose upload died:
the lock's expiry is short and pushed forward while bytes stream (the heartbeat)."""

import base64
import io
from datetime import timedelta

from sqlalchemy import func, select

from lpse import clock
from lpse.bids import submission
from lpse.bids.models import Bid, BidUploadLock
from lpse.extensions import db
from lpse.vendors.verification import vendor_of

from .conftest import P7M, PDF, T0, VENDOR_KEY, seal


def _headers(headers, sig, length=None):
    extra = {'Content-Type': P7M, 'X-LPSE-Submission-Signature': base64.b64encode(sig).decode()}
    if length is not None:
        extra['Content-Length'] = str(length)
    return {**headers, **extra}


def test_the_default_lock_frees_a_dead_upload_within_seconds(app):
    assert app.config['LPSE_BID_LOCK_SECONDS'] <= 30
    assert app.config['LPSE_BID_LOCK_HEARTBEAT'] < app.config['LPSE_BID_LOCK_SECONDS'] / 2


def test_a_vendor_whose_upload_died_retries_as_soon_as_the_short_lock_expires(
    app, tender, bidder, token, post_bid
):
    """The process died mid-upload: its lock row stays, never refreshed. Until it expires a
    retry is refused with a message saying how long to wait; from then on it is accepted."""
    seconds = app.config['LPSE_BID_LOCK_SECONDS']
    submission.begin_upload(tender, vendor_of(bidder), now=T0)  # …and the process is killed
    headers = token(bidder)
    p7m, sig = seal(tender, bidder, VENDOR_KEY)
    clock.set_now(T0 + timedelta(seconds=seconds - 1))
    refused = post_bid(tender, p7m, sig, headers)
    assert refused.status_code == 409
    error = refused.get_json()['error']
    assert error['code'] == 'upload_in_progress' and f'{seconds} detik' in error['message']
    clock.set_now(T0 + timedelta(seconds=seconds))
    assert post_bid(tender, p7m, sig, headers).status_code == 201
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(BidUploadLock)) == 0


def test_a_live_upload_keeps_its_lock_however_long_it_streams(app, tender, bidder, token):
    """A slow upload runs for many lock lifetimes; halfway through, a second bid of the same
    vendor is refused (the heartbeat kept the lock), and the slow one is stored in the end."""
    app.config.update(LPSE_BID_LOCK_SECONDS=6, LPSE_BID_LOCK_HEARTBEAT=2)
    headers = token(bidder)
    p7m, sig = seal(tender, bidder, VENDOR_KEY, attachments=[('besar.pdf', PDF + b'0' * 40_000)])
    other, other_sig = seal(tender, bidder, VENDOR_KEY)
    seen = {}

    class Slow(io.BytesIO):
        """1 KB per read, 2 s of (frozen) clock per read; the second bid at 30 s."""

        def read(self, n=-1):
            clock.set_now(clock.now() + timedelta(seconds=2))
            if 'second' not in seen and clock.now() >= T0 + timedelta(seconds=30):
                seen['second'] = app.test_client().post(
                    f'/api/v1/tenders/{tender.code}/bids',
                    data=other,
                    headers=_headers(headers, other_sig),
                )
            return super().read(min(n, 1024) if n and n > 0 else 1024)

        def readinto(self, buffer):
            data = self.read(len(buffer))
            buffer[: len(data)] = data
            return len(data)

    assert len(p7m) > 16 * 1024  # enough reads to outlive the lock several times
    first = app.test_client().post(
        f'/api/v1/tenders/{tender.code}/bids',
        input_stream=Slow(p7m),
        headers=_headers(headers, sig, len(p7m)),
    )
    assert seen['second'].status_code == 409
    assert seen['second'].get_json()['error']['code'] == 'upload_in_progress'
    assert first.status_code == 201, first.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.scalars(select(Bid.size)).all() == [len(p7m)]
    assert db.session.scalar(select(func.count()).select_from(BidUploadLock)) == 0


def test_an_upload_that_stalled_past_its_lock_loses_to_the_one_that_took_over(
    app, tender, bidder, token, post_bid
):
    """If an upload stalls (no bytes, so no heartbeat) past the expiry and the vendor's next
    upload takes the lock over, the stalled one is refused whole when it resumes — never two
    bids of one vendor committed concurrently."""
    app.config.update(LPSE_BID_LOCK_SECONDS=6, LPSE_BID_LOCK_HEARTBEAT=2)
    headers = token(bidder)
    p7m, sig = seal(tender, bidder, VENDOR_KEY)
    other, other_sig = seal(tender, bidder, VENDOR_KEY)
    seen = {}

    class Stalling(io.BytesIO):
        def read(self, n=-1):
            if 'second' not in seen:  # stalled 60 s before the first byte; meanwhile…
                clock.set_now(clock.now() + timedelta(seconds=60))
                seen['second'] = post_bid(tender, other, other_sig, headers)
            return super().read(n)

        def readinto(self, buffer):
            data = self.read(len(buffer))
            buffer[: len(data)] = data
            return len(data)

    first = app.test_client().post(
        f'/api/v1/tenders/{tender.code}/bids',
        input_stream=Stalling(p7m),
        headers=_headers(headers, sig, len(p7m)),
    )
    assert seen['second'].status_code == 201
    assert first.status_code == 409
    assert first.get_json()['error']['code'] == 'upload_in_progress'
    db.session.expire_all()
    assert db.session.scalars(select(Bid.size)).all() == [len(other)]
