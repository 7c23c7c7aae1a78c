"""The bid package format: build, read back, schema rules, and the match with the tender."""

import hashlib
import io
import json
import zipfile
from decimal import Decimal
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from lpse.bids.errors import MalformedPackage, TenderMismatch
from lpse.bids.package import (
    build_package,
    check_against_tender,
    evaluation_inputs,
    read_package,
    schema,
    validate_bid,
)

from .factories import DROP, Raw, make_bid, make_terms, raw_zip

PDF = b'%PDF-1.7\n' + b'surat penawaran ' * 1000
JPEG = b'\xff\xd8\xff\xe0' + bytes(range(256)) * 40


def test_round_trip_fills_hashes_and_keeps_files():
    package = read_package(build_package(make_bid(), [('surat.pdf', PDF), ('foto.jpg', JPEG)]))
    assert package.bid['attachments'] == [
        {'name': 'foto.jpg', 'sha256': hashlib.sha256(JPEG).hexdigest(), 'size': len(JPEG)},
        {'name': 'surat.pdf', 'sha256': hashlib.sha256(PDF).hexdigest(), 'size': len(PDF)},
    ]
    assert package.attachment('surat.pdf').data == PDF
    assert package.attachment('foto.jpg').data == JPEG
    assert {k: v for k, v in package.bid.items() if k != 'attachments'} == make_bid()


def test_same_input_gives_same_bytes():
    first = build_package(make_bid(), [('surat.pdf', PDF), ('foto.jpg', JPEG)])
    again = build_package(
        dict(reversed(make_bid().items())), [('foto.jpg', JPEG), ('surat.pdf', PDF)]
    )
    assert first == again
    assert build_package(make_bid(tkdn='41'), [('surat.pdf', PDF), ('foto.jpg', JPEG)]) != first


def test_package_layout_is_fixed():
    with zipfile.ZipFile(io.BytesIO(build_package(make_bid(), [('surat.pdf', PDF)]))) as zf:
        infos = zf.infolist()
        assert [i.filename for i in infos] == ['bid.json', 'surat.pdf']
        assert {(i.date_time, i.compress_type, i.external_attr >> 16) for i in infos} == {
            ((1980, 1, 1, 0, 0, 0), zipfile.ZIP_STORED, 0o100644)
        }
        assert json.loads(zf.read('bid.json'))['format'] == 'lpse-bid/1'


def test_the_caller_cannot_forge_the_attachment_list():
    forged = make_bid(attachments=[{'name': 'x.pdf', 'sha256': '0' * 64, 'size': 1}])
    package = read_package(build_package(forged, [('surat.pdf', PDF)]))
    assert [a['name'] for a in package.bid['attachments']] == ['surat.pdf']


def test_two_file_envelopes_are_valid():
    technical = make_bid(
        envelope='technical',
        price_lines=DROP,
        declared_total=DROP,
        currency=DROP,
    )
    price = make_bid(envelope='price', tkdn=DROP, validity_days=DROP)
    for bid in (technical, price):
        assert read_package(build_package(bid, [])).bid['envelope'] == bid['envelope']


def test_schema_is_draft_2020_12():
    Draft202012Validator.check_schema(schema())
    assert schema()['$schema'] == 'https://json-schema.org/draft/2020-12/schema'


@pytest.mark.parametrize(
    ('changes', 'expected'),
    [
        ({'declared_total': 1430000010.5}, 'declared_total: 1430000010.5 is a JSON number'),
        (
            {'price_lines': [{'item': '1', 'quantity': '1', 'unit': 'u', 'unit_price': '-5'}]},
            "price_lines[0].unit_price: '-5' is not an amount",
        ),
        ({'tkdn': '120'}, "tkdn: '120' is not a percentage from 0 to 100"),
        ({'envelope': 'sealed'}, "envelope: 'sealed' is not one of"),
        ({'price_lines': DROP}, 'price_lines: required in a single envelope'),
        (
            {'envelope': 'technical', 'declared_total': DROP, 'currency': DROP},
            'price_lines: not allowed in a technical envelope',
        ),
        ({'currency': 'USD'}, "currency: 'IDR' was expected"),
        ({'vendor_npwp': '01.234.567.8-901.000'}, 'vendor_npwp: '),
        ({'validity_days': 0}, 'validity_days: 0 is less than the minimum of 1'),
        ({'bonus': 'yes'}, "'bonus' was unexpected"),
        (
            {'price_lines': [{'item': '1', 'quantity': '1', 'unit': 'u', 'unit_price': '1'}] * 2},
            'price_lines[1].item: item "1" is priced twice',
        ),
        (
            {'life_cycle': {'operating': ['1', '2'], 'maintenance': ['1'], 'residual': '0'}},
            'life_cycle: operating and maintenance must cover the same years',
        ),
    ],
)
def test_schema_violations_are_refused_with_their_path(changes, expected):
    with pytest.raises(MalformedPackage) as exc:
        build_package(make_bid(**changes), [])
    assert exc.value.code == 'invalid_bid_json'
    assert any(expected in error for error in exc.value.errors), exc.value.errors
    assert expected.split(':')[0] in exc.value.reason


def test_float_in_bid_json_text_is_refused_when_read():
    text = json.dumps(make_bid(attachments=[])).replace('"40.5"', '40.5').encode()
    with pytest.raises(MalformedPackage) as exc:
        read_package(raw_zip([Raw('bid.json', text)]))
    assert 'tkdn: 40.5 is a JSON number' in exc.value.reason


def test_duplicate_json_key_is_refused():
    text = json.dumps(make_bid(attachments=[]))[:-1] + ', "tkdn": "99"}'
    with pytest.raises(MalformedPackage, match='names the field "tkdn" twice'):
        read_package(raw_zip([Raw('bid.json', text.encode())]))


@pytest.mark.parametrize('name', ['../evil.pdf', 'sub/dir.pdf', 'bid.json', '.hidden', 'a:b.pdf'])
def test_build_refuses_unsafe_attachment_names(name):
    with pytest.raises((MalformedPackage, ValueError)):
        build_package(make_bid(), [(name, PDF)])


def test_matching_bid_passes_the_tender_check():
    check_against_tender(make_bid(), make_terms())


@pytest.mark.parametrize(
    ('bid_changes', 'term_changes', 'code', 'message'),
    [
        ({'tender_code': 'KEMKES-2026-00002'}, {}, 'wrong_tender', 'for tender KEMKES-2026-00002'),
        ({'tender_version': 2}, {}, 'wrong_version', 'the current version is 1'),
        (
            {'price_lines': [{'item': '9', 'quantity': '1', 'unit': 'unit', 'unit_price': '1'}]},
            {},
            'unknown_item',
            'price_lines[0].item: item "9" is not in the tender\'s BoQ',
        ),
        (
            {'price_lines': [{'item': '3', 'quantity': '1', 'unit': 'unit', 'unit_price': '1'}]},
            {},
            'wrong_unit',
            'price_lines[0].unit: item "3" is priced per "unit", the BoQ unit is "ls"',
        ),
        ({'vendor_npwp': '0987654321098765'}, {}, 'npwp_mismatch', 'names NPWP 0987654321098765'),
        ({}, {'envelopes': ('technical', 'price')}, 'unexpected_envelope', 'technical and price'),
        ({}, {'life_cycle_years': 5}, 'missing_life_cycle', 'for 5 years'),
        ({}, {'min_validity_days': 120}, 'short_validity', 'at least 120'),
    ],
)
def test_tender_mismatches_say_what_is_wrong(bid_changes, term_changes, code, message):
    with pytest.raises(TenderMismatch) as exc:
        check_against_tender(make_bid(**bid_changes), make_terms(**term_changes))
    assert exc.value.code == code
    assert message in exc.value.reason


def test_all_mismatches_are_listed_at_once():
    bid = make_bid(tender_version=3, vendor_npwp='0987654321098765')
    with pytest.raises(TenderMismatch) as exc:
        check_against_tender(bid, make_terms())
    assert [code for code, _ in exc.value.problems] == ['wrong_version', 'npwp_mismatch']


def test_sixteen_digit_npwp_matches_its_fifteen_digit_form():
    check_against_tender(make_bid(vendor_npwp='0012345678901000'), make_terms())


def test_evaluation_inputs_are_decimals():
    bid = make_bid(
        price_lines=[
            {'item': '1', 'quantity': '2', 'unit': 'unit', 'unit_price': '10.50'},
            {'item': '2', 'quantity': '1', 'unit': 'unit', 'unit_price': None},
        ],
        life_cycle={'operating': ['100', '110'], 'maintenance': ['5', '6'], 'residual': '50'},
    )
    validate_bid(dict(bid, attachments=[]))
    inputs = evaluation_inputs(bid)
    assert inputs['lines'][0].unit_price == Decimal('10.50')
    assert inputs['lines'][1].unit_price is None
    assert inputs['tkdn'] == Decimal('40.5')
    assert inputs['declared_total'] == Decimal('1430000010')
    assert inputs['life_cycle'].maintenance == (Decimal(5), Decimal(6))


def test_documented_schema_is_the_schema():
    doc = (Path(__file__).parents[3] / 'docs' / 'BID_FORMAT.md').read_text(encoding='utf-8')
    block = doc.split('## JSON Schema', 1)[1].split('```json\n', 1)[1].split('```', 1)[0]
    assert json.loads(block) == schema()
