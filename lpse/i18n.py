"""Indonesian formatting: rupiah, dates with their zone (and WIB), the language switch."""

from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from babel.dates import format_datetime as babel_format_datetime
from babel.numbers import format_decimal
from flask_babel import get_locale

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


def _locale():
    try:
        return str(get_locale() or 'id')
    except RuntimeError:
        return 'id'


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


def init_app(app):
    app.jinja_env.filters['rupiah'] = rupiah
    app.jinja_env.filters['in_zone'] = in_zone
    app.jinja_env.filters['with_wib'] = with_wib
    app.jinja_env.globals['current_locale'] = _locale
