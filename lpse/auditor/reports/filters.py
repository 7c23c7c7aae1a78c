"""The report filters read from a query string: agency (code), work unit (id), fiscal year,
procurement type (category), selection method, status and an HPS range. A bad value is a 422
naming its parameter."""

from dataclasses import dataclass, fields
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from lpse import i18n
from lpse.agencies.models import Agency
from lpse.errors import ValidationFailed
from lpse.extensions import db
from lpse.tenders.models import Category, SelectionMethod, TenderStatus

MIN_YEAR, MAX_YEAR = 2000, 2999
MAX_HPS = Decimal('1e18')


@dataclass(frozen=True)
class Filters:
    """What the reader asked for; None: not filtered."""

    agency: str | None = None
    work_unit: int | None = None
    year: int | None = None
    category: str | None = None
    method: str | None = None
    status: str | None = None
    hps_min: Decimal | None = None
    hps_max: Decimal | None = None

    def query_args(self) -> dict:
        return {f.name: str(v) for f in fields(self) if (v := getattr(self, f.name)) is not None}


def _text(args, name, limit=40) -> str | None:
    value = (args.get(name) or '').strip()
    if len(value) > limit:
        raise ValidationFailed(_l('Parameter "%(name)s" terlalu panjang.', name=name), field=name)
    return value or None


def _int(args, name, low, high) -> int | None:
    text = _text(args, name, 10)
    if text is None:
        return None
    if not (text.isascii() and text.isdigit() and low <= int(text) <= high):
        raise ValidationFailed(
            _l(
                'Parameter "%(name)s" harus bilangan bulat %(low)s–%(high)s.',
                name=name,
                low=low,
                high=high,
            ),
            field=name,
        )
    return int(text)


def _money(args, name) -> Decimal | None:
    """A rupiah amount as typed (`1000000000`, `1.000.000.000`, `Rp1.000.000,50`)."""
    text = _text(args, name, 30)
    if text is None:
        return None
    try:
        value = i18n.parse_number(text)
    except ValueError:
        value = None
    if value is None or not value < MAX_HPS:
        raise ValidationFailed(
            _l('Parameter "%(name)s" harus jumlah rupiah yang tidak negatif.', name=name),
            field=name,
        )
    return value


def _choice(args, name, choices) -> str | None:
    value = _text(args, name)
    if value is not None and value not in {str(c) for c in choices}:
        raise ValidationFailed(_l('Nilai "%(name)s" tidak dikenal.', name=name), field=name)
    return value


def parse_filters(args) -> Filters:
    agency = _text(args, 'agency', 20)
    if (
        agency is not None
        and db.session.scalar(select(Agency.id).where(Agency.code == agency)) is None
    ):
        raise ValidationFailed(_l('Instansi tidak dikenal.'), field='agency')
    filters = Filters(
        agency=agency,
        work_unit=_int(args, 'work_unit', 1, 2**31 - 1),
        year=_int(args, 'year', MIN_YEAR, MAX_YEAR),
        category=_choice(args, 'category', Category),
        method=_choice(args, 'method', SelectionMethod),
        status=_choice(args, 'status', [s for s in TenderStatus if s != TenderStatus.draft]),
        hps_min=_money(args, 'hps_min'),
        hps_max=_money(args, 'hps_max'),
    )
    if (
        filters.hps_min is not None
        and filters.hps_max is not None
        and (filters.hps_min > filters.hps_max)
    ):
        raise ValidationFailed(_l('HPS minimum melebihi HPS maksimum.'), field='hps_min')
    return filters
