"""The development mailbox: every message the outbox delivered without SMTP, with clickable
links, so that under `make run` a new vendor can open its confirmation link. Registered only
when the app runs in development or testing (lpse/app.py), never in production."""

import re

from flask import Blueprint, abort, render_template
from markupsafe import Markup, escape
from sqlalchemy import select

from lpse.extensions import db
from lpse.notify.models import Mail

bp = Blueprint('devmail', __name__, url_prefix='/dev/mailbox')
URL = re.compile(r'https?://[^\s<>"]+')
SHOWN = 200


def linked(text) -> Markup:
    """The text, escaped, with its web addresses made links."""
    out, last = [], 0
    for match in URL.finditer(text):
        out += [escape(text[last : match.start()]), _anchor(match.group(0))]
        last = match.end()
    out.append(escape(text[last:]))
    return Markup('').join(out)


def _anchor(url):
    return Markup('<a href="{0}">{0}</a>').format(url)


@bp.get('/')
def index():
    rows = db.session.scalars(
        select(Mail).where(Mail.transport == 'console').order_by(Mail.id.desc()).limit(SHOWN)
    ).all()
    return render_template('notify/dev_mailbox.html', rows=rows)


@bp.get('/<int:mail_id>')
def message(mail_id):
    row = db.session.get(Mail, mail_id)
    if row is None or row.transport != 'console':
        abort(404)
    return render_template('notify/dev_message.html', row=row, body=linked(row.body))
