"""Outgoing mail: SMTP (STARTTLS) when LPSE_SMTP_HOST is set, otherwise the log.

Under test the messages are also kept in `outbox` so tests can read them (a fixture clears it).
Mail is sent after the commit: a rolled-back registration sends nothing."""

import logging
import smtplib
import ssl
from email.message import EmailMessage

from flask import current_app, render_template, url_for
from flask_babel import gettext as _

from lpse.vendors import registration

log = logging.getLogger(__name__)
outbox: list[EmailMessage] = []


def send(to, subject, body):
    message = EmailMessage()
    cfg = current_app.config
    message['From'] = cfg.get('LPSE_MAIL_FROM', 'lpse@localhost')
    message['To'] = to
    message['Subject'] = subject
    message.set_content(body)
    host = cfg.get('LPSE_SMTP_HOST')
    if host:
        with smtplib.SMTP(host, int(cfg.get('LPSE_SMTP_PORT', 587)), timeout=30) as smtp:
            smtp.starttls(context=ssl.create_default_context())
            if cfg.get('LPSE_SMTP_USER'):
                smtp.login(cfg['LPSE_SMTP_USER'], cfg.get('LPSE_SMTP_PASSWORD', ''))
            smtp.send_message(message)
    else:
        log.info('mail (no SMTP configured) to %s: %s\n%s', to, subject, body)
    if current_app.testing:
        outbox.append(message)
    return message


def send_confirmation(vendor, *, now):
    """The signed, expiring link that confirms the company email."""
    token = registration.confirmation_token(vendor, now=now)
    link = url_for('vendors.confirm', token=token, _external=True)
    hours = int(current_app.config.get('LPSE_EMAIL_CONFIRM_MAX_AGE', 48 * 3600)) // 3600
    body = render_template('vendors/mail_confirm.txt', vendor=vendor, link=link, hours=hours)
    return send(vendor.email, _('Konfirmasi email pendaftaran penyedia LPSE'), body)


def send_decision(vendor):
    """Tell the vendor what the verifier decided (and why)."""
    body = render_template('vendors/mail_decision.txt', vendor=vendor)
    return send(vendor.email, _('Status pendaftaran penyedia LPSE'), body)
