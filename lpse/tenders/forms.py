"""Tender forms. Amounts are typed the Indonesian way (1.500.000.000 or 1500000,50)."""

from datetime import UTC
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    FieldList,
    Form,
    FormField,
    RadioField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    widgets,
)
from wtforms.validators import DataRequired, Length, Optional, Regexp

from lpse.agencies.models import TIMEZONES
from lpse.i18n import number, number_text
from lpse.tenders.documents import KIND_LABELS
from lpse.tenders.models import (
    BusinessSize,
    Category,
    ContractType,
    EvaluationMethod,
    QualificationMethod,
    SelectionMethod,
)
from lpse.tenders.stages import ALL_STAGES, STAGE_LABELS, STAGES, Window

CATEGORY_LABELS = {
    Category.barang: _l('Pengadaan Barang'),
    Category.pekerjaan_konstruksi: _l('Pekerjaan Konstruksi'),
    Category.jasa_konsultansi: _l('Jasa Konsultansi'),
    Category.jasa_lainnya: _l('Jasa Lainnya'),
}
SELECTION_LABELS = {
    SelectionMethod.tender: _l('Tender'),
    SelectionMethod.seleksi: _l('Seleksi'),
    SelectionMethod.tender_cepat: _l('Tender Cepat'),
}
QUALIFICATION_LABELS = {
    QualificationMethod.pascakualifikasi: _l('Pascakualifikasi'),
    QualificationMethod.prakualifikasi: _l('Prakualifikasi (daftar pendek)'),
}
CONTRACT_LABELS = {
    ContractType.lump_sum: _l('Lumsum'),
    ContractType.unit_price: _l('Harga Satuan'),
    ContractType.gabungan: _l('Gabungan Lumsum dan Harga Satuan'),
}
SIZE_LABELS = {BusinessSize.kecil: _l('Usaha Kecil'), BusinessSize.non_kecil: _l('Non-Kecil')}
TKDN_FORMULAS = {
    'lkpp2022': _l('HEA = (1 − KP) × P (LKPP 2022)'),
    'legacy': _l('HEA = P / (1 + KP) (lama)'),
}
METHOD_LABELS = {
    EvaluationMethod.lowest_price: _l('Harga Terendah (sistem gugur)'),
    EvaluationMethod.merit_point: _l('Sistem Nilai'),
    EvaluationMethod.life_cycle_cost: _l('Penilaian Biaya Selama Umur Ekonomis'),
    EvaluationMethod.qcbs: _l('Kualitas dan Biaya'),
    EvaluationMethod.quality: _l('Kualitas'),
    EvaluationMethod.fixed_budget: _l('Pagu Anggaran'),
    EvaluationMethod.least_cost: _l('Biaya Terendah'),
}
# Decimals as Indonesians write them (0,7) or with a point (0.7); stored with a point.
DECIMAL = Regexp(r'^\s*\d+([.,]\d+)?\s*$', message=_l('Tulis angka desimal, mis. 0,7.'))


def _decimal(text) -> str:
    """A DECIMAL field's value as stored: `0,7` → `0.7`; blank → `0`."""
    return number_text(text) or '0'


def _shown(value) -> str | None:
    """A stored decimal (`0.7`) as the form shows it to an Indonesian (`0,7`)."""
    return None if value in (None, '') else number(value)


def _choices(labels):
    return [SelectChoice(key.value, label) for key, label in labels.items()]


class MultiCheckboxField(SelectMultipleField):
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


class BoqRowForm(Form):
    description = StringField(_l('Uraian'), validators=[Optional(), Length(max=500)])
    quantity = StringField(_l('Volume'), validators=[Optional()])
    unit = StringField(_l('Satuan'), validators=[Optional(), Length(max=40)])
    unit_price = StringField(_l('Harga satuan HPS'), validators=[Optional()])


class TenderForm(FlaskForm):
    title = StringField(_l('Nama paket'), validators=[DataRequired(), Length(max=300)])
    description = TextAreaField(_l('Uraian pekerjaan'), validators=[Length(max=20000)])
    category = SelectField(_l('Jenis pengadaan'), choices=_choices(CATEGORY_LABELS))
    selection_method = SelectField(_l('Metode pemilihan'), choices=_choices(SELECTION_LABELS))
    qualification_method = SelectField(
        _l('Metode kualifikasi'),
        choices=_choices(QUALIFICATION_LABELS),
        default=QualificationMethod.pascakualifikasi.value,
    )
    contract_type = SelectField(_l('Jenis kontrak'), choices=_choices(CONTRACT_LABELS))
    work_unit = SelectField(_l('Satuan kerja'), choices=[], validate_choice=False)
    funding_source = StringField(_l('Sumber dana'), validators=[Length(max=100)])
    fiscal_year = StringField(_l('Tahun anggaran'), validators=[DataRequired()])
    pagu = StringField(_l('Pagu anggaran (Rp)'), validators=[DataRequired()])
    hps = StringField(_l('HPS (Rp)'), validators=[DataRequired()])
    business_size = SelectField(_l('Kualifikasi usaha'), choices=_choices(SIZE_LABELS))
    location = StringField(_l('Lokasi pekerjaan'), validators=[Length(max=300)])
    timezone = SelectField(
        _l('Zona waktu tender'),
        choices=[SelectChoice(tz, f'{abbr} ({tz})') for tz, abbr in TIMEZONES.items()],
    )
    ppk = SelectField(_l('PPK'), choices=[], validate_choice=False)
    pokja = MultiCheckboxField(_l('Anggota Pokja'), choices=[], validate_choice=False)
    key_threshold = StringField(_l('Ambang kunci k (kosong = mayoritas)'))
    submission_files = SelectField(
        _l('Sistem penawaran'),
        choices=[SelectChoice('1', _l('Satu file')), SelectChoice('2', _l('Dua file'))],
    )
    required_kbli = StringField(_l('KBLI yang disyaratkan'), validators=[Length(max=400)])
    evaluation_method = SelectField(_l('Metode evaluasi'), choices=_choices(METHOD_LABELS))
    technical_weight = StringField(_l('Bobot teknis'), validators=[Optional(), DECIMAL])
    price_weight = StringField(_l('Bobot harga/biaya'), validators=[Optional(), DECIMAL])
    technical_threshold = StringField(
        _l('Ambang batas nilai teknis (0–100)'), validators=[Optional(), DECIMAL]
    )
    tkdn_preference = BooleanField(_l('Preferensi harga TKDN'))
    tkdn_formula = SelectField(
        _l('Rumus preferensi TKDN'),
        choices=[SelectChoice(key, label) for key, label in TKDN_FORMULAS.items()],
    )
    discount_rate = StringField(_l('Tingkat diskonto r'), validators=[Optional(), DECIMAL])
    years = StringField(_l('Umur ekonomis n (tahun)'), validators=[Optional(), Regexp(r'^\d+$')])
    boq = FieldList(FormField(BoqRowForm), min_entries=3)

    def data_for_operation(self) -> dict:
        """The fields as `operations.create_draft`/`update_draft` take them."""
        data = {
            name: getattr(self, name).data
            for name in (
                'title',
                'description',
                'category',
                'selection_method',
                'qualification_method',
                'contract_type',
                'work_unit',
                'funding_source',
                'business_size',
                'location',
                'timezone',
                'key_threshold',
                'submission_files',
                'required_kbli',
                'evaluation_method',
            )
        }
        data['fiscal_year'] = (self.fiscal_year.data or '').strip()
        data['pagu'] = number_text(self.pagu.data)
        data['hps'] = number_text(self.hps.data)
        data['ppk'] = self.ppk.data or None
        data['pokja'] = [int(v) for v in self.pokja.data if str(v).isdigit()]
        data['method_params'] = self.method_params()
        data['boq'] = [
            {
                'description': row['description'],
                'quantity': number_text(row['quantity']),
                'unit': row['unit'],
                'unit_price': number_text(row['unit_price']),
            }
            for row in self.boq.data
            if any(row.values())
        ]
        return data

    def method_params(self) -> dict:
        params = {
            'tkdn': {
                'formula': self.tkdn_formula.data,
                'max_preference': '0.25' if self.tkdn_preference.data else '0',
            }
        }
        if self.technical_weight.data or self.price_weight.data:
            params['weights'] = {
                'technical': _decimal(self.technical_weight.data),
                'price': _decimal(self.price_weight.data),
            }
        if self.technical_threshold.data:
            params['technical_threshold'] = _decimal(self.technical_threshold.data)
        if self.discount_rate.data or self.years.data:
            params['life_cycle'] = {
                'discount_rate': _decimal(self.discount_rate.data),
                'years': int(self.years.data or 0),
            }
        return params

    def fill_params(self, params: dict) -> None:
        weights = params.get('weights') or {}
        self.technical_weight.data = _shown(weights.get('technical'))
        self.price_weight.data = _shown(weights.get('price'))
        self.technical_threshold.data = _shown(params.get('technical_threshold'))
        tkdn = params.get('tkdn') or {}
        self.tkdn_preference.data = tkdn.get('max_preference', '0.25') not in ('0', 0)
        self.tkdn_formula.data = tkdn.get('formula', 'lkpp2022')
        life = params.get('life_cycle') or {}
        self.discount_rate.data = _shown(life.get('discount_rate'))
        self.years.data = str(life['years']) if life.get('years') else None


class ScheduleForm(FlaskForm):
    """The windows of the method's stages in the tender's zone; a reason once published."""

    reason = TextAreaField(_l('Alasan perubahan jadwal'), validators=[Length(max=5000)])
    #: The stages of the tender's selection method (the view sets them); every stage otherwise.
    stages = STAGES

    def rows(self):
        return [(s, STAGE_LABELS[s], self[f'{s}_start'], self[f'{s}_end']) for s in self.stages]

    def validate(self, extra_validators=None):
        """A stage is given whole or not at all: a lone start or end is an error on the form,
        never silently dropped."""
        ok = super().validate(extra_validators)
        for _stage, _label, start, end in self.rows():
            if bool(start.data) != bool(end.data):
                empty = end if start.data else start
                if not empty.errors:
                    empty.errors = [
                        *empty.errors,
                        _l('Isi mulai dan sampai, atau kosongkan keduanya.'),
                    ]
                ok = False
        return ok

    def windows(self, zone: str) -> dict:
        """The filled windows as aware UTC (`validate` refuses a half-filled stage)."""
        tz, result = ZoneInfo(zone), {}
        for stage, _label, start, end in self.rows():
            if start.data and end.data:
                result[stage] = Window(
                    start.data.replace(tzinfo=tz).astimezone(UTC),
                    end.data.replace(tzinfo=tz).astimezone(UTC),
                )
        return result

    def fill(self, schedule: dict, zone: str) -> None:
        tz = ZoneInfo(zone)
        for stage, window in schedule.items():
            self[f'{stage}_start'].data = window.start.astimezone(tz).replace(tzinfo=None)
            self[f'{stage}_end'].data = window.end.astimezone(tz).replace(tzinfo=None)


for _stage in ALL_STAGES:
    # Labelled with their stage: the form's error summary names each field it lists.
    for _edge, _label in (
        ('start', _l('%(stage)s — mulai', stage=STAGE_LABELS[_stage])),
        ('end', _l('%(stage)s — sampai', stage=STAGE_LABELS[_stage])),
    ):
        setattr(
            ScheduleForm,
            f'{_stage}_{_edge}',
            DateTimeLocalField(_label, format='%Y-%m-%dT%H:%M', validators=[Optional()]),
        )


class DocumentForm(FlaskForm):
    kind = SelectField(_l('Jenis dokumen'), choices=_choices(KIND_LABELS))
    title = StringField(_l('Judul'), validators=[Length(max=200)])
    file = FileField(_l('Berkas (PDF atau dokumen perkantoran)'), validators=[FileRequired()])
    reason = TextAreaField(_l('Alasan adendum (wajib setelah diumumkan)'))
    # After publication (DOMAIN §2 stage 4): does the addendum affect bids? Then the new bid
    # deadline comes with it. The service refuses a missing answer; drafts ignore both.
    affects_bids = RadioField(
        _l('Apakah adendum ini memengaruhi penyusunan penawaran?'),
        choices=[
            SelectChoice('ya', _l('Ya — batas akhir penawaran dimundurkan')),
            SelectChoice('tidak', _l('Tidak — penawaran tidak terpengaruh')),
        ],
        validate_choice=False,
    )
    bid_deadline = DateTimeLocalField(
        _l('Batas akhir penawaran yang baru'), format='%Y-%m-%dT%H:%M', validators=[Optional()]
    )

    def affects(self):
        """True / False as chosen, None when nothing (or something unknown) was chosen."""
        return {'ya': True, 'tidak': False}.get(self.affects_bids.data)

    def new_deadline(self, zone: str):
        """The new bid deadline as aware UTC (typed in the tender's zone), or None."""
        if not self.bid_deadline.data:
            return None
        return self.bid_deadline.data.replace(tzinfo=ZoneInfo(zone)).astimezone(UTC)


class QuestionForm(FlaskForm):
    body = TextAreaField(_l('Pertanyaan'), validators=[DataRequired(), Length(max=5000)])


class AnswerForm(FlaskForm):
    answer = TextAreaField(_l('Jawaban'), validators=[DataRequired(), Length(max=5000)])
    causes_addendum = BooleanField(_l('Jawaban ini menimbulkan adendum'))


class ReasonForm(FlaskForm):
    reason = TextAreaField(_l('Alasan'), validators=[DataRequired(), Length(max=5000)])


class ConfirmForm(FlaskForm):
    """A button that posts nothing but its CSRF token."""
