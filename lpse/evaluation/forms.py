"""Page forms of the evaluation: one bid's worksheet, propose/approve, failure, reopening."""

from decimal import Decimal

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, RadioField, SelectChoice, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from lpse.evaluation.models import EntryKind
from lpse.i18n import number_text

KIND_LABELS = {
    EntryKind.administration: _l('Administrasi'),
    EntryKind.qualification: _l('Kualifikasi'),
    EntryKind.technical: _l('Teknis'),
    EntryKind.clarification: _l('Klarifikasi kewajaran harga'),
    EntryKind.pembuktian: _l('Pembuktian kualifikasi'),
    EntryKind.tie_break: _l('Urutan keputusan Pokja (harga/nilai sama)'),
}
VERDICT_KINDS = (
    EntryKind.administration,
    EntryKind.qualification,
    EntryKind.technical,
    EntryKind.clarification,
    EntryKind.pembuktian,
)
CHOICES = [
    SelectChoice('', _l('Belum dinilai')),
    SelectChoice('pass', _l('Lulus')),
    SelectChoice('fail', _l('Gugur')),
]


class ConfirmForm(FlaskForm):
    """A button with CSRF protection (propose, approve)."""

    note = TextAreaField(_l('Catatan (opsional)'), validators=[Optional(), Length(max=5000)])


class ApproveForm(FlaskForm):
    """Approve one proposal: its id travels with the button, so a member approves only the
    proposal the page showed them."""

    proposal_id = HiddenField(validators=[DataRequired()])


class ReasonForm(FlaskForm):
    """Declare the tender failed, or reopen the evaluation: a reason is required."""

    reason = TextAreaField(_l('Alasan'), validators=[DataRequired(), Length(max=5000)])


class WorksheetForm(FlaskForm):
    """Verdicts per stage with a reason, the technical score and a tie-break order; the
    per-criterion score fields are added by ``worksheet_form`` from the tender's criteria."""

    tie_break_order = StringField(KIND_LABELS[EntryKind.tie_break], validators=[Optional()])
    technical_score = StringField(_l('Nilai teknis (0–100)'), validators=[Optional()])


for _kind in VERDICT_KINDS:
    setattr(WorksheetForm, _kind.value, RadioField(_l('Hasil'), choices=CHOICES, default=''))
    setattr(
        WorksheetForm,
        f'{_kind.value}_reason',
        TextAreaField(_l('Alasan (wajib bila gugur)'), validators=[Optional(), Length(max=5000)]),
    )


def worksheet_form(criteria, *, entries, **kwargs) -> WorksheetForm:
    """The worksheet of one bid, prefilled from its current entries."""
    fields = {
        f'criterion_{c["id"]}': StringField(
            _l(
                'Nilai %(criterion)s (bobot %(weight)s)',
                criterion=c.get('description') or c['id'],
                weight=c['weight'],
            ),
            validators=[Optional()],
        )
        for c in criteria
    }
    cls = type('CriteriaWorksheetForm', (WorksheetForm,), fields)
    form = cls(**kwargs)
    if not form.is_submitted():
        _prefill(form, criteria, entries)
    return form


def _prefill(form, criteria, entries):
    for kind in VERDICT_KINDS:
        entry = entries.get(kind)
        if entry is not None:
            getattr(form, kind.value).data = 'pass' if entry.passed else 'fail'
            getattr(form, f'{kind.value}_reason').data = entry.reason
    technical = entries.get(EntryKind.technical)
    if technical is not None and technical.score is not None:
        form.technical_score.data = format(technical.score, 'f')
    if technical is not None and technical.criteria:
        for key, value in technical.criterion_scores.items():
            getattr(form, f'criterion_{key}').data = format(value, 'f')
    tie = entries.get(EntryKind.tie_break)
    if tie is not None:
        form.tie_break_order.data = str(tie.tie_order)


def changed_entries(form, criteria, entries) -> dict:
    """The request body for ``recording.record``: only the entries the member changed."""
    body = {}
    for kind in VERDICT_KINDS:
        choice = getattr(form, kind.value).data
        if not choice:
            continue
        verdict = {
            'passed': choice == 'pass',
            'reason': (getattr(form, f'{kind.value}_reason').data or '').strip(),
        }
        if kind == EntryKind.technical:
            verdict.update(_technical(form, criteria))
        if _differs(entries.get(kind), verdict):
            body[kind.value] = verdict
    order = (form.tie_break_order.data or '').strip()
    tie = entries.get(EntryKind.tie_break)
    if order and (tie is None or str(tie.tie_order) != order):
        body['tie_break_order'] = _order(order)
    return body


def _order(text: str):
    """An integer when the text is ASCII digits ("²" or "٣" stay text: the service refuses
    them with a 422 naming the field)."""
    if text.isascii() and text.isdecimal():
        try:
            return int(text)
        except ValueError:
            return text
    return text


def _technical(form, criteria) -> dict:
    if criteria:
        values = {
            c['id']: (getattr(form, f'criterion_{c["id"]}').data or '').strip() for c in criteria
        }
        if any(values.values()):
            return {'criteria': values}
        return {}
    score = number_text(form.technical_score.data)
    return {'score': score} if score else {}


def _differs(entry, verdict) -> bool:
    if entry is None:
        return True
    if entry.passed != verdict['passed'] or entry.reason != verdict['reason']:
        return True
    if 'score' in verdict:
        try:
            return entry.score != Decimal(verdict['score'])
        except ArithmeticError:
            return True
    if 'criteria' in verdict:
        try:
            return entry.criterion_scores != {k: Decimal(v) for k, v in verdict['criteria'].items()}
        except ArithmeticError:
            return True
    return entry.score is not None or bool(entry.criteria)


class NegotiationForm(FlaskForm):
    """The clarification and negotiation with the invited firm (seleksi); the negotiated unit
    prices come as ``hn_<item>`` fields, one per priced line of the offer (empty: unchanged)."""

    status = RadioField(
        _l('Hasil negosiasi'),
        choices=[SelectChoice('agreed', _l('Sepakat')), SelectChoice('failed', _l('Gagal'))],
        validators=[DataRequired()],
    )
    technical_notes = TextAreaField(_l('Klarifikasi teknis'), validators=[Length(max=5000)])
    price_notes = TextAreaField(
        _l('Klarifikasi dan negosiasi harga'), validators=[Length(max=5000)]
    )
    reason = TextAreaField(_l('Alasan (wajib bila gagal)'), validators=[Length(max=5000)])


def negotiation_body(form, price_lines, values) -> dict:
    """The API body of a submitted negotiation form; ``values`` is the request's form data,
    its prices typed as on every page (`760.000.000`, `Rp1.500,50`)."""
    typed = {line['item']: number_text(values.get(f'hn_{line["item"]}')) for line in price_lines}
    lines = [{'item': item, 'unit_price': price} for item, price in typed.items() if price]
    return {
        'status': form.status.data,
        'technical_notes': form.technical_notes.data or '',
        'price_notes': form.price_notes.data or '',
        'reason': form.reason.data or '',
        'lines': lines if form.status.data == 'agreed' else [],
    }
