"""The public verification form."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import StringField, TextAreaField
from wtforms.validators import Optional, Regexp


class VerifyForm(FlaskForm):
    file = FileField(_l('Berkas PDF atau tanda terima (JSON)'))
    receipt = TextAreaField(_l('Atau tempel isi tanda terima (JSON)'))
    envelope_sha256 = StringField(
        _l('SHA-256 berkas penawaran (opsional)'),
        validators=[
            Optional(),
            Regexp(r'^[0-9a-fA-F]{64}$', message=_l('SHA-256 terdiri dari 64 digit heksadesimal.')),
        ],
    )
