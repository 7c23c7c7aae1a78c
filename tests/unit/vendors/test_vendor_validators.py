"""NPWP, NIB, NIK, KBLI and phone validation, as tables."""

import pytest

from lpse.i18n import format_npwp
from lpse.vendors.validators import (
    InvalidIdentifier,
    is_construction_kbli,
    normalise_bank_account,
    normalise_kbli,
    normalise_nib,
    normalise_nik,
    normalise_npwp,
    normalise_phone,
    npwp_key,
)


@pytest.mark.parametrize(
    ('raw', 'digits'),
    [
        ('01.234.567.8-901.000', '012345678901000'),
        ('012345678901000', '012345678901000'),
        (' 01 234 567 8 901 000 ', '012345678901000'),
        ('0012345678901000', '0012345678901000'),  # the 16-digit form
        ('3174015505800001', '3174015505800001'),  # an individual's NIK as NPWP
        ('01/234/567/8-901/000', '012345678901000'),
    ],
)
def test_npwp_accepted_and_normalised(raw, digits):
    assert normalise_npwp(raw) == digits


@pytest.mark.parametrize(
    'raw',
    [
        '01.234.567.8-901.00',  # 14 digits
        '01234567890100012',  # 17 digits
        '01.234.567.8-901.00O',  # letter O
        '01.234.567.8_901.000',  # underscore
        '０１２３４５６７８９０１０００',  # full-width digits
        '000000000000000',
        '',
        None,
        12345678901234,
    ],
)
def test_npwp_refused(raw):
    with pytest.raises(InvalidIdentifier):
        normalise_npwp(raw)


def test_npwp_forms_are_one_taxpayer_and_display():
    assert npwp_key('012345678901000') == npwp_key('0012345678901000') == '0012345678901000'
    assert format_npwp('012345678901000') == '01.234.567.8-901.000'
    assert format_npwp('0012345678901000') == '0012345678901000'


@pytest.mark.parametrize(
    ('raw', 'ok'),
    [
        ('9120001234567', True),
        ('9120-0012-34567', True),
        ('912000123456', False),  # 12
        ('91200012345678', False),  # 14
        ('912000123456A', False),
        ('0000000000000', False),
        ('', False),
    ],
)
def test_nib(raw, ok):
    if ok:
        assert normalise_nib(raw) == raw.replace('-', '')
    else:
        with pytest.raises(InvalidIdentifier):
            normalise_nib(raw)


@pytest.mark.parametrize(
    ('raw', 'ok'),
    [
        ('3174011505800001', True),  # DKI Jakarta, born 15-05-80
        ('3174015505800001', True),  # a woman: day + 40
        ('7371014101990002', True),  # Makassar, 01-01-99
        ('317401150580001', False),  # 15 digits
        ('31740115058000011', False),  # 17 digits
        ('317401150580000X', False),
        ('0974011505800001', False),  # province 09
        ('9574011505800001', False),  # province 95
        ('3174013205800001', False),  # day 32
        ('3174011513800001', False),  # month 13
        ('3174010005800001', False),  # day 00
        ('3174011505800000', False),  # serial 0000
    ],
)
def test_nik(raw, ok):
    if ok:
        assert normalise_nik(raw) == raw
    else:
        with pytest.raises(InvalidIdentifier):
            normalise_nik(raw)


@pytest.mark.parametrize(
    ('raw', 'ok', 'construction'),
    [
        ('46100', True, False),
        ('41011', True, True),
        ('42101', True, True),
        ('43211', True, True),
        ('4610', False, None),
        ('461000', False, None),
        ('46.10', False, None),
        ('4610A', False, None),
    ],
)
def test_kbli(raw, ok, construction):
    if ok:
        assert is_construction_kbli(normalise_kbli(raw)) is construction
    else:
        with pytest.raises(InvalidIdentifier):
            normalise_kbli(raw)


@pytest.mark.parametrize(
    ('raw', 'ok'),
    [('0411-123456', True), ('+62 811 1234 5678', True), ('1234567', False), ('08a1234567', False)],
)
def test_phone(raw, ok):
    if ok:
        assert normalise_phone(raw).lstrip('+').isdigit()
    else:
        with pytest.raises(InvalidIdentifier):
            normalise_phone(raw)


@pytest.mark.parametrize(
    ('raw', 'expected'),
    [
        ('123-456-7890', '1234567890'),
        (' 0012 3456 78 ', '0012345678'),
        ('', None),
        (None, None),
        ('12345', InvalidIdentifier),
        ('1234a67890', InvalidIdentifier),
        ('1' * 21, InvalidIdentifier),
    ],
)
def test_bank_account(raw, expected):
    if expected is InvalidIdentifier:
        with pytest.raises(InvalidIdentifier):
            normalise_bank_account(raw)
    else:
        assert normalise_bank_account(raw) == expected
