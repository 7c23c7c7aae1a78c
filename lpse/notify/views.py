"""The inbox pages (/notifikasi), the unread count in the header, and the admin's view of mail
that could not be delivered (/admin/mail)."""

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from lpse import audit, clock
from lpse.auth.access import login_required, role_required
from lpse.auth.models import Role
from lpse.extensions import db
from lpse.notify import inbox, outbox
from lpse.notify.models import Mail
from lpse.proxies import client_ip

bp = Blueprint('notify', __name__)


@bp.app_context_processor
def _unread():
    def unread_notifications():
        return inbox.unread_count(current_user) if current_user.is_authenticated else 0

    return {'unread_notifications': unread_notifications}


def _zone():
    agency = getattr(current_user, 'agency', None)
    return agency.timezone if agency is not None else current_app.config['BABEL_DEFAULT_TIMEZONE']


@bp.get('/notifikasi')
@login_required
def index():
    return render_template(
        'notify/inbox.html', notifications=inbox.inbox_of(current_user), zone=_zone()
    )


@bp.post('/notifikasi/<int:notification_id>/baca')
@login_required
def read(notification_id):
    """Mark one message read; `open` follows its link (a path on this site only)."""
    row = inbox.own(current_user, notification_id) or abort(404)
    inbox.mark_read(row, now=clock.now())
    db.session.commit()
    if request.form.get('open') and row.link and row.link.startswith('/'):
        return redirect(row.link, 303)
    return redirect(url_for('notify.index'), 303)


@bp.post('/notifikasi/baca-semua')
@login_required
def read_all():
    count = inbox.mark_all_read(current_user, now=clock.now())
    db.session.commit()
    flash(_('%(n)s notifikasi ditandai sudah dibaca.', n=count), 'success')
    return redirect(url_for('notify.index'), 303)


admin_only = role_required(Role.admin)


@bp.get('/admin/mail')
@admin_only
def mail_queue():
    """Mail that failed or waits for another attempt: recipient, subject, attempts, the error;
    never the body (it may hold a confirmation link)."""
    return render_template(
        'notify/mail_queue.html',
        rows=outbox.failures(),
        zone=current_app.config['BABEL_DEFAULT_TIMEZONE'],
    )


@bp.post('/admin/mail/<int:mail_id>/retry')
@admin_only
def mail_retry(mail_id):
    row = db.session.get(Mail, mail_id) or abort(404)
    if row.state == 'sent':
        flash(_('Email ini sudah terkirim.'), 'info')
        return redirect(url_for('notify.mail_queue'), 303)
    now = clock.now()
    outbox.retry(row, now=now)
    audit.record('mail.retried', row, actor=current_user, now=now, ip=client_ip())
    db.session.commit()
    if outbox.deliver(row.id, now=now):
        flash(_('Email terkirim.'), 'success')
    else:
        flash(_('Email belum terkirim; dicoba lagi otomatis.'), 'error')
    return redirect(url_for('notify.mail_queue'), 303)
