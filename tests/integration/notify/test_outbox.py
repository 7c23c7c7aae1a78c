"""The mail outbox: queued in the action's transaction, delivered after it, retried with a
doubling wait, failed after LPSE_MAIL_MAX_ATTEMPTS and shown to the admin, who may retry; no
body (a confirmation link) in any log line; the development mailbox only outside production."""

import logging
import socket
from datetime import timedelta

import pytest
from helpers import login

from lpse import clock, create_app
from lpse.audit import AuditEvent
from lpse.extensions import db
from lpse.notify import inbox, outbox
from lpse.notify.models import Mail

SECRET = 'https://lpse.example/vendors/confirm/RAHASIA-TOKEN-123'


@pytest.fixture
def app_config(app_config):
    return {**app_config, 'WTF_CSRF_ENABLED': False, 'LPSE_MAIL_MAX_ATTEMPTS': 3}


@pytest.fixture
def sent(app):
    outbox.sent.clear()
    yield outbox.sent
    outbox.sent.clear()


def closed_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


@pytest.fixture
def broken_smtp(app):
    app.config.update(
        LPSE_SMTP_HOST='127.0.0.1', LPSE_SMTP_PORT=closed_port(), LPSE_SMTP_TLS='none'
    )


def queue_one(now, body=f'Klik {SECRET}'):
    row = outbox.queue('penyedia@contoh.co.id', 'Konfirmasi', body, now=now)
    db.session.commit()
    return row.id


def test_a_queued_message_waits_for_the_commit_then_goes(app, sent):
    now = clock.now()
    row = outbox.queue('a@contoh.co.id', 'Uji', 'isi', now=now)
    db.session.rollback()  # the action failed: its mail is gone with it
    assert db.session.scalar(db.select(db.func.count(Mail.id))) == 0
    mail_id = queue_one(now)
    assert row.id is not None and sent == []
    assert outbox.deliver_due(now=now) == (1, 0)
    mail = db.session.get(Mail, mail_id)
    assert (mail.state, mail.attempts, mail.transport) == ('sent', 1, 'console')
    assert sent[0]['To'] == 'penyedia@contoh.co.id' and SECRET in sent[0].get_content()
    assert outbox.deliver_due(now=now) == (0, 0)  # sent once only
    assert outbox.deliver(mail_id, now=now) is None


def test_failures_back_off_doubling_then_fail_for_the_admin(app, sent, broken_smtp, caplog):
    caplog.set_level(logging.DEBUG)
    start = clock.now()
    mail_id = queue_one(start)
    assert outbox.deliver_due(now=start) == (0, 1)
    mail = db.session.get(Mail, mail_id)
    assert mail.state == 'queued' and mail.attempts == 1
    assert mail.next_attempt_at == start + timedelta(seconds=60)
    assert 'ConnectionRefusedError' in mail.last_error
    # Not due yet: nothing is tried.
    assert outbox.deliver_due(now=start + timedelta(seconds=59)) == (0, 0)
    second = start + timedelta(seconds=60)
    assert outbox.deliver_due(now=second) == (0, 1)
    db.session.refresh(mail)
    assert mail.attempts == 2 and mail.next_attempt_at == second + timedelta(seconds=120)
    third = second + timedelta(seconds=120)
    assert outbox.deliver_due(now=third) == (0, 1)
    db.session.refresh(mail)
    assert (mail.state, mail.attempts, mail.next_attempt_at) == ('failed', 3, None)
    assert outbox.deliver_due(now=third + timedelta(days=2)) == (0, 0)
    assert sent == []
    assert 'not sent' in caplog.text
    assert 'RAHASIA-TOKEN' not in caplog.text and 'Klik' not in caplog.text


def test_backoff_is_capped():
    cfg = {'LPSE_MAIL_RETRY_SECONDS': 60}
    assert outbox.backoff(1, cfg) == timedelta(minutes=1)
    assert outbox.backoff(4, cfg) == timedelta(minutes=8)
    assert outbox.backoff(40, cfg) == timedelta(days=1)


def test_production_without_smtp_does_not_pretend(app, sent):
    app.config['ENV_NAME'] = 'production'
    mail_id = queue_one(clock.now())
    assert outbox.deliver(mail_id, now=clock.now()) is False
    mail = db.session.get(Mail, mail_id)
    assert mail.state == 'queued' and 'LPSE_SMTP_HOST' in mail.last_error and sent == []


def test_the_admin_sees_the_failure_and_retries_it(app, client, users, sent, broken_smtp):
    now = clock.now()
    mail_id = queue_one(now)
    for _ in range(3):
        outbox.deliver(mail_id, now=now)
        now = db.session.get(Mail, mail_id).next_attempt_at or now
    assert db.session.get(Mail, mail_id).state == 'failed'
    login(client, users['admin'].email)
    page = client.get('/admin/mail').get_data(as_text=True)
    assert 'penyedia@contoh.co.id' in page and 'ConnectionRefusedError' in page
    assert 'RAHASIA-TOKEN' not in page  # never the body
    app.config.update(LPSE_SMTP_HOST=None)  # the admin fixed the server
    response = client.post(f'/admin/mail/{mail_id}/retry')
    assert response.status_code == 303
    db.session.expire_all()
    mail = db.session.get(Mail, mail_id)
    assert mail.state == 'sent' and len(sent) == 1
    event = db.session.scalar(db.select(AuditEvent).order_by(AuditEvent.seq.desc()))
    assert event.action == 'mail.retried' and event.actor_id == users['admin'].id
    assert 'penyedia@contoh.co.id' not in client.get('/admin/mail').get_data(as_text=True)


def test_only_the_admin_sees_the_mail_queue(app, client, users):
    login(client, users['vendor'].email)
    assert client.get('/admin/mail').status_code == 403
    assert client.post('/admin/mail/1/retry').status_code == 403


def test_a_notification_mails_its_text_and_link(app, users, sent):
    inbox.send(
        [users['vendor']],
        kind='uji',
        render=lambda: ('Judul', 'Isi'),
        link='/tenders/',
        now=clock.now(),
    )
    db.session.commit()
    assert outbox.deliver_due(now=clock.now()) == (1, 0)
    assert sent[0]['Subject'] == '[LPSE] Judul'
    assert 'http://127.0.0.1:5000/tenders/' in sent[0].get_content()


def test_the_development_mailbox_shows_links(app, client, sent):
    mail_id = queue_one(clock.now(), body=f'Halo <b>PT</b>,\nklik {SECRET}\n')
    outbox.deliver(mail_id, now=clock.now())
    listing = client.get('/dev/mailbox/')
    assert listing.status_code == 200 and 'Konfirmasi' in listing.get_data(as_text=True)
    page = client.get(f'/dev/mailbox/{mail_id}').get_data(as_text=True)
    assert f'<a href="{SECRET}">{SECRET}</a>' in page
    assert '&lt;b&gt;PT&lt;/b&gt;' in page  # the body is text, escaped
    assert client.get('/dev/mailbox/999999').status_code == 404


def test_no_development_mailbox_in_production(database_template, monkeypatch, tmp_path):
    monkeypatch.setenv('LPSE_ENV', 'production')
    monkeypatch.setenv('LPSE_SECRET_KEY', 'x' * 40)
    monkeypatch.setenv('DATABASE_URL', database_template)
    monkeypatch.setenv('LPSE_DATA_DIR', str(tmp_path / 'data'))
    production = create_app()
    assert production.config['ENV_NAME'] == 'production'
    assert not any(r.rule.startswith('/dev/') for r in production.url_map.iter_rules())
    with production.test_client() as c:
        assert c.get('/dev/mailbox/').status_code == 404
        assert c.get('/dev/mailbox/1').status_code == 404


def test_development_prints_the_mail_on_the_console(app, capsys, caplog):
    caplog.set_level(logging.DEBUG)
    app.config['ENV_NAME'] = 'development'
    mail_id = queue_one(clock.now())
    assert outbox.deliver(mail_id, now=clock.now()) is True
    assert SECRET in capsys.readouterr().err
    assert 'RAHASIA-TOKEN' not in caplog.text


def test_a_message_that_cannot_be_built_fails_alone(app, sent):
    """A malformed message (a header with a line break) is an error of its own, not a round
    that stops the clock before the next messages."""
    now = clock.now()
    bad = outbox.queue('a@contoh.co.id', 'Baris\nbaru', 'isi', now=now)
    good = outbox.queue('b@contoh.co.id', 'Biasa', 'isi', now=now)
    db.session.commit()
    assert outbox.deliver_due(now=now) == (1, 1)
    assert db.session.get(Mail, bad.id).last_error.startswith('ValueError')
    assert db.session.get(Mail, good.id).state == 'sent'
    assert [m['To'] for m in sent] == ['b@contoh.co.id']
