"""Forms of the prequalification pages: the vendor's qualification form (signed on the server or
uploaded signed), the Pokja's verdicts on one submission, the approval of a result, the
objection (sanggah prakualifikasi) and its answer."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    HiddenField,
    PasswordField,
    RadioField,
    SelectChoice,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from lpse.tenders.prequalification.operations import MAX_TEXT

REQUIRED = DataRequired(message=_l('Isian ini wajib diisi.'))
NOT_TOO_LONG = Length(max=MAX_TEXT, message=_l('Paling banyak %(max)d karakter.'))


class Choice(RadioField):
    """A radio group that must be answered with one of its choices (refused in Indonesian)."""

    def __init__(self, label, choices, message, **kwargs):
        super().__init__(label, choices=choices, **kwargs)
        self.message = message

    def pre_validate(self, form):
        if self.data not in {value for value, *_rest in self.choices}:
            raise ValidationError(self.message)


class QualificationForm(FlaskForm):
    pengalaman = TextAreaField(
        _l('Pengalaman pekerjaan sejenis (nama paket, tahun, nilai, pemberi kerja)'),
        validators=[NOT_TOO_LONG],
    )
    tenaga_ahli = TextAreaField(
        _l('Tenaga ahli (nama, keahlian, pengalaman)'), validators=[NOT_TOO_LONG]
    )
    peralatan = TextAreaField(_l('Peralatan utama (opsional)'), validators=[NOT_TOO_LONG])
    pernyataan = BooleanField(
        _l(
            'Saya menyatakan data kualifikasi ini benar, perusahaan tidak dikenai sanksi daftar '
            'hitam dan tidak dalam keadaan pailit.'
        )
    )
    passphrase = PasswordField(_l('Frasa sandi penandatanganan'), validators=[Optional()])

    def answers(self) -> dict:
        return {
            'pengalaman': self.pengalaman.data or '',
            'tenaga_ahli': self.tenaga_ahli.data or '',
            'peralatan': self.peralatan.data or '',
            'pernyataan': bool(self.pernyataan.data),
        }


class UploadForm(FlaskForm):
    file = FileField(
        _l('Formulir kualifikasi yang Anda tandatangani (PDF)'),
        [FileRequired(message=_l('Pilih berkas PDF yang akan diunggah.'))],
    )


VERDICT_CHOICES = [
    SelectChoice('passed', _l('Memenuhi')),
    SelectChoice('failed', _l('Tidak memenuhi')),
]


def verdict_form(requirements: dict, *, scored: bool, verdicts=None, score=None):
    """One radio (memenuhi / tidak memenuhi) and one reason per requirement — the radio is
    named by the requirement's key, the reason ``<key>_reason`` — and the score when scored."""

    class VerdictForm(FlaskForm):
        def requirement_fields(self):
            return [(key, self[key], self[f'{key}_reason']) for key in requirements]

        def data_for_operation(self) -> dict:
            data = {
                'requirements': {
                    key: {'passed': radio.data == 'passed', 'reason': reason.data or ''}
                    for key, radio, reason in self.requirement_fields()
                }
            }
            if scored:
                data['score'] = (self.score.data or '').strip()
            return data

    for key, label in requirements.items():
        setattr(
            VerdictForm,
            key,
            Choice(label, VERDICT_CHOICES, _l('Pilih memenuhi atau tidak memenuhi.')),
        )
        setattr(
            VerdictForm,
            f'{key}_reason',
            TextAreaField(_l('Alasan'), validators=[REQUIRED, NOT_TOO_LONG]),
        )
    if scored:
        VerdictForm.score = StringField(_l('Nilai kualifikasi (0–100)'), validators=[REQUIRED])
    form = VerdictForm()
    if verdicts and not form.is_submitted():
        for key, radio, reason in form.requirement_fields():
            if key in verdicts:
                radio.data = 'passed' if verdicts[key]['passed'] else 'failed'
                reason.data = verdicts[key]['reason']
        if scored and score is not None:
            form.score.data = str(score)
    return form


class ApproveForm(FlaskForm):
    result_sha256 = HiddenField(validators=[REQUIRED, Length(min=64, max=64)])


class ObjectionForm(FlaskForm):
    text = TextAreaField(_l('Alasan sanggah prakualifikasi'), validators=[REQUIRED, NOT_TOO_LONG])


class AnswerForm(FlaskForm):
    decision = Choice(
        _l('Keputusan'),
        [
            SelectChoice('rejected', _l('Sanggah ditolak')),
            SelectChoice('accepted', _l('Sanggah diterima (hasil prakualifikasi ditarik)')),
        ],
        _l('Pilih sanggahan diterima atau ditolak.'),
    )
    answer = TextAreaField(_l('Jawaban dan alasannya'), validators=[REQUIRED, NOT_TOO_LONG])
