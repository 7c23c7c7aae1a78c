"""Amounts, the bill of quantities and the Indonesian amount format of the forms."""

from decimal import Decimal

import pytest

from lpse.errors import ValidationFailed
from lpse.i18n import number_text
from lpse.tenders import rules


@pytest.mark.parametrize(
    ('value', 'expected'),
    [
        ('1500000000', Decimal('1500000000')),
        ('0', Decimal(0)),
        ('12.50', Decimal('12.50')),
        (Decimal('7'), Decimal(7)),
        (7, Decimal(7)),
    ],
)
def test_amounts(value, expected):
    assert rules.parse_amount(value, 'hps') == expected


@pytest.mark.parametrize(
    'value', ['-1', '-0.5', 'abc', '1e9', '1,5', '', None, 1.5, True, '12.345', ' ', 'NaN', '01']
)
def test_bad_amounts_are_refused(value):
    with pytest.raises(ValidationFailed) as caught:
        rules.parse_amount(value, 'hps')
    assert caught.value.field == 'hps'


def test_negative_amounts_say_so():
    with pytest.raises(ValidationFailed, match='negatif'):
        rules.parse_amount('-5', 'pagu')


def test_hps_may_equal_but_not_exceed_pagu():
    rules.check_amounts(Decimal(100), Decimal(100))
    with pytest.raises(ValidationFailed, match='HPS'):
        rules.check_amounts(Decimal(100), Decimal('100.01'))


def line(quantity, price):
    return {'description': 'Item', 'quantity': quantity, 'unit': 'unit', 'unit_price': price}


def test_boq_totals_must_add_up_to_the_hps():
    lines = rules.parse_boq([line('3', '1000.50'), line('2.5', '100')])
    rules.check_boq_total(lines, Decimal('3251.50'))
    with pytest.raises(ValidationFailed, match='BoQ'):
        rules.check_boq_total(lines, Decimal('3251.49'))


def test_the_largest_boq_lines_the_form_accepts_are_refused_clearly():
    # 16-digit volume × 18-digit price: 40 digits, past the default decimal context, which
    # raised InvalidOperation (a 500) while rounding the total.
    biggest = line('9999999999999999.9999', '999999999999999999.99')
    lines = rules.parse_boq([biggest, biggest])
    with pytest.raises(ValidationFailed, match='BoQ'):
        rules.check_boq_total(lines, Decimal('999999999999999999.99'))


@pytest.mark.parametrize(
    'item',
    [
        line('0', '1'),
        line('-1', '1'),
        line('1', '-1'),
        line('x', '1'),
        {'description': '', 'quantity': '1', 'unit': 'm', 'unit_price': '1'},
        'not a dict',
    ],
)
def test_bad_boq_lines(item):
    with pytest.raises(ValidationFailed):
        rules.parse_boq([item])


@pytest.mark.parametrize(
    ('typed', 'expected'),
    [
        ('1.500.000.000', '1500000000'),
        ('1500000000', '1500000000'),
        ('1.500,50', '1500.50'),
        ('12,5', '12.5'),
        ('-1.000', '-1000'),
        ('abc', 'abc'),
        ('1.5', '1.5'),
    ],
)
def test_indonesian_amounts_in_forms(typed, expected):
    assert number_text(typed) == expected
