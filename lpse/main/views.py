"""The home page and the language switch."""

from flask import Blueprint, redirect, render_template, request, session, url_for
from flask_login import current_user

from lpse.auth.views import safe_next
from lpse.extensions import db

bp = Blueprint('main', __name__)


@bp.get('/')
def index():
    return render_template('main/index.html')


@bp.get('/lang/<code>')
def set_language(code):
    if code in ('id', 'en'):
        session['lang'] = code
        # A logged-in user's choice is kept: notifications and mail are written in it.
        if current_user.is_authenticated and current_user.locale != code:
            current_user.locale = code
            db.session.commit()
    return redirect(safe_next(request.args.get('next')) or url_for('main.index'))
