"""Indonesian formats, and a catalog that translates every message."""

import re
import subprocess
import sys
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from lpse.i18n import in_zone, rupiah, with_wib

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ('amount', 'cents', 'expected'),
    [
        (Decimal('1500000000'), False, 'Rp1.500.000.000'),
        (Decimal('1500000000'), True, 'Rp1.500.000.000,00'),
        (Decimal('930232.558'), False, 'Rp930.233'),
        (Decimal('1234.5'), True, 'Rp1.234,50'),
        (0, False, 'Rp0'),
    ],
)
def test_rupiah(amount, cents, expected):
    assert rupiah(amount, cents=cents) == expected


def test_rupiah_prints_the_largest_products_the_evaluation_makes():
    # A BoQ line of 18-digit price times a 12-digit quantity: 31 digits, beyond the default
    # context's 28, which raised InvalidOperation while quantizing.
    amount = Decimal('999999999999499999990000000000.005')
    assert rupiah(amount) == 'Rp999.999.999.999.499.999.990.000.000.000'
    assert rupiah(amount, cents=True) == 'Rp999.999.999.999.499.999.990.000.000.000,01'


@pytest.mark.parametrize(
    ('zone', 'expected'),
    [
        ('Asia/Jayapura', '3 Desember 2026 10:00 WIT (08:00 WIB)'),
        ('Asia/Makassar', '3 Desember 2026 09:00 WITA (08:00 WIB)'),
        ('Asia/Jakarta', '3 Desember 2026 08:00 WIB'),
    ],
)
def test_deadline_in_tender_zone_and_wib(zone, expected):
    assert with_wib(datetime(2026, 12, 3, 1, 0, tzinfo=UTC), zone) == expected


def test_wib_on_another_day_names_the_day():
    moment = datetime(2026, 12, 2, 16, 30, tzinfo=UTC)  # 01:30 WIT on the 3rd, 23:30 WIB the 2nd
    assert with_wib(moment, 'Asia/Jayapura') == '3 Desember 2026 01:30 WIT (2 Des 23:30 WIB)'


def test_in_zone():
    assert in_zone(datetime(2026, 1, 5, 17, 0, tzinfo=UTC), 'Asia/Makassar') == (
        '6 Januari 2026 01:00 WITA'
    )


def test_english_catalog_translates_every_message(tmp_path):
    pot = tmp_path / 'messages.pot'
    subprocess.run(
        [
            sys.executable,
            '-m',
            'babel.messages.frontend',
            'extract',
            '-F',
            'babel.cfg',
            '-k',
            '_l',
            '-o',
            str(pot),
            '.',
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    with pot.open('rb') as fh:
        wanted = {_key(m) for m in read_po(fh) if m.id}
    with (ROOT / 'translations/en/LC_MESSAGES/messages.po').open('rb') as fh:
        translated = {_key(m) for m in read_po(fh) if m.id and _done(m) and not m.fuzzy}
    assert sorted(wanted - translated) == [], 'messages without an English translation'


def _key(message):
    return message.id if isinstance(message.id, str) else message.id[0]


def _done(message):
    strings = [message.string] if isinstance(message.string, str) else message.string
    return all(strings)


def test_calendar_dates_and_nip_the_indonesian_way():
    from datetime import date

    from lpse.i18n import format_nip, tanggal

    assert tanggal(date(2026, 4, 1)) == '1 April 2026'
    assert tanggal(date(2026, 12, 31)) == '31 Desember 2026'
    assert tanggal(None) == '–'
    assert format_nip('197805122003121001') == '19780512 200312 1 001'
    assert format_nip('12345') == '12345'  # not a NIP: as it is


OPERATOR_ONLY = ('lpse/ops/', 'lpse/cli.py')


def test_no_message_shows_markdown_or_repository_paths(tmp_path):
    """#16 point 6: pages said "lihat docs/VERIFY.md" and showed literal backticks. Every
    user-facing message (the extracted catalog) is plain text: no backtick, no path into the
    repository."""
    pot = tmp_path / 'messages.pot'
    subprocess.run(
        [
            *(sys.executable, '-m', 'babel.messages.frontend', 'extract', '-F', 'babel.cfg'),
            *('-k', '_l', '-o', str(pot), '.'),
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    with pot.open('rb') as fh:
        # Operator commands (flask lpse …, lpse/ops) may point at the operations manual.
        texts = [
            _key(m)
            for m in read_po(fh)
            if m.id and not all(path.startswith(OPERATOR_ONLY) for path, _line in m.locations)
        ]
    assert [t for t in texts if '`' in t or re.search(r'\bdocs/\w+\.md\b', t)] == []
