"""Outgoing mail: SMTP when LPSE_SMTP_HOST is set, otherwise the log.

LPSE_SMTP_TLS chooses how the connection is protected: `starttls` (the default, usually port
587), `ssl` (implicit TLS, usually port 465) or `none` (a relay on the same host only);
LPSE_SMTP_PORT, LPSE_SMTP_USER and LPSE_SMTP_PASSWORD come from the environment too.

Mail is sent after the commit: a rolled-back registration sends nothing, and a mail server
that is down or refuses the message does not undo what was saved. `send` then returns False
(the failure is logged without the message body or credentials) and the caller tells the user
the mail did not go out. Under test the messages are also kept in `outbox` (a fixture clears it).
"""

import logging
import smtplib
import ssl
from email.message import EmailMessage

from flask import current_app, render_template, url_for
from flask_babel import gettext as _

from lpse.extensions import db
from lpse.vendors import registration

log = logging.getLogger(__name__)
outbox: list[EmailMessage] = []
TLS_MODES = ('starttls', 'ssl', 'none')
TIMEOUT = 30


def _deliver(cfg, message):
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


def send(to, subject, body) -> bool:
    """Send (or log) one message; False when the SMTP server could not take it."""
    message = EmailMessage()
    cfg = current_app.config
    message['From'] = cfg.get('LPSE_MAIL_FROM', 'lpse@localhost')
    message['To'] = to
    message['Subject'] = subject
    message.set_content(body)
    if not cfg.get('LPSE_SMTP_HOST'):
        log.info('mail (no SMTP configured) to %s: %s\n%s', to, subject, body)
        _keep(message)
        return True
    try:
        _deliver(cfg, message)
    except (smtplib.SMTPException, OSError) as exc:
        # No body (it may hold a confirmation link) and no credentials: the server's answer.
        log.warning(
            'mail to %s (%s) not sent via %s:%s: %s: %s',
            to,
            subject,
            cfg['LPSE_SMTP_HOST'],
            cfg.get('LPSE_SMTP_PORT'),
            type(exc).__name__,
            exc,
        )
        return False
    _keep(message)
    return True


def _keep(message):
    if current_app.testing:
        outbox.append(message)


def send_confirmation(vendor, *, now) -> bool:
    """The signed, expiring link that confirms the company email. When it cannot be sent the
    vendor may ask for a new one at once ("Kirim ulang tautan"): the sent time is cleared
    and committed (the registration itself is already committed)."""
    token = registration.confirmation_token(vendor, now=now)
    link = url_for('vendors.confirm', token=token, _external=True)
    hours = int(current_app.config.get('LPSE_EMAIL_CONFIRM_MAX_AGE', 48 * 3600)) // 3600
    body = render_template('vendors/mail_confirm.txt', vendor=vendor, link=link, hours=hours)
    if send(vendor.email, _('Konfirmasi email pendaftaran penyedia LPSE'), body):
        return True
    registration.note_confirmation_failed(vendor)
    db.session.commit()
    return False


def send_decision(vendor) -> bool:
    """Tell the vendor what the verifier or admin decided (and why)."""
    body = render_template('vendors/mail_decision.txt', vendor=vendor)
    return send(vendor.email, _('Status pendaftaran penyedia LPSE'), body)
