"""Forms for logging in, the second factor, passwords and API tokens."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, HiddenField, PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length, Regexp


class LoginForm(FlaskForm):
    email = EmailField(_l('Email'), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l('Kata sandi'), validators=[DataRequired(), Length(max=1024)])
    next = HiddenField()


class TotpForm(FlaskForm):
    code = StringField(
        _l('Kode verifikasi (6 angka)'),
        validators=[DataRequired(), Regexp(r'^\s*\d{6}\s*$', message=_l('Masukkan 6 angka.'))],
        render_kw={'autocomplete': 'one-time-code', 'inputmode': 'numeric'},
    )


class PasswordChangeForm(FlaskForm):
    current_password = PasswordField(_l('Kata sandi saat ini'), validators=[DataRequired()])
    new_password = PasswordField(
        _l('Kata sandi baru'), validators=[DataRequired(), Length(min=10, max=1024)]
    )
    confirm = PasswordField(
        _l('Ulangi kata sandi baru'),
        validators=[DataRequired(), EqualTo('new_password', message=_l('Kata sandi tidak sama.'))],
    )


class TokenForm(FlaskForm):
    name = StringField(_l('Nama token'), validators=[DataRequired(), Length(max=100)])


class ConfirmForm(FlaskForm):
    """An empty form: a button that posts with a CSRF token."""
