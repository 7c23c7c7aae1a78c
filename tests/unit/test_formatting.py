"""One Indonesian way to show and read numbers (lpse/i18n.py): quantities without exponents,
TKDN as a plain percentage, sizes in KB/MB, NPWP with its dots, and one parser for every
number typed on a page ("1.000" is a thousand, "0,5" a half)."""

from decimal import Decimal

import pytest

from lpse.bids.forms import parse_amount, tkdn_text
from lpse.i18n import byte_size, format_npwp, number, number_text, parse_number, percent


@pytest.mark.parametrize(
    ('value', 'expected'),
    [
        (Decimal('2E+1'), '20'),  # what the bid form showed as `2E+1`
        (Decimal('1000'), '1.000'),
        (Decimal('2.5000'), '2,5'),
        (Decimal('0.125'), '0,125'),
        ('1500000.50', '1.500.000,5'),
        (None, '–'),
        ('not-a-number', 'not-a-number'),
    ],
)
def test_numbers_are_shown_the_indonesian_way(value, expected):
    assert number(value) == expected


@pytest.mark.parametrize(
    ('value', 'expected'), [(Decimal('40.00'), '40%'), ('40.50', '40,5%'), (0, '0%')]
)
def test_tkdn_is_a_plain_percentage(value, expected):
    assert percent(value) == expected


@pytest.mark.parametrize(
    ('size', 'expected'),
    [
        (0, '0 B'),
        (1023, '1.023 B'),
        (1536, '1,5 KB'),
        (840_000, '820,3 KB'),
        (20 * 1024 * 1024, '20 MB'),
        (1_572_864, '1,5 MB'),
        (5 * 1024**3, '5 GB'),
    ],
)
def test_byte_sizes(size, expected):
    assert byte_size(size) == expected


@pytest.mark.parametrize(
    ('typed', 'expected'),
    [
        ('1.000', Decimal('1000')),  # a dot groups thousands
        ('0,5', Decimal('0.5')),  # a comma starts the decimals
        ('1.500.000,50', Decimal('1500000.50')),
        ('Rp 1.500', Decimal('1500')),
        ('2.5', Decimal('2.5')),  # a dot that groups no three digits is a decimal point
        ('12', Decimal('12')),
        ('', None),
    ],
)
def test_one_parser_reads_what_people_type(typed, expected):
    assert parse_number(typed) == expected


@pytest.mark.parametrize('typed', ['1.5.0', '-1', '1,2,3', 'satu'])
def test_the_parser_refuses_what_is_no_number(typed):
    with pytest.raises(ValueError):
        parse_number(typed)


def test_every_numeric_field_uses_the_same_parser():
    # the bid form's prices and TKDN, the tender form's amounts and quantities, the scores
    assert parse_amount('1.000') == Decimal('1000') == Decimal(number_text('1.000'))
    assert parse_amount('0,5') == Decimal('0.5')
    assert tkdn_text('40,5') == '40.5'
    with pytest.raises(ValueError):
        parse_amount('1.5.0')


def test_npwp_is_shown_with_its_dots():
    assert format_npwp('012345678901000') == '01.234.567.8-901.000'
    assert format_npwp('01.234.567.8-901.000') == '01.234.567.8-901.000'  # already formatted
    assert format_npwp('0012345678901000') == '0012345678901000'  # the 16-digit form
