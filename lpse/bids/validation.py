"""bid.json: strict decoding, its JSON Schema (bid.schema.json) and the rules the schema cannot
state. Every problem is reported as "path: message" so the vendor can find it."""

import json
import unicodedata
from functools import cache
from importlib import resources

from jsonschema import Draft202012Validator

from .errors import MalformedPackage

MAX_LISTED_ERRORS = 20


class _JsonNumber(str):
    """A JSON number with a fraction or exponent, kept as text so it can be refused by path."""


@cache
def schema() -> dict:
    """The JSON Schema (draft 2020-12) of bid.json."""
    text = resources.files(__package__).joinpath('bid.schema.json').read_text(encoding='utf-8')
    return json.loads(text)


def load_bid_json(data: bytes) -> dict:
    """Decode bid.json strictly: UTF-8, one object, no duplicate keys, no float or NaN numbers."""
    try:
        bid = json.loads(
            data.decode('utf-8'),
            parse_float=_JsonNumber,
            parse_constant=_JsonNumber,
            object_pairs_hook=_no_duplicate_keys,
        )
    except UnicodeDecodeError:
        raise MalformedPackage('bid.json is not UTF-8 text.', code='bid_json_not_json') from None
    except json.JSONDecodeError as exc:
        raise MalformedPackage(
            f'bid.json is not valid JSON ({exc.msg} at line {exc.lineno} column {exc.colno}).',
            code='bid_json_not_json',
        ) from None
    if not isinstance(bid, dict):
        raise MalformedPackage('bid.json must hold a JSON object.', code='invalid_bid_json')
    return bid


def bid_errors(bid: object) -> list[str]:
    """Every problem of a decoded bid.json as "path: message", sorted by path; [] when valid."""
    problems = _number_errors(bid, ())
    if problems:
        return problems
    validator = Draft202012Validator(schema())
    found = {_describe(error, bid) for error in validator.iter_errors(bid)}
    if not found and isinstance(bid, dict):
        found.update(_semantic_errors(bid))
    return sorted(found)


def validate_bid(bid: object) -> None:
    """Refuse a bid.json that breaks the schema or its rules; the reason names the path."""
    errors = bid_errors(bid)
    if errors:
        more = f' (and {len(errors) - 1} more)' if len(errors) > 1 else ''
        raise MalformedPackage(
            f'bid.json is invalid: {errors[0]}{more}',
            code='invalid_bid_json',
            errors=tuple(errors[:MAX_LISTED_ERRORS]),
        )


def _no_duplicate_keys(pairs: list[tuple[str, object]]) -> dict:
    result: dict = {}
    for key, value in pairs:
        if key in result:
            raise MalformedPackage(
                f'bid.json names the field "{key}" twice.', code='invalid_bid_json'
            )
        result[key] = value
    return result


def _number_errors(value: object, path: tuple) -> list[str]:
    if isinstance(value, _JsonNumber | float):
        return [
            f'{_path(path)}: {value} is a JSON number; write amounts as decimal strings '
            f'("{value}") so no binary rounding can change them'
        ]
    if isinstance(value, dict):
        return [e for key, item in value.items() for e in _number_errors(item, (*path, key))]
    if isinstance(value, list):
        return [e for i, item in enumerate(value) for e in _number_errors(item, (*path, i))]
    return []


def _describe(error, bid: object) -> str:
    """One schema error as "path: plain message"."""
    path = tuple(error.absolute_path)
    kind = bid.get('envelope') if isinstance(bid, dict) else None
    if error.validator == 'not':
        return f'{_path(path)}: not allowed in a {kind} envelope'
    if error.validator == 'required' and error.absolute_schema_path[0] == 'allOf':
        missing = error.message.split("'")[1]
        return f'{_path((*path, missing))}: required in a {kind} envelope'
    if error.validator == 'required':
        missing = error.message.split("'")[1]
        return f'{_path((*path, missing))}: required'
    if error.validator == 'pattern':
        hint = _pattern_hints().get(error.schema['pattern'], 'is not in the expected form')
        return f'{_path(path)}: {error.instance!r} {hint}'
    if error.validator == 'anyOf' and isinstance(error.instance, str):
        return f'{_path(path)}: {error.instance!r} {_PATTERN_HINTS["money"]}'
    return f'{_path(path)}: {error.message}'


_PATTERN_HINTS = {
    'money': 'is not an amount: a non-negative decimal string with at most 2 decimals',
    'quantity': 'is not a quantity: a non-negative decimal string',
    'percent': 'is not a percentage from 0 to 100 (at most 2 decimals)',
    'tender_code': 'is not a tender code',
    'vendor_npwp': 'is not an NPWP: 15 or 16 digits, no dots or dashes',
    'name': 'is not a plain file name (no folders, no leading dot, none of / \\ : * ? " < > |)',
    'sha256': 'is not a lowercase hex SHA-256',
}


@cache
def _pattern_hints() -> dict[str, str]:
    s = schema()
    where = {
        'money': s['$defs']['money'],
        'quantity': s['$defs']['quantity'],
        'percent': s['$defs']['percent'],
        'tender_code': s['properties']['tender_code'],
        'vendor_npwp': s['properties']['vendor_npwp'],
        'name': s['$defs']['attachment']['properties']['name'],
        'sha256': s['$defs']['attachment']['properties']['sha256'],
    }
    return {sub['pattern']: _PATTERN_HINTS[key] for key, sub in where.items()}


def _semantic_errors(bid: dict) -> list[str]:
    """Rules the schema cannot state: unique items and names, life-cycle lists of one length."""
    errors = []
    items: set[str] = set()
    for index, line in enumerate(bid.get('price_lines', ())):
        if line['item'] in items:
            errors.append(f'price_lines[{index}].item: item "{line["item"]}" is priced twice')
        items.add(line['item'])
    names: set[str] = set()
    for index, listing in enumerate(bid['attachments']):
        key = unicodedata.normalize('NFC', listing['name']).casefold()
        if key in names:
            errors.append(f'attachments[{index}].name: "{listing["name"]}" is listed twice')
        names.add(key)
    lcc = bid.get('life_cycle')
    if lcc and len(lcc['operating']) != len(lcc['maintenance']):
        errors.append('life_cycle: operating and maintenance must cover the same years')
    return errors


def _path(parts: tuple) -> str:
    text = ''
    for part in parts:
        text += f'[{part}]' if isinstance(part, int) else (f'.{part}' if text else str(part))
    return text or '(bid)'
