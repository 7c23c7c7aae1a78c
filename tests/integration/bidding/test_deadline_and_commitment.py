"""The exact deadline (received = the commit moment) and the bid-set commitment."""

import io
import json
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from lpse import audit, clock, pki_service
from lpse.bids import commitment
from lpse.bids.models import Bid
from lpse.extensions import db

from .conftest import OTHER_KEY, PG_URL, VENDOR_KEY, seal, stored_files

MS = timedelta(milliseconds=1)


def database_state() -> dict:
    """Every row of every table, to show that a request wrote nothing."""
    db.session.expire_all()
    return {
        table.name: sorted(map(repr, db.session.execute(table.select()).all()))
        for table in db.metadata.sorted_tables
    }


def test_one_millisecond_before_the_deadline_is_accepted(tender, bidder, token, post_bid):
    headers = token(bidder)
    p7m, sig = seal(tender, bidder, VENDOR_KEY)
    clock.set_now(tender.bid_deadline - MS)
    response = post_bid(tender, p7m, sig, headers)
    assert response.status_code == 201
    received = response.get_json()['receipt']['received_at']
    assert received == (tender.bid_deadline - MS).strftime('%Y-%m-%dT%H:%M:%S.%f')[:-3] + 'Z'


def test_one_millisecond_after_the_deadline_is_refused_in_both_zones(
    app, tender, bidder, token, post_bid
):
    headers = token(bidder)
    p7m, sig = seal(tender, bidder, VENDOR_KEY)
    clock.set_now(tender.bid_deadline + MS)
    files = stored_files(app)
    response = post_bid(tender, p7m, sig, headers)
    assert response.status_code == 409
    message = response.get_json()['error']['message']
    assert 'WITA' in message and 'WIB' in message
    assert stored_files(app) == files


def test_an_upload_that_completes_after_the_deadline_keeps_nothing(
    app, tender, bidder, token, post_bid
):
    """The gate passes at deadline − 1 ms; the commit clock reads deadline + 1 ms."""
    headers = token(bidder)
    p7m, sig = seal(tender, bidder, VENDOR_KEY)
    clock.set_now(tender.bid_deadline - MS)
    deadline = tender.bid_deadline

    class SlowLast(io.BytesIO):
        def read(self, n=-1):
            chunk = super().read(n)
            if self.tell() == len(p7m):  # the last byte arrived
                clock.set_now(deadline + MS)
            return chunk

        def readinto(self, buffer):
            count = super().readinto(buffer)
            if self.tell() == len(p7m):
                clock.set_now(deadline + MS)
            return count

    files = stored_files(app)
    seq = db.session.scalar(select(func.max(audit.AuditEvent.seq)))
    response = post_bid(tender, None, sig, headers, stream=SlowLast(p7m), length=len(p7m))
    assert response.status_code == 409, response.get_data(as_text=True)
    assert response.get_json()['error']['code'] == 'deadline_passed'
    assert 'WITA' in response.get_json()['error']['message']
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(Bid)) == 0
    assert db.session.scalar(select(func.max(audit.AuditEvent.seq))) == seq
    assert stored_files(app) == files


@pytest.mark.skipif(not PG_URL, reason='the clock_timestamp() path exists on PostgreSQL only')
def test_the_real_commit_clock_is_postgresql_clock_timestamp(tender):
    from lpse.bids import submission

    clock.set_now(None)
    db_time = submission.commit_clock()
    assert abs(db_time - clock.now()) < timedelta(seconds=5)
    assert db_time.tzinfo is not None


def test_the_commitment_lists_current_envelopes_only_from_the_deadline(
    app, client, tender, bidder, rival, token, post_bid
):
    first, sig1 = seal(tender, bidder, VENDOR_KEY)
    second, sig2 = seal(tender, bidder, VENDOR_KEY)
    theirs, sig3 = seal(tender, rival, OTHER_KEY)
    for user, p7m, sig in ((bidder, first, sig1), (bidder, second, sig2), (rival, theirs, sig3)):
        assert post_bid(tender, p7m, sig, token(user)).status_code == 201
    page = client.get(f'/tenders/{tender.code}').get_data(as_text=True)
    assert 'Komitmen himpunan' not in page
    assert client.get(f'/api/v1/tenders/{tender.code}/commitment').status_code == 404
    assert client.get(f'/tenders/{tender.code}/commitment.json').status_code == 404
    clock.set_now(tender.bid_deadline)
    before = database_state()
    for url in (
        f'/tenders/{tender.code}',
        f'/tenders/{tender.code}/opening',
        f'/tenders/{tender.code}/commitment.json',
        f'/api/v1/tenders/{tender.code}',
        f'/api/v1/tenders/{tender.code}/commitment',
        f'/api/v1/tenders/{tender.code}/opening',
    ):
        assert client.get(url).status_code in (200, 401, 404), url
    assert database_state() == before  # a reader never makes the commitment
    result = app.test_cli_runner().invoke(args=['lpse', 'commit-bid-sets'])
    assert result.exit_code == 0, result.output
    assert f'bid set committed: {tender.code} v{tender.version}' in result.output
    again = app.test_cli_runner().invoke(args=['lpse', 'commit-bid-sets'])
    assert '0 tender(s) committed' in again.output  # made once
    response = client.get(f'/api/v1/tenders/{tender.code}/commitment')
    assert response.status_code == 200
    doc = json.loads(response.get_data())
    fields = commitment.verify_commitment(doc, system_cert=pki_service.authority().system_cert)
    current = sorted(db.session.scalars(select(Bid.sha256).where(Bid.status == 'current')))
    assert fields['format'] == 'lpse-bidset/1'
    assert fields['envelopes'] == current and fields['count'] == 2
    assert 'PT Maju Jaya' not in response.get_data(as_text=True)
    clock.set_now(tender.bid_deadline + timedelta(days=1))
    again = client.get(f'/api/v1/tenders/{tender.code}/commitment')
    assert again.get_data() == response.get_data()  # stored once, never changes
    page = client.get(f'/tenders/{tender.code}').get_data(as_text=True)
    assert all(sha in page for sha in current)


def test_the_deadline_job_keeps_running_through_a_failed_round(
    app, tender, bidder, token, post_bid, monkeypatch
):
    """`make run` keeps `tick --every N` beside the server: a round that fails (a
    locked database) is reported and the next round makes the commitment."""
    p7m, sig = seal(tender, bidder, VENDOR_KEY)
    assert post_bid(tender, p7m, sig, token(bidder)).status_code == 201
    clock.set_now(tender.bid_deadline)
    real, rounds = commitment.commit_due, []

    def flaky(*, now):
        rounds.append(now)
        if len(rounds) == 1:
            raise RuntimeError('database is locked')
        return real(now=now)

    def sleep(seconds):
        assert seconds == 7
        if len(rounds) == 2:
            raise KeyboardInterrupt  # the operator stops it

    monkeypatch.setattr(commitment, 'commit_due', flaky)
    monkeypatch.setattr('lpse.cli.time.sleep', sleep)
    result = app.test_cli_runner().invoke(args=['lpse', 'tick', '--every', '7'])
    assert result.exit_code == 1 and 'Aborted' in result.output  # click's answer to Ctrl-C
    assert 'RuntimeError: database is locked; trying again' in result.output
    assert f'bid set committed: {tender.code} v{tender.version}' in result.output
    assert commitment.commitment_of(tender) is not None
