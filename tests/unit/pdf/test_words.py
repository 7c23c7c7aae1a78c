"""Terbilang: the amount in words must be exactly the figure."""

from decimal import Decimal

import pytest

from lpse.pdf import terbilang


@pytest.mark.parametrize(
    ('amount', 'words'),
    [
        ('0', 'Nol rupiah'),
        ('1', 'Satu rupiah'),
        ('11', 'Sebelas rupiah'),
        ('100', 'Seratus rupiah'),
        ('1000', 'Seribu rupiah'),
        ('1001', 'Seribu satu rupiah'),
        ('1000000', 'Satu juta rupiah'),
        (
            '1543250750',
            'Satu miliar lima ratus empat puluh tiga juta dua ratus lima puluh ribu '
            'tujuh ratus lima puluh rupiah',
        ),
        ('1000000000000', 'Satu triliun rupiah'),
        ('1000000000000.00', 'Satu triliun rupiah'),
        ('2500.50', 'Dua ribu lima ratus rupiah lima puluh sen'),
        ('0.05', 'Nol rupiah lima sen'),
        (
            '999999999999.99',
            'Sembilan ratus sembilan puluh sembilan miliar sembilan ratus sembilan puluh '
            'sembilan juta sembilan ratus sembilan puluh sembilan ribu sembilan ratus '
            'sembilan puluh sembilan rupiah sembilan puluh sembilan sen',
        ),
    ],
)
def test_terbilang(amount, words):
    assert terbilang(Decimal(amount)) == words


@pytest.mark.parametrize('amount', ['0.001', '-1', 'NaN', 'Infinity'])
def test_amounts_that_cannot_be_written_exactly_are_refused(amount):
    with pytest.raises(ValueError, match=r'amount|decimal places'):
        terbilang(Decimal(amount))


def test_floats_are_refused():
    with pytest.raises(TypeError, match='Decimal'):
        terbilang(0.1)
