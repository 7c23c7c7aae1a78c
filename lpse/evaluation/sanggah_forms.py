"""Forms of the announcement, objection (sanggah) and award (SPPBJ) buttons."""

from datetime import UTC
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateTimeLocalField, MultipleFileField, RadioField, SelectChoice, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from lpse.evaluation.objections import MAX_ANSWER, MAX_GROUNDS


class ObjectionForm(FlaskForm):
    grounds = TextAreaField(
        _l('Alasan sanggah'), validators=[DataRequired(), Length(max=MAX_GROUNDS)]
    )
    attachments = MultipleFileField(_l('Lampiran (PDF atau dokumen perkantoran, opsional)'))


class ObjectionAnswerForm(FlaskForm):
    decision = RadioField(
        _l('Keputusan'),
        choices=[
            SelectChoice('rejected', _l('Sanggah ditolak')),
            SelectChoice('accepted', _l('Sanggah diterima')),
        ],
        validators=[DataRequired()],
    )
    consequence = RadioField(
        _l('Akibat bila diterima'),
        choices=[
            SelectChoice('reevaluate', _l('Evaluasi ulang (versi evaluasi baru)')),
            SelectChoice('fail', _l('Tender dinyatakan gagal')),
        ],
        validators=[Optional()],
        validate_choice=False,
    )
    answer = TextAreaField(
        _l('Jawaban dan alasannya'), validators=[DataRequired(), Length(max=MAX_ANSWER)]
    )


class AwardForm(FlaskForm):
    contract_deadline = DateTimeLocalField(
        _l('Batas penandatanganan kontrak (zona tender; kosongkan untuk 14 hari)'),
        validators=[Optional()],
    )

    def deadline_utc(self, zone):
        value = self.contract_deadline.data
        return value.replace(tzinfo=ZoneInfo(zone)).astimezone(UTC) if value else None
