"""Admin forms: officer accounts and agencies."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    widgets,
)
from wtforms.validators import DataRequired, Length, Optional

from lpse.agencies.models import TIMEZONES
from lpse.auth.models import ROLE_LABELS

ROLE_CHOICES = [SelectChoice(r.value, label) for r, label in ROLE_LABELS.items()]


class MultiCheckboxField(SelectMultipleField):
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


class UserForm(FlaskForm):
    email = EmailField(_l('Email'), validators=[DataRequired(), Length(max=254)])
    name = StringField(_l('Nama lengkap'), validators=[DataRequired(), Length(max=200)])
    roles = MultiCheckboxField(
        _l('Peran'),
        choices=ROLE_CHOICES,
        validators=[DataRequired(message=_l('Pilih minimal satu peran.'))],
    )
    agency = SelectField(_l('Instansi'), choices=[], validate_choice=False)


class RolesForm(FlaskForm):
    roles = MultiCheckboxField(
        _l('Peran'),
        choices=ROLE_CHOICES,
        validators=[DataRequired(message=_l('Pilih minimal satu peran.'))],
    )


class NipForm(FlaskForm):
    nip = StringField(
        _l('NIP'),
        validators=[Optional(), Length(max=40)],
        description=_l(
            '18 angka; kosongkan untuk menghapus. Dicetak di blok tanda tangan dokumen.'
        ),
    )


class AgencyForm(FlaskForm):
    code = StringField(_l('Kode'), validators=[DataRequired(), Length(max=20)])
    name = StringField(_l('Nama instansi'), validators=[DataRequired(), Length(max=200)])
    timezone = SelectField(
        _l('Zona waktu'),
        choices=[SelectChoice(tz, f'{abbr} ({tz})') for tz, abbr in TIMEZONES.items()],
    )


class WorkUnitForm(FlaskForm):
    code = StringField(_l('Kode satuan kerja'), validators=[DataRequired(), Length(max=20)])
    name = StringField(_l('Nama satuan kerja'), validators=[DataRequired(), Length(max=200)])


class AuditorScopeForm(FlaskForm):
    """What an auditor account audits: everything, or some agencies and tenders; until when."""

    national = BooleanField(_l('Nasional (semua instansi)'))
    agencies = MultiCheckboxField(_l('Instansi'), choices=[], coerce=int)
    tenders = TextAreaField(
        _l('Kode tender yang ditugaskan (pisahkan dengan spasi atau baris baru)'),
        validators=[Length(max=8000)],
    )
    ends_on = DateField(_l('Penugasan berakhir (inklusif)'), validators=[Optional()])

    def tender_codes(self) -> list[str]:
        return (self.tenders.data or '').replace(',', ' ').split()
