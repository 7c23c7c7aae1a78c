"""Terbilang: rupiah amounts in Indonesian words, as printed next to the figures."""

from decimal import Decimal

from num2words import num2words


def terbilang(amount: Decimal) -> str:
    """`Decimal('1543250750')` → 'Satu miliar … tujuh ratus lima puluh rupiah' (sen if any).

    Exact: the Decimal is split into whole rupiah and sen as integers, so no float rounding can
    change a digit. More than two decimal places, negative and non-finite amounts are refused
    rather than rounded: an amount in words on an official letter must be exactly the figure.
    """
    if not isinstance(amount, Decimal):
        raise TypeError(f'terbilang needs a Decimal, not {type(amount).__name__}')
    if not amount.is_finite() or amount < 0:
        raise ValueError(f'not a rupiah amount: {amount}')
    cents = amount.scaleb(2)  # exact: only the exponent changes
    if cents != cents.to_integral_value():
        raise ValueError(f'{amount} has more than two decimal places (sen)')
    rupiah, sen = divmod(int(cents), 100)
    words = f'{num2words(rupiah, lang="id")} rupiah'
    if sen:
        words += f' {num2words(sen, lang="id")} sen'
    return words[0].upper() + words[1:]
