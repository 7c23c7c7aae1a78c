"""Every formula the engine states is shown in Indonesian on /results and in the BAHP, and in
the engine's own English to a reader who chose English (lpse/evaluation/formula_text.py)."""

import re
from decimal import Decimal

import pytest
from flask_babel import force_locale

from lpse import create_app
from lpse.evaluation.formula_text import formula_text, formula_text_id
from lpse.scoring import methods
from lpse.scoring.types import TkdnRule

from .factories import make_params

D = Decimal
METHOD_PARAMS = {
    'lowest_price': {},
    'merit_point': {
        'technical_weight': D('0.7'),
        'price_weight': D('0.3'),
        'technical_threshold': D('70'),
    },
    'life_cycle_cost': {'discount_rate': D('0.05'), 'years': 5},
    'qcbs': {
        'category': 'jasa_konsultansi',
        'technical_weight': D('0.8'),
        'price_weight': D('0.2'),
        'technical_threshold': D('70'),
    },
    'quality': {'category': 'jasa_konsultansi', 'technical_threshold': D('70')},
    'fixed_budget': {
        'category': 'jasa_konsultansi',
        'technical_threshold': D('70'),
        'budget': D('900000'),
    },
    'least_cost': {'category': 'jasa_konsultansi', 'technical_threshold': D('70')},
}
VARIANTS = [
    {'contract_type': 'lump_sum'},
    {'contract_type': 'unit_price'},
    {'contract_type': 'gabungan', 'tkdn': TkdnRule(formula='legacy')},
    {'contract_type': 'unit_price', 'tie_break': ()},
]
# Words of the engine's English that an Indonesian page must not show.
ENGLISH = re.compile(
    r'\b(winner|fails|preference|threshold|clarification|ties|never|stated|negotiation|offer|lump)\b'
)


def all_formulas() -> set[str]:
    formulas = set()
    for key, extra in METHOD_PARAMS.items():
        for variant in VARIANTS:
            params = make_params(**{**variant, **extra})
            formulas |= set(methods.evaluate(key, params, []).formulas)
    # Stated once a bid carries a negotiation (seleksi).
    return formulas | {methods.NEGOTIATION_TEXT}


@pytest.fixture(scope='module')
def app():
    return create_app({})


@pytest.mark.parametrize('formula', sorted(all_formulas()))
def test_every_formula_reads_in_indonesian_and_in_the_engines_english(app, formula):
    with app.test_request_context():
        indonesian = formula_text(formula)
        assert not ENGLISH.search(indonesian), indonesian
        with force_locale('en'):
            assert formula_text(formula) == formula
            assert formula_text_id(formula) == indonesian  # the PDFs stay Indonesian


def test_a_sentence_it_does_not_know_is_shown_as_written(app):
    with app.test_request_context():
        assert formula_text('something new') == 'something new'
        assert formula_text('ties: coin toss (never upload time)') == (
            'ties: coin toss (never upload time)'
        )


def test_results_page_and_bahp_use_it():
    from pathlib import Path

    root = Path(__file__).resolve().parents[3] / 'templates'
    assert '{{ f | formula }}' in (root / 'evaluation/results.html').read_text()
    assert '{{ f | formula_id }}' in (root / 'pdf/bahp.html').read_text()


def test_amounts_read_in_rupiah_in_indonesian_only(app):
    formula = next(f for f in all_formulas() if 'HPS > ' in f)
    with app.test_request_context():
        assert 'HPS > Rp1.000.000.000' in formula_text(formula)
        with force_locale('en'):
            assert formula_text(formula) == formula  # the engine's text, byte for byte
