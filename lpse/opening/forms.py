"""The opening page's form: a member with a server-held key releases their share."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length, Optional


class ReleaseForm(FlaskForm):
    passphrase = PasswordField(
        _l('Frasa sandi penandatanganan'), validators=[DataRequired(), Length(max=1024)]
    )
    totp = StringField(
        _l('Kode TOTP'),
        validators=[Optional(), Length(max=10)],
        render_kw={'autocomplete': 'one-time-code', 'inputmode': 'numeric'},
    )
