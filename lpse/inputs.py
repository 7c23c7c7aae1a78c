"""Hostile input stopped at the door, for every route: JSON nested past a sane depth, NUL
characters (PostgreSQL refuses them in text) in JSON strings, form fields, file names, query
strings and paths, a JSON body that is not an object, and JSON sent to a page form.

Each is a 400 (415 for JSON to a page) with a clear message, before any view runs."""

import json

from flask import Request, request
from flask.json.provider import DefaultJSONProvider
from flask_babel import gettext as _
from werkzeug.exceptions import BadRequest, UnsupportedMediaType

# Our bodies nest three or four levels; anything far deeper is an attack on the parser.
MAX_JSON_DEPTH = 32
NUL = '\x00'


def _hostile(data) -> bool:
    """Whether decoded JSON nests deeper than MAX_JSON_DEPTH or holds a NUL in any string."""
    stack = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, str):
            if NUL in value:
                return True
        elif isinstance(value, (list, dict)):
            if depth > MAX_JSON_DEPTH:
                return True
            items = value.items() if isinstance(value, dict) else ((None, v) for v in value)
            for key, item in items:
                if key is not None and NUL in key:
                    return True
                stack.append((item, depth + 1))
    return False


class JSONProvider(DefaultJSONProvider):
    """Flask's JSON, refusing (as ValueError, so a 400) what the checks above refuse."""

    def loads(self, s, **kwargs):
        try:
            data = json.loads(s, **kwargs)
        except RecursionError:
            raise ValueError('JSON nested too deeply') from None
        if _hostile(data):
            raise ValueError('JSON nested too deeply or holding NUL')
        return data


class SafeRequest(Request):
    """A request whose JSON and form data have passed the checks above."""

    def on_json_loading_failed(self, e):
        if e is None:
            return super().on_json_loading_failed(e)
        raise BadRequest(_('Badan permintaan bukan JSON yang valid.'))

    def _load_form_data(self):
        super()._load_form_data()
        texts = [text for pair in self.form.items(multi=True) for text in pair]
        texts += [text for k, f in self.files.items(multi=True) for text in (k, f.filename)]
        if any(NUL in (t or '') for t in texts):
            raise BadRequest(_('Karakter NUL tidak diterima dalam formulir.'))


def check_request():
    """Refuse NUL in the path or the query string, and JSON that no route of ours takes."""
    if request.routing_exception is not None:  # no such route (404/405) says more
        return
    if NUL in request.path or any(NUL in k or NUL in v for k, v in request.args.items(True)):
        raise BadRequest(_('Karakter NUL tidak diterima dalam alamat.'))
    has_body = request.content_length or request.headers.get('Transfer-Encoding')
    if not (request.is_json and has_body):
        return
    if not request.path.startswith('/api/'):
        raise UnsupportedMediaType(_('Halaman ini menerima formulir, bukan JSON.'))
    if not isinstance(request.get_json(), dict):
        raise BadRequest(_('Badan permintaan harus berupa objek JSON yang valid.'))


def init_app(app):
    """Install the checks; call before the extensions, so that they run first."""
    app.json = JSONProvider(app)
    app.before_request(check_request)
