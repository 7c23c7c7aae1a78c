"""The home page and the language switch."""

from flask import Blueprint, redirect, render_template, request, session, url_for

from lpse.auth.views import safe_next

bp = Blueprint('main', __name__)


@bp.get('/')
def index():
    return render_template('main/index.html')


@bp.get('/lang/<code>')
def set_language(code):
    if code in ('id', 'en'):
        session['lang'] = code
    return redirect(safe_next(request.args.get('next')) or url_for('main.index'))
