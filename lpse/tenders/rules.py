"""The package rules that decide the outcome: amounts, BoQ, method parameters, the frozen set.

Pure functions (plus reading configuration): no session, no request.
"""

import hashlib
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from flask_babel import lazy_gettext as _l

from lpse.crypto.canonical import canonical_json
from lpse.errors import ValidationFailed
from lpse.scoring import case
from lpse.scoring.numbers import exact
from lpse.tenders import stages

# The regulation set the frozen rules follow; a change of defaults or formulas gets a new one.
RULES_VERSION = 'perpres-16-2018+12-2021/lkpp-12-2021/v1'
AMOUNT_RE = re.compile(r'^(0|[1-9][0-9]{0,17})(\.[0-9]{1,2})?$')
QUANTITY_RE = re.compile(r'^(0|[1-9][0-9]{0,15})(\.[0-9]{1,4})?$')
# Keys of a tender's method parameters (the rest of the evaluation parameters comes from the
# package itself: category, contract type, HPS, pagu, BoQ).
PARAM_KEYS = (
    'weights',
    'technical_threshold',
    'technical_criteria',
    'tkdn',
    'reasonableness_ratio',
    'unbalanced_ratio',
    'tie_break',
    'life_cycle',
)


def parse_amount(value, field, *, pattern=AMOUNT_RE) -> Decimal:
    """A non-negative rupiah amount from a decimal string (or Decimal/int); never a float."""
    if isinstance(value, (bool, float)):
        raise ValidationFailed(_l('Jumlah harus ditulis sebagai angka desimal.'), field=field)
    text = str(value).strip() if value is not None else ''
    if text.startswith('-'):
        raise ValidationFailed(_l('Jumlah tidak boleh negatif.'), field=field)
    if not pattern.match(text):
        raise ValidationFailed(
            _l('Jumlah tidak valid: gunakan angka, dengan titik desimal bila perlu.'), field=field
        )
    try:
        return Decimal(text)
    except InvalidOperation as exc:  # pragma: no cover — the pattern already holds
        raise ValidationFailed(_l('Jumlah tidak valid.'), field=field) from exc


def plain(value: Decimal) -> str:
    """A decimal without exponent or trailing zeros: `1E+3` → `1000`, `2.5000` → `2.5`."""
    text = f'{value:f}'
    return text.rstrip('0').rstrip('.') if '.' in text else text


MAX_TEXT = 5000


def required_text(value, field, message) -> str:
    """A trimmed, non-empty text of at most `MAX_TEXT` characters (``message`` when empty)."""
    text = value.strip() if isinstance(value, str) else ''
    if not text:
        raise ValidationFailed(message, field=field)
    if len(text) > MAX_TEXT:
        raise ValidationFailed(_l('Teks paling panjang 5000 karakter.'), field=field)
    return text


def check_amounts(pagu: Decimal, hps: Decimal) -> None:
    if hps > pagu:
        raise ValidationFailed(_l('HPS tidak boleh melebihi pagu anggaran.'), field='hps')


@dataclass(frozen=True)
class BoqLine:
    description: str
    quantity: Decimal
    unit: str
    unit_price: Decimal

    @property
    def total(self) -> Decimal:
        return self.quantity * self.unit_price


def parse_boq(items) -> list[BoqLine]:
    """BoQ lines from dicts {description, quantity, unit, unit_price}."""
    if not isinstance(items, list):
        raise ValidationFailed(_l('BoQ harus berupa daftar item.'), field='boq')
    lines = []
    for number, item in enumerate(items, start=1):
        if not isinstance(item, dict):
            raise ValidationFailed(_l('Item BoQ %(n)s tidak valid.', n=number), field='boq')
        description = str(item.get('description') or '').strip()
        unit = str(item.get('unit') or '').strip()
        if not description or not unit:
            raise ValidationFailed(
                _l('Item BoQ %(n)s: uraian dan satuan wajib diisi.', n=number), field='boq'
            )
        quantity = parse_amount(item.get('quantity'), 'boq', pattern=QUANTITY_RE)
        if quantity <= 0:
            raise ValidationFailed(
                _l('Item BoQ %(n)s: volume harus lebih dari nol.', n=number), field='boq'
            )
        price = parse_amount(item.get('unit_price'), 'boq')
        lines.append(BoqLine(description[:500], quantity, unit[:40], price))
    return lines


def check_boq_total(lines, hps: Decimal) -> None:
    """The item totals (quantity × HPS unit price) must add up to the HPS exactly."""
    if not lines:
        return
    with exact():
        total = sum((line.total for line in lines), Decimal(0)).quantize(Decimal('0.01'))
    if total != hps:
        raise ValidationFailed(
            _l(
                'Jumlah total item BoQ (%(total)s) tidak sama dengan HPS (%(hps)s).',
                total=f'{total:,.2f}',
                hps=f'{hps:,.2f}',
            ),
            field='boq',
        )


def check_params(params) -> dict:
    if not isinstance(params, dict):
        raise ValidationFailed(_l('Parameter metode harus berupa objek.'), field='method_params')
    unknown = sorted(set(params) - set(PARAM_KEYS))
    if unknown:
        raise ValidationFailed(
            _l('Parameter metode tidak dikenal: %(names)s.', names=', '.join(unknown)),
            field='method_params',
        )
    return params


def evaluation_parameters(tender, params: dict) -> dict:
    """The `parameters` object of the evaluation case format (docs/EVALUATION_FORMAT.md)."""
    boq = [
        {
            'id': str(item.position),
            'description': item.description,
            'quantity': str(item.quantity.normalize())
            if item.quantity % 1
            else str(int(item.quantity)),
            'unit': item.unit,
            'hps_unit_price': _money(item.unit_price),
        }
        for item in tender.boq_items
    ]
    result = {
        'rules_version': RULES_VERSION,
        'category': tender.category,
        'contract_type': tender.contract_type,
        'hps': _money(tender.hps),
        'budget': _money(tender.pagu),
        **params,
    }
    if boq:
        result['boq'] = boq
    return result


def method_problem(tender, params: dict) -> str | None:
    """What the evaluation engine refuses in these parameters, or None."""
    data = {
        'format': case.CASE_FORMAT,
        'method': tender.evaluation_method,
        'parameters': evaluation_parameters(tender, params),
        'bids': [],
    }
    try:
        case.parse_case(data)
    except case.CaseError as exc:
        return str(exc)
    return None


def _money(value: Decimal) -> str:
    return str(value.quantize(Decimal('0.01')))


def schedule_rules(tender) -> stages.ScheduleRules:
    """The minimum durations and gaps the configuration sets now for the tender's method, with
    its stages (frozen into a tender at publication)."""
    return tender.method.schedule_rules()


def frozen_rules_of(tender) -> stages.ScheduleRules | None:
    import json

    if not tender.frozen_rules:
        return None
    return tender.method.schedule_rules(json.loads(tender.frozen_rules)['schedule_rules'])


def tender_schedule_rules(tender) -> stages.ScheduleRules:
    """The rules a tender's schedule follows: frozen at publication, else the configuration's."""
    return frozen_rules_of(tender) or schedule_rules(tender)


KBLI_RE = re.compile(r'^[0-9]{5}$')


def parse_kbli(value) -> str:
    """KBLI codes (5 digits each) from a list or a comma/space-separated text, as stored."""
    items = value if isinstance(value, list) else str(value or '').replace(',', ' ').split()
    codes = []
    for item in items:
        code = str(item).strip()
        if not KBLI_RE.match(code):
            raise ValidationFailed(
                _l('KBLI harus 5 angka: %(code)s.', code=code[:20]), field='required_kbli'
            )
        if code not in codes:
            codes.append(code)
    if len(codes) > 30:
        raise ValidationFailed(_l('Paling banyak 30 KBLI.'), field='required_kbli')
    return ','.join(codes)


def freeze(tender, params: dict, rules: stages.ScheduleRules) -> tuple[str, str]:
    """The canonical JSON of everything that decides the outcome, and its SHA-256."""
    frozen = {
        'rules_version': RULES_VERSION,
        'code': tender.code,
        'version': tender.version,
        'selection_method': tender.selection_method,
        'business_size': tender.business_size,
        'submission_files': tender.submission_files,
        'key_threshold': tender.threshold,
        'pokja': sorted(m.user_id for m in tender.members),
        'evaluation_method': tender.evaluation_method,
        'evaluation_parameters': evaluation_parameters(tender, params),
        'schedule_rules': rules.as_dict(),
    }
    if tender.kbli_codes:
        frozen['required_kbli'] = tender.kbli_codes
    text = canonical_json(frozen)
    return text, hashlib.sha256(text.encode()).hexdigest()
