"""What every issued document of a tender says about it (the heading fields) and how it writes
a moment: in Indonesian, in the tender's zone and in WIB, whatever the reader's language."""

from decimal import Decimal
from zoneinfo import ZoneInfo

from babel.dates import format_datetime

from lpse.i18n import WIB, ZONE_NAMES, rupiah
from lpse.pdf import terbilang


def moment(value, zone) -> str:
    """`2 Maret 2026 10:00 WITA (09:00 WIB)` in Indonesian, whatever the reader's language."""
    local = value.astimezone(ZoneInfo(zone))
    text = f'{format_datetime(local, "d MMMM y HH:mm", locale="id")} {ZONE_NAMES.get(zone, zone)}'
    if zone != WIB:
        wib = value.astimezone(ZoneInfo(WIB))
        text += f' ({format_datetime(wib, "d MMM y HH:mm", locale="id")} WIB)'
    return text


def base_context(tender, title, number) -> dict:
    return {
        'title': title,
        'agency_name': tender.agency.name,
        'document_number': number,
        'tender_code': tender.code,
        'tender_version': tender.version,
        'tender_title': tender.title,
        'work_unit': tender.work_unit.name if tender.work_unit else '',
        'hps': rupiah(tender.hps),
        'hps_words': terbilang(Decimal(tender.hps).quantize(Decimal(1))),
    }
