"""Reads of sensitive material are audit events (issue 14.5): a bid's attachment and envelope,
the tender key before it is public — by who, from where, what; a refused or failed download
logs nothing; once the key is public, anonymous downloads do not grow the log."""

import json

import opening_helpers
import pytest
from sqlalchemy import select

from lpse import clock, storage
from lpse.audit import AuditEvent, AuditEventTender
from lpse.extensions import db

from .conftest import PDF_MARK, VENDOR_KEY, submit_sealed


def reads():
    return db.session.scalars(
        select(AuditEvent).where(AuditEvent.action.startswith('read.')).order_by(AuditEvent.seq)
    ).all()


@pytest.fixture
def opened(tender, bidder, rival, cast, members):
    mine = submit_sealed(tender, bidder, VENDOR_KEY, marker=PDF_MARK)
    clock.set_now(tender.bid_deadline)
    opening_helpers.open_all(tender, members)
    return mine


def test_attachment_envelope_and_key_reads_are_logged(client, tender, opened, cast, as_user):
    base = f'/tenders/{tender.code}/opening'
    as_user(cast['auditor'])
    assert client.get(f'{base}/bids/{opened.id}/files/surat-penawaran.pdf').status_code == 200
    assert client.get(f'{base}/bids/{opened.id}/envelope.p7m').status_code == 200
    assert client.get(f'{base}/key.pem').status_code == 200
    events = reads()
    assert [e.action for e in events] == [
        'read.bid_attachment',
        'read.bid_envelope',
        'read.tender_key',
    ]
    auditor = cast['auditor']
    assert {e.actor_id for e in events} == {auditor.id}
    assert {e.actor_ip for e in events} == {'127.0.0.1'}
    assert (events[0].object_type, events[0].object_id) == ('bid', str(opened.id))
    assert json.loads(events[0].payload) == {'code': tender.code, 'name': 'surat-penawaran.pdf'}
    assert (events[2].object_type, events[2].object_id) == ('tender', str(tender.id))
    # each read is on the tender's audit trail
    linked = set(
        db.session.scalars(
            select(AuditEventTender.seq).where(AuditEventTender.tender_id == tender.id)
        )
    )
    assert {e.seq for e in events} <= linked
    trail = client.get(f'/audit/tenders/{tender.code}').get_data(as_text=True)
    assert 'read.bid_attachment' in trail and auditor.name in trail


def test_api_key_and_envelope_reads_are_logged(client, tender, opened, cast, token):
    url = f'/api/v1/tenders/{tender.code}'
    headers = token(cast['ppk'])
    assert client.get(url + '/key.pem', headers=headers).status_code == 200
    assert client.get(url + f'/bids/{opened.id}/envelope', headers=headers).status_code == 200
    events = reads()
    assert [(e.action, e.actor_id) for e in events] == [
        ('read.tender_key', cast['ppk'].id),
        ('read.bid_envelope', cast['ppk'].id),
    ]


def test_refused_and_failed_downloads_log_nothing(
    client, tender, opened, cast, as_user, monkeypatch
):
    base = f'/tenders/{tender.code}/opening'
    as_user(cast['vendor'])  # a bidder: not its to read before the announcement
    assert client.get(f'{base}/bids/{opened.id}/files/surat-penawaran.pdf').status_code == 403
    assert client.get(f'{base}/key.pem').status_code == 403
    as_user(cast['auditor'])
    assert client.get(f'{base}/bids/{opened.id}/files/tidak-ada.pdf').status_code == 404
    assert client.get(f'{base}/bids/999999/envelope.p7m').status_code == 404

    def lost(_self, _sha):
        raise FileNotFoundError('blob gone')

    monkeypatch.setattr(type(storage.blob_store()), 'open', lost)
    client.application.config['PROPAGATE_EXCEPTIONS'] = False
    assert client.get(f'{base}/bids/{opened.id}/envelope.p7m').status_code == 500
    assert reads() == []


def test_public_key_downloads_after_the_announcement_are_not_logged(
    client, tender, opened, cast, as_user
):
    tender.winner_announced_at = clock.now()
    db.session.commit()
    base = f'/tenders/{tender.code}/opening'
    assert client.get(f'{base}/key.pem').status_code == 200
    assert client.get(f'{base}/bids/{opened.id}/envelope.p7m').status_code == 200
    as_user(cast['auditor'])
    assert client.get(f'{base}/key.pem').status_code == 200
    assert reads() == []
    # an envelope read by a signed-in reader stays on the record
    assert client.get(f'{base}/bids/{opened.id}/envelope.p7m').status_code == 200
    assert [e.action for e in reads()] == ['read.bid_envelope']
