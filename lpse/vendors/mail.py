"""The vendors' mail: what the confirmation and decision messages say. Sending is the outbox's
(lpse/notify/outbox.py): each message is queued and committed, then delivered at once; when the
server cannot take it now the outbox retries it on the clock and the caller tells the user the
mail did not go out yet (the registration or decision itself stays saved)."""

from flask import current_app, render_template, url_for
from flask_babel import force_locale
from flask_babel import gettext as _

from lpse.extensions import db
from lpse.notify import outbox
from lpse.vendors import registration


def _send_now(to, subject, body, *, now) -> bool:
    row = outbox.queue(to, subject, body, now=now)
    db.session.commit()
    return bool(outbox.deliver(row.id, now=now))


def send_confirmation(vendor, *, now) -> bool:
    """The signed, expiring link that confirms the company email. When it cannot be sent the
    vendor may ask for a new one at once ("Kirim ulang tautan"): the sent time is cleared
    and committed (the registration itself is already committed)."""
    token = registration.confirmation_token(vendor, now=now)
    link = url_for('vendors.confirm', token=token, _external=True)
    hours = int(current_app.config.get('LPSE_EMAIL_CONFIRM_MAX_AGE', 48 * 3600)) // 3600
    body = render_template('vendors/mail_confirm.txt', vendor=vendor, link=link, hours=hours)
    subject = _('Konfirmasi email pendaftaran penyedia LPSE')
    if _send_now(vendor.email, subject, body, now=now):
        return True
    registration.note_confirmation_failed(vendor)
    db.session.commit()
    return False


def send_decision(vendor, *, now) -> bool:
    """Tell the vendor what the verifier or admin decided (and why), in the vendor's own
    language (not the verifier's); a verified vendor also hears what to do next."""
    with force_locale(vendor.user.locale or 'id'):
        keys = url_for('keys.index', _external=True)
        body = render_template('vendors/mail_decision.txt', vendor=vendor, keys_link=keys)
        subject = _('Status pendaftaran penyedia LPSE')
    return _send_now(vendor.email, subject, body, now=now)
