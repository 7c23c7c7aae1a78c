"""The home page, each role's home after login (/beranda) and the language switch."""

from flask import Blueprint, redirect, render_template, request, session, url_for
from flask_login import current_user

from lpse import clock
from lpse.auth.access import login_required
from lpse.auth.models import Role
from lpse.auth.scope import active_scope
from lpse.auth.views import safe_next
from lpse.extensions import db
from lpse.main import dashboard
from lpse.tenders import keys as tender_keys
from lpse.vendors import pages as vendor_pages
from lpse.vendors import verification

bp = Blueprint('main', __name__)


@bp.get('/')
def index():
    return render_template('main/index.html')


@bp.get('/login')
@bp.get('/masuk')
def login_alias():
    """The addresses people type for the login page."""
    return redirect(url_for('auth.login'), code=301)


@bp.get('/beranda')
@login_required
def home():
    """What next, per role: each section shows only the signed-in user's own tenders, bids,
    objections and contracts (lpse/main/dashboard.py)."""
    now = clock.now()
    user = current_user._get_current_object()
    pokja, ppk = dashboard.officer_items(user, now)
    vendor = verification.vendor_of(user) if user.has_role(Role.vendor) else None
    context = {
        'now': now,
        'pokja_items': pokja,
        'ppk_items': ppk,
        'vendor': vendor,
        'vendor_home': dashboard.vendor_home(user, vendor, now)
        if user.has_role(Role.vendor)
        else None,
        'vendor_next': vendor_pages.next_step(vendor, user, now) if vendor is not None else None,
        'waiting': dashboard.vendors_waiting() if user.has_role(Role.verifier) else None,
        'auditor_scope': active_scope(user, now) if user.has_role(Role.auditor) else None,
        'admin_home': dashboard.admin_home() if user.has_role(Role.admin) else None,
        # A Pokja member without a Pokja certificate holds no key share: no tender of theirs
        # can be announced (its key is split among the members' certificates).
        'pokja_needs_key': user.has_role(Role.pokja)
        and tender_keys.pokja_certificate(user, now) is None,
    }
    page = render_template('main/home.html', **context)
    # The next visit's "since your last visit" starts now (bookkeeping, not audited state).
    user.home_seen_at = now
    db.session.commit()
    return page


@bp.get('/lang/<code>')
def set_language(code):
    if code in ('id', 'en'):
        session['lang'] = code
        # A logged-in user's choice is kept: notifications and mail are written in it.
        if current_user.is_authenticated and current_user.locale != code:
            current_user.locale = code
            db.session.commit()
    return redirect(safe_next(request.args.get('next')) or url_for('main.index'))
