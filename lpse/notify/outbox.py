"""The mail outbox: one home for sending mail.

An action queues its mail (`queue`) in its own transaction, so the mail leaves only if the
action is committed, and nothing the mail server does can undo or delay what was saved.
Delivery happens after the commit: by a job queued right after the response when a page
queued mail (`init_app`), at once when the caller needs to tell the user (`deliver`), and on
every clock round (`deliver_due`, the worker's minute or `flask lpse tick`), which retries a
failed message with an exponential backoff (LPSE_MAIL_RETRY_SECONDS, doubled each attempt) up
to LPSE_MAIL_MAX_ATTEMPTS; then the message is failed and shown to the admin (/admin/mail), who
may queue it again.

Transports: SMTP when LPSE_SMTP_HOST is set (LPSE_SMTP_TLS chooses how the connection is
protected: `starttls` (the default, usually port 587), `ssl` (implicit TLS, usually port 465) or
`none` (a relay on the same host only); LPSE_SMTP_PORT, LPSE_SMTP_USER and LPSE_SMTP_PASSWORD
come from the environment too). Without SMTP, development prints the message on the console and
keeps it for the development mailbox (/dev/mailbox) and the test suite keeps it in `sent`;
production refuses (the message waits, fails, and the admin sees why).

A body may hold a secret (a confirmation link): no log line carries a body or credentials."""

import logging
import smtplib
import ssl
import sys
from datetime import timedelta
from email.message import EmailMessage

from flask import current_app, g, has_app_context
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update

from lpse import clock, jobs
from lpse.extensions import db
from lpse.notify.models import FAILED, QUEUED, SENT, Mail

log = logging.getLogger(__name__)
sent: list[EmailMessage] = []  # under test: the messages delivered (the `outbox` fixture)
TLS_MODES = ('starttls', 'ssl', 'none')
TIMEOUT = 30
DEVELOPMENT_ENVS = ('development', 'testing')
DELIVER_JOB = 'mail.deliver'
CLAIM = timedelta(minutes=2)  # a delivery in progress holds its message this long
MAX_BACKOFF = timedelta(days=1)
BATCH = 50


class NoTransport(Exception):
    """Production without LPSE_SMTP_HOST: the message cannot leave."""


def queue(to, subject, body, *, now) -> Mail:
    """Queue one message in the current transaction; the caller's commit makes it real."""
    row = Mail(
        to=to,
        subject=subject[:300],
        body=body,
        state=QUEUED,
        attempts=0,
        next_attempt_at=now,
        created_at=now,
    )
    db.session.add(row)
    db.session.flush()
    if has_app_context():
        g.setdefault('lpse_mail_queued', []).append(row.id)
    return row


def backoff(attempts, cfg) -> timedelta:
    """The wait before the next attempt after ``attempts`` failed ones: doubling, capped."""
    base = timedelta(seconds=int(cfg.get('LPSE_MAIL_RETRY_SECONDS') or 60))
    return min(base * 2 ** max(attempts - 1, 0), MAX_BACKOFF)


def deliver(mail_id, *, now) -> bool | None:
    """Try one queued, due message now and commit the outcome: True sent, False not this time
    (it waits for its next attempt or has failed), None when it was not ours to send (already
    sent, not due, or being delivered by another process). Call it after the action's commit."""
    claimed = db.session.execute(
        update(Mail)
        .where(Mail.id == mail_id, Mail.state == QUEUED, Mail.next_attempt_at <= now)
        .values(next_attempt_at=now + CLAIM)
    ).rowcount
    db.session.commit()
    if claimed != 1:
        return None
    row = db.session.get(Mail, mail_id)
    cfg = current_app.config
    row.attempts += 1
    try:
        row.transport = _send(cfg, _message(cfg, row))
    except Exception as exc:  # the server's refusal, or a message it cannot take: not a poison pill
        _note_failure(row, cfg, exc, now)
        db.session.commit()
        return False
    row.state, row.sent_at, row.next_attempt_at, row.last_error = SENT, now, None, None
    db.session.commit()
    return True


def deliver_due(*, now, limit=BATCH) -> tuple[int, int]:
    """The clock's round: every due message, oldest first; (sent, not sent) counts."""
    ids = db.session.scalars(
        select(Mail.id)
        .where(Mail.state == QUEUED, Mail.next_attempt_at <= now)
        .order_by(Mail.next_attempt_at, Mail.id)
        .limit(limit)
    ).all()
    results = [deliver(mail_id, now=now) for mail_id in ids]
    return results.count(True), results.count(False)


def retry(row, *, now) -> None:
    """The admin queues a failed (or waiting) message again, with a fresh count of attempts."""
    row.state, row.attempts, row.next_attempt_at = QUEUED, 0, now


def _failing():
    """Failed messages and those waiting after a failed attempt: what the admin must see."""
    return (Mail.state == FAILED) | ((Mail.state == QUEUED) & (Mail.attempts > 0))


def failures():
    """The messages the admin must see (`_failing`), newest first."""
    return db.session.scalars(
        select(Mail).where(_failing()).order_by(Mail.id.desc()).limit(200)
    ).all()


def failure_count() -> int:
    return db.session.scalar(select(func.count(Mail.id)).where(_failing())) or 0


def _note_failure(row, cfg, exc, now):
    error = f'{type(exc).__name__}: {exc}'[:500]
    row.last_error = error
    maximum = int(cfg.get('LPSE_MAIL_MAX_ATTEMPTS') or 1)
    if row.attempts >= maximum:
        row.state, row.next_attempt_at = FAILED, None
    else:
        row.next_attempt_at = now + backoff(row.attempts, cfg)
    # No body (it may hold a confirmation link) and no credentials: the server's answer.
    log.warning(
        'mail %s to %s (%s) not sent via %s:%s, attempt %s of %s: %s',
        row.id,
        row.to,
        row.subject,
        cfg.get('LPSE_SMTP_HOST') or '-',
        cfg.get('LPSE_SMTP_PORT'),
        row.attempts,
        maximum,
        error,
    )


def _message(cfg, row) -> EmailMessage:
    message = EmailMessage()
    message['From'] = cfg.get('LPSE_MAIL_FROM', 'lpse@localhost')
    message['To'] = row.to
    message['Subject'] = row.subject
    message.set_content(row.body)
    return message


def _send(cfg, message) -> str:
    if cfg.get('LPSE_SMTP_HOST'):
        _smtp(cfg, message)
        transport = 'smtp'
    elif cfg.get('ENV_NAME') in DEVELOPMENT_ENVS:
        if cfg.get('ENV_NAME') == 'development':
            # The developer's console, on purpose: not the log (it may be shipped elsewhere).
            print(_console_text(message), file=sys.stderr, flush=True)
        transport = 'console'
    else:
        raise NoTransport('LPSE_SMTP_HOST is not set')
    if current_app.testing:
        sent.append(message)
    return transport


def _console_text(message):
    rule = '-' * 72
    return (
        f'{rule}\nMAIL (no SMTP; also in /dev/mailbox)\nTo: {message["To"]}\n'
        f'Subject: {message["Subject"]}\n\n{message.get_content().rstrip()}\n{rule}'
    )


def _smtp(cfg, message):
    host, port = cfg['LPSE_SMTP_HOST'], int(cfg.get('LPSE_SMTP_PORT') or 587)
    mode = (cfg.get('LPSE_SMTP_TLS') or 'starttls').lower()
    if mode not in TLS_MODES:
        raise smtplib.SMTPException(f'LPSE_SMTP_TLS must be one of {", ".join(TLS_MODES)}')
    if mode == 'ssl':
        smtp = smtplib.SMTP_SSL(host, port, timeout=TIMEOUT, context=ssl.create_default_context())
    else:
        smtp = smtplib.SMTP(host, port, timeout=TIMEOUT)
    with smtp:
        if mode == 'starttls':
            smtp.starttls(context=ssl.create_default_context())
        if cfg.get('LPSE_SMTP_USER'):
            smtp.login(cfg['LPSE_SMTP_USER'], cfg.get('LPSE_SMTP_PASSWORD') or '')
        smtp.send_message(message)


def init_app(app):
    """Mail a page queued becomes a job (`mail.deliver`) once its response is sent: a worker
    delivers it (best effort: what is not sent then waits for the clock's round). Off when
    LPSE_MAIL_AFTER_RESPONSE is false (the test suite)."""

    @app.after_request
    def _deliver_after_response(response):
        ids = g.pop('lpse_mail_queued', None)
        if ids and app.config.get('LPSE_MAIL_AFTER_RESPONSE', True):
            response.call_on_close(lambda: _deliver_later(app, ids))
        return response


def _deliver_later(app, ids):
    with app.app_context():  # a session of its own: nothing of the request's is committed
        try:
            jobs.submit(DELIVER_JOB, key=f'mail:{ids[0]}', now=clock.now(), mail_ids=ids)
            db.session.commit()
        except Exception:  # the response is gone; the clock will try again
            db.session.rollback()
            log.exception('mail %s: could not queue the delivery', ids)


@jobs.task(DELIVER_JOB, label=_l('Pengiriman email'))
def _deliver_job(job, *, mail_ids):
    """Each message once (a delivery claims its row); a failed send waits for its next try."""
    for done, mail_id in enumerate(mail_ids, start=1):
        deliver(mail_id, now=clock.now())
        job.progress(done, len(mail_ids))
