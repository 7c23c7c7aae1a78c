"""The "Ikuti tender" button: a vendor follows or stops following a tender's news."""

from flask import abort, flash, redirect, url_for
from flask_babel import gettext as _
from flask_login import current_user

from lpse import clock
from lpse.auth.access import role_required
from lpse.auth.models import Role
from lpse.extensions import db
from lpse.proxies import client_ip
from lpse.tenders import follows
from lpse.tenders.forms import ConfirmForm
from lpse.tenders.views import bp, load_tender


def _posted(code):
    tender = load_tender(code)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    return tender


@bp.post('/<code>/follow')
@role_required(Role.vendor)
def follow(code):
    tender = _posted(code)
    follows.follow(tender, actor=current_user, now=clock.now(), ip=client_ip())
    db.session.commit()
    flash(
        _('Anda mengikuti tender ini: kabar terbarunya masuk ke notifikasi dan email Anda.'), 'info'
    )
    return redirect(url_for('tenders.detail', code=tender.code), 303)


@bp.post('/<code>/unfollow')
@role_required(Role.vendor)
def unfollow(code):
    tender = _posted(code)
    follows.unfollow(tender, actor=current_user, now=clock.now(), ip=client_ip())
    db.session.commit()
    flash(_('Anda tidak lagi mengikuti tender ini.'), 'info')
    return redirect(url_for('tenders.detail', code=tender.code), 303)
