"""Case files: validation, recomputation from the file, and the ``lpse evaluate`` command."""

import copy
import json
import subprocess
import sys
from pathlib import Path

import pytest

from lpse.console import main
from lpse.scoring.case import CaseError, evaluate_file, load_case, result_to_dict, schema
from lpse.scoring.methods import evaluate
from lpse.scoring.types import BoqItem, Params, TkdnRule, Vendor

from .factories import d, lines, make_bid

ROOT = Path(__file__).resolve().parents[3]
PASSED = {'passed': True}


def case():
    """A unit-price merit-point works tender with three bids."""
    return {
        'format': 'lpse-evaluation-case/1',
        'method': 'merit_point',
        'parameters': {
            'rules_version': 'perlem-lkpp-12-2021/1',
            'category': 'pekerjaan_konstruksi',
            'contract_type': 'unit_price',
            'hps': '130000',
            'boq': [
                {
                    'id': '1',
                    'description': 'Galian',
                    'quantity': '10',
                    'unit': 'm3',
                    'hps_unit_price': '5000',
                },
                {
                    'id': '2',
                    'description': 'Beton',
                    'quantity': 4,
                    'unit': 'm3',
                    'hps_unit_price': '20000',
                },
            ],
            'weights': {'technical': '0.7', 'price': '0.3'},
            'technical_threshold': '70',
            'tie_break': ['technical_score', 'small_business', 'pokja_decision'],
        },
        'bids': [
            {
                'id': 'A',
                'vendor': {'name': 'PT A', 'npwp': '01.234.567.8-901.000'},
                'price_lines': [
                    {'item': '1', 'quantity': '10', 'unit': 'm3', 'unit_price': '4000'},
                    {'item': '2', 'quantity': '4', 'unit': 'm3', 'unit_price': '19000'},
                ],
                'declared_total': '106000',
                'verdicts': {
                    'administration': PASSED,
                    'qualification': PASSED,
                    'technical': PASSED,
                },
                'technical': {'score': '80'},
            },
            {
                'id': 'B',
                'vendor': {'name': 'CV B', 'small_business': True},
                'price_lines': [
                    {'item': '1', 'quantity': '10', 'unit_price': '4500'},
                    {'item': '2', 'quantity': '4', 'unit_price': '17000'},
                    {'item': '9', 'quantity': '1', 'unit_price': '5000'},
                ],
                'declared_total': '118000',
                'verdicts': {
                    'administration': PASSED,
                    'qualification': PASSED,
                    'technical': PASSED,
                },
                'technical': {'score': '75.5'},
            },
            {
                'id': 'C',
                'vendor': {'name': 'PT C'},
                'price_lines': [{'item': '1', 'quantity': '10', 'unit_price': '4000'}],
                'verdicts': {
                    'administration': {
                        'passed': False,
                        'reason': 'surat penawaran tidak ditandatangani',
                    },
                    'qualification': PASSED,
                    'technical': PASSED,
                },
                'technical': {'score': '90'},
            },
        ],
    }


def write(tmp_path, data, name='case.json'):
    path = tmp_path / name
    path.write_text(data if isinstance(data, str) else json.dumps(data), encoding='utf-8')
    return path


def test_file_gives_the_same_result_as_calling_the_method(tmp_path):
    params = Params(
        rules_version='perlem-lkpp-12-2021/1',
        category='pekerjaan_konstruksi',
        contract_type='unit_price',
        hps=d(130_000),
        boq=(
            BoqItem('1', d(10), d(5_000), 'Galian', 'm3'),
            BoqItem('2', d(4), d(20_000), 'Beton', 'm3'),
        ),
        technical_weight=d('0.7'),
        price_weight=d('0.3'),
        technical_threshold=d(70),
        tkdn=TkdnRule(),
        tie_break=('technical_score', 'small_business', 'pokja_decision'),
    )
    bids = [
        make_bid(
            'A',
            106_000,
            nt=80,
            vendor=Vendor('PT A', '01.234.567.8-901.000'),
            lines=lines(('1', 10, 4_000), ('2', 4, 19_000)),
        ),
        make_bid(
            'B',
            118_000,
            nt='75.5',
            vendor=Vendor('CV B', '', True),
            lines=lines(('1', 10, 4_500), ('2', 4, 17_000), ('9', 1, 5_000)),
        ),
        make_bid(
            'C',
            nt=90,
            vendor=Vendor('PT C'),
            lines=lines(('1', 10, 4_000)),
            fail={'administration': 'surat penawaran tidak ditandatangani'},
        ),
    ]
    result = evaluate_file(write(tmp_path, case()))
    assert result == result_to_dict(evaluate('merit_point', params, bids))
    # A: P 116,000 (corrected up), NT 80; B: P 113,000 (item 9 removed), NT 75.5
    # NH(A) = 100 × 113,000 / 116,000 = 97.41; NA(A) = 56 + 29.22 = 85.22
    # NH(B) = 100; NA(B) = 52.85 + 30 = 82.85
    assert (result['winner'], result['reserves']) == ('A', ['B'])
    a, b, c = result['bids']
    assert (a['corrected_total'], a['scores']['NA']) == ('116000', '85.22')
    assert (b['corrected_total'], b['scores']['NA']) == ('113000', '82.85')
    assert [f['code'] for f in b['flags']] == ['item_not_in_boq', 'arithmetic_correction']
    assert c['stages']['administration'] == {
        'status': 'failed',
        'reason': 'surat penawaran tidak ditandatangani',
    }
    assert result['stage_counts']['administration'] == {
        'passed': 2,
        'failed': 1,
        'not_evaluated': 0,
    }


def test_output_is_byte_identical(tmp_path):
    path = write(tmp_path, case())
    first = json.dumps(evaluate_file(path), indent=2, ensure_ascii=False)
    assert json.dumps(evaluate_file(path), indent=2, ensure_ascii=False) == first


def mutate(change):
    data = case()
    change(data)
    return data


def set_in(path, value):
    def change(data):
        target = data
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value

    return change


def drop(path):
    def change(data):
        target = data
        for key in path[:-1]:
            target = target[key]
        del target[path[-1]]

    return change


BAD_CASES = {
    'float money': (
        '{"format": "lpse-evaluation-case/1", "method": "lowest_price", '
        '"parameters": {"rules_version": "x", "category": "barang", "hps": 1000.5}, "bids": []}',
        'parameters.hps: 1000.5 is a JSON float',
    ),
    'bad json': ('{"format": ', 'not valid JSON'),
    'missing field': (mutate(drop(('bids', 0, 'verdicts'))), "bids[0]: 'verdicts' is a required"),
    'weights': (
        mutate(set_in(('parameters', 'weights', 'price'), '0.4')),
        'parameters.weights: technical + price must be 1, not 1.1',
    ),
    'score 120': (
        mutate(set_in(('bids', 1, 'technical'), {'score': '120'})),
        'bids[1].technical.score: a score between 0 and 100, not 120',
    ),
    'empty reason': (
        mutate(set_in(('bids', 2, 'verdicts', 'administration'), {'passed': False, 'reason': ' '})),
        'bids[2].verdicts.administration.reason: a failed verdict needs a reason',
    ),
    'unknown method': (
        mutate(set_in(('method',), 'cheapest')),
        "method: unknown evaluation method 'cheapest'",
    ),
    'duplicate bid': (
        mutate(set_in(('bids', 1, 'id'), 'A')),
        "bids[1].id: duplicate bid id 'A'",
    ),
    'upload time': (
        mutate(set_in(('parameters', 'tie_break'), ['upload_time'])),
        'parameters.tie_break: upload time is never a tie-break',
    ),
    'money with sign': (
        mutate(set_in(('parameters', 'hps'), '-5')),
        "parameters.hps: '-5' is not a non-negative decimal number",
    ),
    'method for category': (
        mutate(set_in(('method',), 'qcbs')),
        'parameters.category: method qcbs is not used for goods, works, other services',
    ),
    'wrong format': (mutate(set_in(('format',), 'lpse-evaluation-case/2')), 'format:'),
    'max preference 1': (
        mutate(set_in(('parameters', 'tkdn'), {'max_preference': '1'})),
        'parameters.tkdn.max_preference: a fraction from 0 up to (not including) 1',
    ),
    'max preference 1.5': (
        mutate(set_in(('parameters', 'tkdn'), {'max_preference': '1.5'})),
        'parameters.tkdn.max_preference: a fraction from 0 up to (not including) 1',
    ),
    'duplicate price line': (
        mutate(set_in(('bids', 0, 'price_lines', 1, 'item'), '1')),
        "bids[0].price_lines[1]: duplicate '1'",
    ),
}


@pytest.mark.parametrize('name', sorted(BAD_CASES))
def test_malformed_case_names_the_problem(tmp_path, name):
    data, message = BAD_CASES[name]
    with pytest.raises(CaseError) as caught:
        load_case(write(tmp_path, data))
    assert message in str(caught.value)


def test_missing_file(tmp_path):
    with pytest.raises(CaseError, match='cannot read'):
        evaluate_file(tmp_path / 'nope.json')


def test_console_prints_the_result(tmp_path, capsys):
    assert main(['evaluate', str(write(tmp_path, case()))]) == 0
    assert json.loads(capsys.readouterr().out)['winner'] == 'A'


def test_console_reports_bad_input(tmp_path, capsys):
    assert main(['evaluate', str(write(tmp_path, mutate(set_in(('method',), 'x'))))]) == 2
    captured = capsys.readouterr()
    assert captured.out == ''
    assert "lpse evaluate: method: unknown evaluation method 'x'" in captured.err


def test_console_refuses_a_full_tkdn_preference_instead_of_crashing(tmp_path, capsys):
    data = case()
    data['parameters']['category'] = 'barang'
    data['parameters']['tkdn'] = {'max_preference': '1', 'hps_above': '0'}
    for bid in data['bids']:
        bid['tkdn'] = '100'
    path = tmp_path / 'tkdn.json'
    path.write_text(json.dumps(data), encoding='utf-8')
    assert main(['evaluate', str(path)]) == 2
    assert 'max_preference' in capsys.readouterr().err


def lpse_command():
    return [str(Path(sys.executable).with_name('lpse')), 'evaluate']


def test_lpse_evaluate_command(tmp_path):
    done = subprocess.run(
        [*lpse_command(), str(write(tmp_path, case()))], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == evaluate_file(tmp_path / 'case.json')


def test_lpse_evaluate_exits_2_on_bad_input(tmp_path):
    bad = write(tmp_path, BAD_CASES['float money'][0])
    done = subprocess.run([*lpse_command(), str(bad)], capture_output=True, text=True, check=False)
    assert done.returncode == 2
    assert done.stdout == ''
    assert 'parameters.hps: 1000.5 is a JSON float' in done.stderr


def test_documented_example_matches(tmp_path):
    text = (ROOT / 'docs' / 'EVALUATION_FORMAT.md').read_text(encoding='utf-8')
    blocks = [b.split('```', 1)[0] for b in text.split('```json\n')[1:]]
    example, expected = (json.loads(b) for b in blocks[:2])
    assert evaluate_file(write(tmp_path, copy.deepcopy(example))) == expected


def test_documented_schema_is_the_schema():
    text = (ROOT / 'docs' / 'EVALUATION_FORMAT.md').read_text(encoding='utf-8')
    documented = json.loads(text.split('```json\n')[3].split('```', 1)[0])
    assert documented == schema()


@pytest.mark.parametrize(
    'amount', ['1' + '0' * 28, 10**28, '1' + '0' * 18, '1.' + '1' * 11, '1e28', '9' * 400]
)
def test_amounts_beyond_what_is_supported_are_a_clear_error(tmp_path, capsys, amount):
    """10^28 used to crash `lpse evaluate` with decimal.InvalidOperation."""
    data = case()
    data['bids'][0]['price_lines'][0]['unit_price'] = amount
    assert main(['evaluate', str(write(tmp_path, data))]) == 2
    captured = capsys.readouterr()
    assert captured.out == ''
    assert 'bids[0].price_lines[0].unit_price' in captured.err
    assert 'at most 18 digits before the point' in captured.err


def test_the_largest_supported_amounts_evaluate_and_print_exactly(tmp_path, capsys):
    """18-digit prices times 12-digit quantities (31 digits, past the default context's 28)
    are computed and rounded for output in the one evaluation context."""
    data = case()
    data['parameters']['hps'] = '9' * 18
    big_quantity = '9' * 12
    for item in data['parameters']['boq']:
        item['quantity'] = big_quantity
        item['hps_unit_price'] = '9' * 17
    for bid in data['bids']:
        for line in bid['price_lines']:
            line['quantity'] = big_quantity
            line['unit_price'] = '9' * 18
    assert main(['evaluate', str(write(tmp_path, data))]) == 0
    result = json.loads(capsys.readouterr().out)
    corrected = result['bids'][0]['corrected_total']
    assert corrected == str(2 * int('9' * 18) * int(big_quantity))
