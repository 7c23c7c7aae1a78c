"""The in-app inbox: a message per user, in the user's language, and its mail.

`send` is what the domain modules call (through their own small hook, e.g. tenders/news.py)
inside the transaction of the action that causes the message: the inbox rows and the queued
mail are committed with the action, or not at all."""

from flask import current_app, has_request_context, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import func, select, update

from lpse.extensions import db
from lpse.notify import outbox
from lpse.notify.models import Notification

INBOX_SIZE = 100


def send(users, *, kind, render, link=None, dedupe=None, now, mail=True):
    """Tell each (active) user once: ``render()`` returns (title, body), called under the
    user's own locale. With ``dedupe`` a user who already has that message gets nothing."""
    made = []
    seen = set()
    for user in users:
        if user is None or user.id in seen or not user.active:
            continue
        seen.add(user.id)
        if dedupe and _has(user.id, dedupe):
            continue
        with force_locale(user.locale or 'id'):
            text_title, text_body = (str(text) for text in render())
            letter = _letter(text_body, link)
            subject = _('[LPSE] %(title)s', title=text_title)
        row = Notification(
            user_id=user.id,
            kind=kind,
            title=text_title[:300],
            body=text_body,
            link=link,
            dedupe=dedupe,
            created_at=now,
        )
        db.session.add(row)
        if mail and user.email:
            outbox.queue(user.email, subject, letter, now=now)
        made.append(row)
    db.session.flush()
    return made


def _has(user_id, dedupe):
    return (
        db.session.scalar(
            select(Notification.id).where(
                Notification.user_id == user_id, Notification.dedupe == dedupe
            )
        )
        is not None
    )


def _letter(body, link):
    parts = [body]
    if link:
        parts.append(_('Selengkapnya: %(url)s', url=absolute(link)))
    parts.append(_('Pesan ini juga ada di kotak notifikasi Anda di LPSE.'))
    return '\n\n'.join(parts) + '\n'


def site_path(endpoint, **values):
    """A path on this site, from a page or from the clock (no request there)."""
    if has_request_context():
        return url_for(endpoint, **values)
    with current_app.test_request_context():
        return url_for(endpoint, **values)


def absolute(link):
    return current_app.config['LPSE_BASE_URL'].rstrip('/') + link


def unread_count(user) -> int:
    return db.session.scalar(
        select(func.count(Notification.id)).where(
            Notification.user_id == user.id, Notification.read_at.is_(None)
        )
    )


def inbox_of(user):
    return db.session.scalars(
        select(Notification)
        .where(Notification.user_id == user.id)
        .order_by(Notification.id.desc())
        .limit(INBOX_SIZE)
    ).all()


def own(user, notification_id):
    """The user's own message, or None (another user's message does not exist for them)."""
    row = db.session.get(Notification, notification_id)
    return row if row is not None and row.user_id == user.id else None


def mark_read(row, *, now):
    if row.read_at is None:
        row.read_at = now


def mark_all_read(user, *, now) -> int:
    return db.session.execute(
        update(Notification)
        .where(Notification.user_id == user.id, Notification.read_at.is_(None))
        .values(read_at=now)
    ).rowcount
