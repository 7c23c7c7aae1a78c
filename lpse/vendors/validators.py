"""Indonesian identifiers: NPWP (tax number), NIB (business id), NIK (citizen id), KBLI codes.

Each `normalise_*` takes what a person typed and returns the digits to store, or raises
`InvalidIdentifier` with a message that says what is wrong."""

import re

from flask_babel import lazy_gettext as _l

SEPARATORS = re.compile(r'[\s.\-/]')


class InvalidIdentifier(ValueError):
    """The value is not a well-formed identifier; ``message`` says why."""

    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


def _digits(value, allowed_separators=True) -> str:
    text = value.strip() if isinstance(value, str) else ''
    if allowed_separators:
        text = SEPARATORS.sub('', text)
    if not text.isascii() or not text.isdigit():
        raise InvalidIdentifier(_l('Hanya angka (boleh dengan titik, tanda hubung atau spasi).'))
    return text


def normalise_npwp(value) -> str:
    """NPWP: the 15-digit form (99.999.999.9-999.999) or the 16-digit form used since 2024."""
    digits = _digits(value)
    if len(digits) not in (15, 16):
        raise InvalidIdentifier(_l('NPWP harus 15 atau 16 angka.'))
    if set(digits) == {'0'}:
        raise InvalidIdentifier(_l('NPWP tidak valid.'))
    return digits


def npwp_key(digits: str) -> str:
    """The 16-digit form that identifies the taxpayer: a 15-digit NPWP of a business entity
    became `0` followed by the same 15 digits, so both forms are one taxpayer."""
    return digits if len(digits) == 16 else '0' + digits


def normalise_nib(value) -> str:
    """NIB (Nomor Induk Berusaha, from OSS): 13 digits."""
    digits = _digits(value)
    if len(digits) != 13:
        raise InvalidIdentifier(_l('NIB harus 13 angka.'))
    if set(digits) == {'0'}:
        raise InvalidIdentifier(_l('NIB tidak valid.'))
    return digits


def normalise_nik(value) -> str:
    """NIK (Nomor Induk Kependudukan): 16 digits — province code (11–94), regency, district,
    date of birth (day + 40 for women) and month, then a serial number."""
    digits = _digits(value)
    if len(digits) != 16:
        raise InvalidIdentifier(_l('NIK harus 16 angka.'))
    province, day, month = int(digits[0:2]), int(digits[6:8]), int(digits[8:10])
    day = day - 40 if day > 40 else day
    if not 11 <= province <= 94 or not 1 <= day <= 31 or not 1 <= month <= 12:
        raise InvalidIdentifier(_l('NIK tidak valid (kode wilayah atau tanggal lahir salah).'))
    if digits[12:] == '0000':
        raise InvalidIdentifier(_l('NIK tidak valid (nomor urut 0000).'))
    return digits


def normalise_kbli(value) -> str:
    """KBLI 2020 business classification: 5 digits."""
    digits = _digits(value, allowed_separators=False)
    if len(digits) != 5:
        raise InvalidIdentifier(_l('Kode KBLI harus 5 angka.'))
    return digits


def is_construction_kbli(code: str) -> bool:
    """KBLI section F (construction): divisions 41, 42 and 43."""
    return code[:2] in ('41', '42', '43')


def normalise_bank_account(value) -> str | None:
    """A bank account number: 6–20 digits (spaces, dots and dashes allowed); blank is none."""
    text = value.strip() if isinstance(value, str) else ''
    if not text:
        return None
    compact = re.sub(r'[\s\-.]', '', text)
    if not re.fullmatch(r'\d{6,20}', compact):
        raise InvalidIdentifier(_l('Nomor rekening harus 6–20 angka.'))
    return compact


def normalise_phone(value) -> str:
    """An Indonesian phone number: digits, optionally starting with +, 8–15 digits."""
    text = value.strip() if isinstance(value, str) else ''
    compact = re.sub(r'[\s\-().]', '', text)
    if not re.fullmatch(r'\+?\d{8,15}', compact):
        raise InvalidIdentifier(_l('Nomor telepon harus 8–15 angka (boleh diawali +).'))
    return compact
