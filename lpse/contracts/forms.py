"""Forms of the contract page: the PPK's draft, SPMK, amendment and BAST; the vendor's review
and signature (server-held key); the confirmations."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, PasswordField, RadioField, SelectChoice, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from lpse.contracts.operations import MAX_TEXT


class DraftForm(FlaskForm):
    starts_on = DateField(_l('Tanggal mulai kontrak'), validators=[DataRequired()])
    ends_on = DateField(_l('Tanggal selesai kontrak'), validators=[DataRequired()])
    payment_terms = TextAreaField(
        _l('Cara pembayaran'), validators=[DataRequired(), Length(max=MAX_TEXT)]
    )
    bond_number = StringField(
        _l('Nomor jaminan pelaksanaan'), validators=[DataRequired(), Length(max=100)]
    )
    bond_issuer = StringField(
        _l('Penerbit jaminan pelaksanaan'), validators=[DataRequired(), Length(max=200)]
    )
    bond_valid_until = DateField(_l('Jaminan berlaku sampai'), validators=[DataRequired()])


class ReviewForm(FlaskForm):
    decision = RadioField(
        _l('Tinjauan'),
        choices=[
            SelectChoice('accept', _l('Setujui draf')),
            SelectChoice('changes', _l('Minta perubahan')),
        ],
        validators=[DataRequired()],
    )
    note = TextAreaField(
        _l('Catatan (wajib bila meminta perubahan)'), validators=[Length(max=MAX_TEXT)]
    )


class SignForm(FlaskForm):
    passphrase = PasswordField(_l('Frasa sandi penandatanganan'), validators=[DataRequired()])


class SpmkForm(FlaskForm):
    work_starts_on = DateField(_l('Tanggal mulai kerja'), validators=[DataRequired()])


class AmendmentForm(FlaskForm):
    reason = TextAreaField(
        _l('Alasan perubahan'), validators=[DataRequired(), Length(max=MAX_TEXT)]
    )
    new_value = StringField(_l('Nilai kontrak baru (rupiah, opsional)'), validators=[Optional()])
    new_ends_on = DateField(_l('Tanggal selesai baru (opsional)'), validators=[Optional()])
    scope = TextAreaField(_l('Perubahan lingkup (opsional)'), validators=[Length(max=MAX_TEXT)])


class BastForm(FlaskForm):
    note = TextAreaField(_l('Catatan serah terima (opsional)'), validators=[Length(max=MAX_TEXT)])
