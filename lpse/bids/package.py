"""The bid package `lpse-bid/1`: a ZIP of bid.json and the attached files (docs/BID_FORMAT.md).

`build_package` makes it at the vendor's desk (or in the web path), `seal_package` seals and
signs it for submission, `read_package` takes it apart
at opening behind the defences of `zipcheck`, and `check_against_tender` compares a bid with
the tender it claims to answer."""

import hashlib
import io
import json
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from lpse.crypto import detached, envelope

from .errors import MalformedPackage, TenderMismatch
from .validation import bid_errors, load_bid_json, schema, validate_bid
from .zipcheck import Limits, check_name, inspect_zip

FORMAT = 'lpse-bid/1'
BID_JSON = 'bid.json'
ENVELOPE_KINDS = ('single', 'technical', 'price')
PRICED_KINDS = ('single', 'price')
# Fixed entry metadata so that identical inputs give identical bytes (ZIP's epoch, 1980).
ZIP_DATE_TIME = (1980, 1, 1, 0, 0, 0)
ZIP_FILE_MODE = 0o100644 << 16
ZIP_UNIX = 3
DEFAULT_LIMITS = Limits()

__all__ = [
    'BID_JSON',
    'DEFAULT_LIMITS',
    'ENVELOPE_KINDS',
    'FORMAT',
    'Attachment',
    'BoqLine',
    'Limits',
    'Package',
    'TenderTerms',
    'bid_errors',
    'build_package',
    'check_against_tender',
    'check_entries',
    'evaluation_inputs',
    'load_bid_json',
    'read_package',
    'schema',
    'seal_package',
    'validate_bid',
]


@dataclass(frozen=True)
class Attachment:
    """One attached file of an opened package, as listed in bid.json."""

    name: str
    data: bytes
    sha256: str

    @property
    def size(self) -> int:
        return len(self.data)


@dataclass(frozen=True)
class Package:
    """An inspected, schema-valid bid package: bid.json and its attachments in listed order."""

    bid: dict
    attachments: tuple[Attachment, ...]

    def attachment(self, name: str) -> Attachment:
        return next(a for a in self.attachments if a.name == name)


@dataclass(frozen=True)
class BoqLine:
    """One item of the tender's bill of quantities; an empty unit is not checked."""

    item: str
    unit: str = ''


@dataclass(frozen=True)
class TenderTerms:
    """What a bid must match: the tender version, its BoQ, the envelopes it takes, the bidder.

    ``envelopes`` is ('single',) for a one-file tender, ('technical', 'price') for two files.
    ``life_cycle_years`` is n of a life-cycle-cost tender (the bid must state n years)."""

    code: str
    version: int
    vendor_npwp: str
    boq: tuple[BoqLine, ...]
    envelopes: tuple[str, ...] = ('single',)
    life_cycle_years: int | None = None
    min_validity_days: int | None = None


def build_package(bid: dict, attachments: Sequence[tuple[str, bytes]]) -> bytes:
    """The package ZIP: bid.json (with the attachments listed and hashed) and the files.

    Deterministic: entries stored (not compressed) in a fixed order with fixed metadata, and
    bid.json written with sorted keys, so identical inputs give identical bytes everywhere."""
    seen: dict[str, str] = {BID_JSON: BID_JSON}
    for name, _ in attachments:
        check_name(name, DEFAULT_LIMITS, seen)
    files = sorted(attachments, key=lambda a: a[0])
    filled = dict(bid)
    filled['attachments'] = [
        {'name': name, 'sha256': hashlib.sha256(data).hexdigest(), 'size': len(data)}
        for name, data in files
    ]
    validate_bid(filled)
    body = (json.dumps(filled, ensure_ascii=False, sort_keys=True, indent=2) + '\n').encode()
    out = io.BytesIO()
    with zipfile.ZipFile(out, 'w', compression=zipfile.ZIP_STORED) as zf:
        for name, data in [(BID_JSON, body), *files]:
            info = zipfile.ZipInfo(name, date_time=ZIP_DATE_TIME)
            info.create_system = ZIP_UNIX
            info.external_attr = ZIP_FILE_MODE
            zf.writestr(info, data, compress_type=zipfile.ZIP_STORED)
    return out.getvalue()


def seal_package(package: bytes, *, key, cert, recipient_cert) -> tuple[bytes, bytes]:
    """Seal a built package to the tender (signed inside, self-checked) and sign the `.p7m`
    for submission: the envelope and signature both the web form and `lpse seal` send."""
    p7m = envelope.seal(package, signer_key=key, signer_cert=cert, recipient_cert=recipient_cert)
    # The submission signature: the server checks the signer before it can see inside.
    return p7m, detached.sign_detached(p7m, key=key, cert=cert)


def read_package(zip_bytes: bytes, *, limits: Limits = DEFAULT_LIMITS) -> Package:
    """Inspect a package defensively (nothing touches the disk) and check it against its bid.json.

    Raises UnsafePackage for a hostile ZIP and MalformedPackage for anything else that is not a
    valid `lpse-bid/1` package; both carry a short reason and a stable ``code``."""
    bid, by_name = check_entries(inspect_zip(zip_bytes, limits), limits)
    listed = dict.fromkeys(a['name'] for a in bid['attachments'])
    return Package(bid, tuple(Attachment(n, by_name[n].data, by_name[n].sha256) for n in listed))


def check_entries(entries: Sequence, limits: Limits) -> tuple[dict, dict]:
    """The package rules over inspected entries (anything with name, size, sha256, is_dir and,
    for bid.json, data): files only at the top level, a valid bid.json, every attachment listed
    there present and matching, nothing unlisted. Returns the bid and the entries by name."""
    for entry in entries:
        if entry.is_dir or '/' in entry.name:
            raise MalformedPackage(
                f'The package has a folder entry "{entry.name}"; files sit at its top level.',
                code='unexpected_entry',
            )
    by_name = {entry.name: entry for entry in entries}
    if BID_JSON not in by_name:
        raise MalformedPackage('The package has no bid.json.', code='missing_bid_json')
    if by_name[BID_JSON].size > limits.max_bid_json:
        raise MalformedPackage(
            f'bid.json is larger than {limits.max_bid_json} bytes.', code='bid_json_too_large'
        )
    bid = load_bid_json(by_name[BID_JSON].data)
    validate_bid(bid)
    listed = {a['name']: a for a in bid['attachments']}
    for name in listed:
        if name not in by_name:
            raise MalformedPackage(
                f'The attachment "{name}" listed in bid.json is missing from the package.',
                code='missing_attachment',
            )
    for name in by_name:
        if name != BID_JSON and name not in listed:
            raise MalformedPackage(
                f'The file "{name}" is in the package but not listed in bid.json.',
                code='unlisted_file',
            )
    for name, listing in listed.items():
        entry = by_name[name]
        if entry.size != listing['size'] or entry.sha256 != listing['sha256']:
            raise MalformedPackage(
                f'The attachment "{name}" does not match the SHA-256 and size in bid.json.',
                code='attachment_mismatch',
            )
    return bid, by_name


def check_against_tender(bid: dict, terms: TenderTerms) -> None:
    """Refuse a (schema-valid) bid that does not answer this tender; every mismatch is listed."""
    problems: list[tuple[str, str]] = []
    if bid['tender_code'] != terms.code:
        problems.append(
            ('wrong_tender', f'the bid is for tender {bid["tender_code"]}, not {terms.code}')
        )
    elif bid['tender_version'] != terms.version:
        problems.append(
            (
                'wrong_version',
                f'the bid is for version {bid["tender_version"]} of tender {terms.code}; '
                f'the current version is {terms.version}',
            )
        )
    if npwp_key(bid['vendor_npwp']) != npwp_key(terms.vendor_npwp):
        problems.append(
            (
                'npwp_mismatch',
                f"the bid names NPWP {bid['vendor_npwp']}, but the bidder's NPWP is "
                f'{_digits(terms.vendor_npwp)}',
            )
        )
    if bid['envelope'] not in terms.envelopes:
        expected = ' and '.join(terms.envelopes)
        problems.append(
            (
                'unexpected_envelope',
                f'this is a {bid["envelope"]} envelope, but the tender takes {expected}',
            )
        )
    problems += _boq_problems(bid.get('price_lines', ()), terms.boq)
    problems += _term_problems(bid, terms)
    if problems:
        raise TenderMismatch(problems)


def evaluation_inputs(bid: dict) -> dict:
    """The per-bid inputs of lpse.scoring.types.Bid (lines, declared_total, tkdn, life_cycle)."""
    from lpse.scoring.types import LifeCycle, PriceLine

    def dec(value):
        return None if value is None else Decimal(value)

    inputs: dict = {
        'lines': tuple(
            PriceLine(p['item'], Decimal(p['quantity']), dec(p['unit_price']), p['unit'])
            for p in bid.get('price_lines', ())
        ),
        'declared_total': dec(bid.get('declared_total')),
    }
    if 'tkdn' in bid:
        inputs['tkdn'] = Decimal(bid['tkdn'])
    if 'life_cycle' in bid:
        lcc = bid['life_cycle']
        inputs['life_cycle'] = LifeCycle(
            tuple(map(Decimal, lcc['operating'])),
            tuple(map(Decimal, lcc['maintenance'])),
            Decimal(lcc['residual']),
        )
    return inputs


def npwp_key(value: str) -> str:
    """The 16-digit form of an NPWP (a 15-digit business NPWP is '0' + the same 15 digits)."""
    digits = _digits(value)
    return '0' + digits if len(digits) == 15 else digits


def _digits(value: str) -> str:
    return ''.join(c for c in value if c.isdigit())


def _boq_problems(lines: Iterable[dict], boq: tuple[BoqLine, ...]) -> list[tuple[str, str]]:
    units = {line.item: line.unit for line in boq}
    problems = []
    for index, line in enumerate(lines):
        item, where = line['item'], f'price_lines[{index}]'
        if item not in units:
            problems.append(
                ('unknown_item', f'{where}.item: item "{item}" is not in the tender\'s BoQ')
            )
        elif units[item] and _unit(line['unit']) != _unit(units[item]):
            problems.append(
                (
                    'wrong_unit',
                    f'{where}.unit: item "{item}" is priced per "{line["unit"]}", '
                    f'the BoQ unit is "{units[item]}"',
                )
            )
    return problems


def _term_problems(bid: dict, terms: TenderTerms) -> list[tuple[str, str]]:
    problems = []
    years = terms.life_cycle_years
    if years and bid['envelope'] in PRICED_KINDS:
        lcc = bid.get('life_cycle')
        if lcc is None:
            problems.append(
                ('missing_life_cycle', f'life_cycle: required, for {years} years (life-cycle cost)')
            )
        elif len(lcc['operating']) != years:
            problems.append(
                (
                    'life_cycle_years',
                    f'life_cycle: {len(lcc["operating"])} years of costs given, {years} required',
                )
            )
    minimum = terms.min_validity_days
    if minimum and 'validity_days' in bid and bid['validity_days'] < minimum:
        problems.append(
            (
                'short_validity',
                f'validity_days: the bid is valid {bid["validity_days"]} days; '
                f'the tender requires at least {minimum}',
            )
        )
    return problems


def _unit(text: str) -> str:
    return ' '.join(text.split()).casefold()
