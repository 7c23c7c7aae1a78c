"""The bid pages' forms, and the request class that keeps the bid form's files in memory."""

import io
import re
from decimal import Decimal

from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired, MultipleFileField
from wtforms import IntegerField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, NumberRange, StopValidation, ValidationError

from lpse.bids.models import KIND_LABELS, EnvelopeKind
from lpse.i18n import number_text
from lpse.inputs import SafeRequest
from lpse.tenders.rules import AMOUNT_RE

# The endpoint whose multipart body holds plaintext bid files.
IN_MEMORY_ENDPOINTS = frozenset({'bids.submit'})
# The bid form of a two-file tender sends both envelopes at once by default.
BOTH = 'both'
BOTH_LABEL = _l('File I dan File II sekaligus')
# What the bid form's choice seals: the envelope kinds, in order.
FORM_KINDS = {
    BOTH: (EnvelopeKind.technical, EnvelopeKind.price),
    **{k.value: (k,) for k in EnvelopeKind},
}
PERCENT_RE = re.compile(r'^(100|[1-9]?[0-9])(\.[0-9]{1,2})?$')


class BidFormRequest(SafeRequest):
    """Werkzeug spools multipart files above 500 KB to a temporary file; for the web bid form
    (plaintext prices and attachments) every file stays in memory instead, and the whole body
    is capped at LPSE_BID_FORM_MAX_SIZE. Other uploads keep temporary files."""

    def _in_memory(self) -> bool:
        return self.url_rule is not None and self.url_rule.endpoint in IN_MEMORY_ENDPOINTS

    def _get_file_stream(
        self, total_content_length, content_type, filename=None, content_length=None
    ):
        if self._in_memory():
            return io.BytesIO()
        return super()._get_file_stream(
            total_content_length, content_type, filename, content_length
        )

    @property
    def max_content_length(self):
        if self._max_content_length is None and self._in_memory():
            return int(current_app.config['LPSE_BID_FORM_MAX_SIZE'])
        return super().max_content_length

    @max_content_length.setter
    def max_content_length(self, value):
        self._max_content_length = value


def parse_amount(text) -> Decimal | None:
    """A rupiah amount as typed in Indonesian ("1.500.000" or "1500000,50"); blank = None."""
    value = number_text(text)
    if not value:
        return None
    if not AMOUNT_RE.match(value):
        raise ValueError(value)
    return Decimal(value)


def tkdn_text(text) -> str | None:
    """The TKDN percentage as a plain decimal string ("40,5" → "40.5"); blank = None."""
    return number_text(text) or None


def _percent(form, field):
    if not PERCENT_RE.match(tkdn_text(field.data) or ''):
        raise ValidationError(_l('TKDN adalah persen 0–100, paling banyak 2 desimal.'))


def _technical_only(message):
    """Required when the choice seals a File I (or single) envelope; otherwise the field is
    ignored, errors and later validators included (a price-only submission)."""

    def check(form, field):
        blank = not (field.raw_data and str(field.raw_data[0]).strip())
        if form.technical() and not blank:
            return
        field.errors[:] = []
        raise StopValidation(message if form.technical() else None)

    return check


class BidForm(FlaskForm):
    """The web bid form: prices per BoQ line (fields price-<n>, read by the view), TKDN,
    validity, attachments, and the signing passphrase that unlocks the server-held key.

    A two-file tender's form sends File I (TKDN, validity, `attachments`) and File II (prices,
    `price_attachments`) together — two packages, two envelopes, two receipts — or one of them
    (to replace just that envelope)."""

    kind = SelectField(_l('Sampul'), validators=[DataRequired()])
    tkdn = StringField(_l('TKDN (%)'), validators=[_technical_only(_l('TKDN wajib diisi.'))])
    validity_days = IntegerField(
        _l('Masa berlaku penawaran (hari)'),
        validators=[
            _technical_only(_l('Masa berlaku penawaran wajib diisi.')),
            NumberRange(1, 730),
        ],
    )
    attachments = MultipleFileField(_l('Lampiran (PDF)'))
    price_attachments = MultipleFileField(_l('Lampiran File II (PDF)'))
    passphrase = PasswordField(_l('Frasa sandi penandatanganan'), validators=[DataRequired()])

    def setup(self, kinds):
        choices = [(k.value, KIND_LABELS[k]) for k in kinds]
        if len(kinds) > 1:
            choices.insert(0, (BOTH, BOTH_LABEL))
            self.attachments.label.text = _l('Lampiran File I (PDF)')
            if not self.kind.data:
                self.kind.data = BOTH
        self.kind.choices = choices
        return self

    @property
    def kinds(self) -> tuple[EnvelopeKind, ...]:
        """The envelopes the chosen option seals (valid after `validate`)."""
        return FORM_KINDS.get(self.kind.data, ())

    def technical(self) -> bool:
        """Whether a File I (or single) envelope is sealed: TKDN and validity belong there."""
        return any(k in (EnvelopeKind.single, EnvelopeKind.technical) for k in self.kinds)

    def validate_tkdn(self, field):
        _percent(self, field)


class UploadForm(FlaskForm):
    """Upload an envelope sealed elsewhere (`lpse seal`, or openssl) with its signature."""

    kind = SelectField(_l('Sampul'), validators=[DataRequired()])
    envelope = FileField(_l('Sampul penawaran (.p7m)'), validators=[FileRequired()])
    signature = FileField(_l('Tanda tangan pengiriman (.p7m.sig)'), validators=[FileRequired()])

    def setup(self, kinds):
        self.kind.choices = [(k.value, KIND_LABELS[k]) for k in kinds]
        return self


class WithdrawForm(FlaskForm):
    kind = SelectField(_l('Sampul'), validators=[DataRequired()])

    def setup(self, kinds):
        self.kind.choices = [(k.value, KIND_LABELS[k]) for k in kinds]
        return self
