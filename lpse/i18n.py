"""Indonesian formatting: rupiah, numbers, sizes, dates with their zone (and WIB), the
language switch, and the one parser of numbers as people type them on our pages."""

import io
import re
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

from babel import support
from babel.dates import format_date as babel_format_date
from babel.dates import format_datetime as babel_format_datetime
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal
from flask import current_app, has_request_context, request
from flask_babel import get_locale
from flask_login import current_user

from lpse.scoring.numbers import exact

ZONE_NAMES = {'Asia/Jakarta': 'WIB', 'Asia/Makassar': 'WITA', 'Asia/Jayapura': 'WIT'}
WIB = 'Asia/Jakarta'


def rupiah(amount, *, cents=False) -> str:
    """Rp1.500.000.000 (or Rp1.500.000.000,00): Indonesian grouping, whatever the UI language."""
    if amount is None:
        return '–'
    with exact():
        value = Decimal(amount)
        if cents:
            value = value.quantize(Decimal('0.01'), rounding=ROUND_HALF_UP)
            return 'Rp' + format_decimal(value, format='#,##0.00', locale='id')
        value = value.quantize(Decimal('1'), rounding=ROUND_HALF_UP)
        return 'Rp' + format_decimal(value, format='#,##0', locale='id')


def number(value, *, places=None) -> str:
    """`1.000`, `2,5`, `0,125`: Indonesian grouping and decimal comma, never an exponent
    (`Decimal('2E+1')` is `20`); ``places`` rounds half up first. What is not a number is
    shown as written."""
    if value is None or value == '':
        return '–'
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        return str(value)  # not a number (a vendor's bid.json may say anything): as written
    if not amount.is_finite():
        return str(value)
    with exact():
        if places is not None:
            amount = amount.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
        decimals = max(-amount.normalize().as_tuple().exponent, 0)
        return format_decimal(amount, format='#,##0.' + '#' * decimals, locale='id')


def percent(value) -> str:
    """`40%`, `40,5%` (a TKDN stored as `40.00`)."""
    return '–' if value is None or value == '' else f'{number(value)}%'


UNITS = ('KB', 'MB', 'GB')


def byte_size(size) -> str:
    """`512 B`, `820,3 KB`, `1,5 MB` (1 KB = 1024 bytes), Indonesian separators."""
    if size is None:
        return '–'
    value, unit = Decimal(int(size)), 'B'
    for name in UNITS:
        if value < 1024:
            break
        value, unit = value / 1024, name
    return f'{number(value, places=0 if unit == "B" else 1)} {unit}'


# Indonesian typing: dots group thousands (`1.500.000`), a comma starts the decimals (`0,5`).
# A dot that does not group threes (`2.5`) can only be a decimal point and is read as one.
ID_NUMBER = re.compile(r'-?(\d{1,3}(\.\d{3})+(,\d+)?|\d+(,\d+)?)')
PLAIN_NUMBER = re.compile(r'\d+(\.\d+)?')


def number_text(text) -> str:
    """What was typed (`1.500.000,50`, `Rp1.500`, `0,5`, `2.5`) as a plain decimal string
    (`1500000.50`, `1500`, `0.5`, `2.5`); anything else comes back trimmed, for the caller's
    validation to refuse with its own message."""
    value = re.sub(r'\s', '', str(text or '')).removeprefix('Rp')
    if ID_NUMBER.fullmatch(value):
        return value.replace('.', '').replace(',', '.')
    return value


def parse_number(text) -> Decimal | None:
    """The number typed on a page (see `number_text`); blank is None, anything else that is
    not a non-negative number raises ValueError."""
    value = number_text(text)
    if not value:
        return None
    if not PLAIN_NUMBER.fullmatch(value):
        raise ValueError(f'not a number: {text!r}')
    try:
        return Decimal(value)
    except InvalidOperation:  # pragma: no cover — the pattern holds
        raise ValueError(f'not a number: {text!r}') from None


def format_npwp(digits: str | None) -> str:
    """`01.234.567.8-901.000` for a 15-digit NPWP; the 16 digits (the 2024 form) and anything
    already formatted as they are."""
    if not digits:
        return '–'
    if len(digits) == 15 and digits.isdigit():
        d = digits
        return f'{d[0:2]}.{d[2:5]}.{d[5:8]}.{d[8]}-{d[9:12]}.{d[12:15]}'
    return digits


def format_nip(digits: str | None) -> str:
    """`19850101 201001 1 001`: a civil servant's 18-digit NIP in its usual groups (birth date,
    appointment month, sex, number); anything else as it is."""
    if not digits:
        return '–'
    if len(digits) == 18 and digits.isdigit():
        return f'{digits[:8]} {digits[8:14]} {digits[14]} {digits[15:]}'
    return digits


def tanggal(value) -> str:
    """A calendar date the Indonesian way in the UI language: `1 April 2026`."""
    if value is None:
        return '–'
    return babel_format_date(value, 'd MMMM y', locale=_locale())


def _locale():
    try:
        return str(get_locale() or 'id')
    except RuntimeError:
        return 'id'


def local_zone() -> str:
    """The zone a page shows times in when no tender names one: the signed-in officer's
    agency's, else the instance's (LPSE_TIMEZONE, default WIB)."""
    if has_request_context():
        agency = getattr(current_user, 'agency', None)
        if agency is not None:
            return agency.timezone
    return current_app.config.get('BABEL_DEFAULT_TIMEZONE') or WIB


def local_time(moment: datetime | None) -> str:
    """`moment` in `local_zone()`, with the zone's name."""
    return '–' if moment is None else in_zone(moment, local_zone())


def in_zone(moment: datetime, zone: str) -> str:
    """`27 November 2026 10:00 WIT` in the UI language."""
    local = moment.astimezone(ZoneInfo(zone))
    text = babel_format_datetime(local, 'd MMMM y HH:mm', locale=_locale())
    return f'{text} {ZONE_NAMES.get(zone, zone)}'


def with_wib(moment: datetime, zone: str) -> str:
    """`27 November 2026 10:00 WIT (08:00 WIB)`: the tender's zone, then Jakarta time."""
    text = in_zone(moment, zone)
    if zone == WIB:
        return text
    wib = moment.astimezone(ZoneInfo(WIB))
    same_day = wib.date() == moment.astimezone(ZoneInfo(zone)).date()
    pattern = 'HH:mm' if same_day else 'd MMM HH:mm'
    return f'{text} ({babel_format_datetime(wib, pattern, locale=_locale())} WIB)'


@cache
def _form_library_catalogue(folder: str, locale: str):
    """`<folder>/<locale>.po` (WTForms' and Flask-WTF's messages), read once, or None."""
    path = Path(folder) / f'{locale}.po'
    if not path.exists():
        return None
    with path.open('rb') as f:
        catalog = read_po(f, locale=locale)
    compiled = io.BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return support.Translations(compiled, domain='wtforms')


def _form_library_messages():
    """The validators' own messages ("This field is required.", "Not a valid choice.") in the
    page's language: the libraries ship no Indonesian, so ours (translations/wtforms/id.po) is
    handed to Flask-WTF, which reads `request.wtforms_translations` before its own lookup."""
    folder = Path(current_app.config['BABEL_TRANSLATION_DIRECTORIES']) / 'wtforms'
    translations = _form_library_catalogue(str(folder), str(get_locale()))
    if translations is not None:
        request.wtforms_translations = translations


def init_app(app):
    app.before_request(_form_library_messages)
    app.jinja_env.filters['rupiah'] = rupiah
    app.jinja_env.filters['number'] = number
    app.jinja_env.filters['percent'] = percent
    app.jinja_env.filters['byte_size'] = byte_size
    app.jinja_env.filters['npwp'] = format_npwp
    app.jinja_env.filters['nip'] = format_nip
    app.jinja_env.filters['tanggal'] = tanggal
    app.jinja_env.filters['in_zone'] = in_zone
    app.jinja_env.filters['local_time'] = local_time
    app.jinja_env.filters['with_wib'] = with_wib
    app.jinja_env.globals['current_locale'] = _locale
