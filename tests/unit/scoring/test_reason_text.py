"""Why a bid failed and what the engine noticed, as the pages and the announced PDFs show it:
in Indonesian with amounts in rupiah (lpse/evaluation/reason_text.py), in the engine's own
English to a reader who chose English; a reason the Pokja wrote is shown as written. The
reasons are the engine's own, produced by evaluating bids that fail each way."""

import re

import pytest
from flask_babel import force_locale

from lpse import create_app
from lpse.evaluation.reason_text import reason_text, reason_text_id
from lpse.scoring.methods import evaluate
from lpse.scoring.types import BoqItem, Verdict

from .factories import d, lines, make_bid, make_params

ENGLISH = re.compile(
    r'\b(no|below|above|threshold|corrected|declared|priced|removed|clarification|failed|'
    r'recorded|bids|evaluated|unit price|score|passes|offered|stated)\b'
)
INDONESIAN = re.compile(r'\b(nilai|harga|total terkoreksi|di bawah|melebihi|tidak|belum|dihapus)\b')
BOQ = (BoqItem('1', d(10), d(5_000)), BoqItem('2', d(4), d(20_000)))


def digits(text: str) -> list[str]:
    """The numbers of a sentence, grouping and decimal signs aside ("60.00" and "60,00")."""
    return re.findall(r'\d+', re.sub(r'(?<=\d)[.,](?=\d)', '', text))


def engine_texts() -> set[str]:
    """Every reason and flag the engine gives for bids failing each way."""
    goods = make_params()
    works = make_params(category='pekerjaan_konstruksi', contract_type='unit_price', boq=BOQ)
    merit = make_params(
        technical_weight=d('0.7'), price_weight=d('0.3'), technical_threshold=d('70')
    )
    budget = make_params(
        category='jasa_konsultansi', technical_threshold=d('70'), budget=d('900000')
    )
    lcc = make_params(discount_rate=d('0.05'), years=5)
    runs = [
        ('lowest_price', goods, [make_bid('A', 1_200_000), make_bid('B', 0), make_bid('C')]),
        (
            'lowest_price',
            goods,
            [
                make_bid('A', 700_000),
                make_bid(
                    'B',
                    700_000,
                    clarification=Verdict(False, 'BA-17'),
                ),
            ],
        ),
        ('lowest_price', goods, []),
        ('lowest_price', goods, [make_bid('A', 900_000, verdicts={})]),
        (
            'lowest_price',
            works,
            [
                make_bid('A', 200_000, lines=lines(('1', 10, 4_000), ('2', 4, None))),
                make_bid('B', 200_000, lines=lines(('1', 12, 9_000), ('9', 1, 50_000))),
            ],
        ),
        ('merit_point', merit, [make_bid('A', 900_000, nt=60), make_bid('B', 900_000)]),
        ('fixed_budget', budget, [make_bid('A', 950_000, nt=80)]),
        ('life_cycle_cost', lcc, [make_bid('A', 900_000)]),
    ]
    texts = set()
    for method, params, bids in runs:
        result = evaluate(method, params, bids)
        if result.failure_reason:
            texts.add(result.failure_reason)
        for bid in result.results:
            texts |= {s.reason for s in bid.stages.values() if s.reason}
            texts |= {f.detail for f in bid.flags}
    return texts


TEXTS = sorted(engine_texts())


@pytest.fixture(scope='module')
def app():
    return create_app({})


def test_the_cases_reach_every_kind_of_reason():
    joined = '\n'.join(TEXTS)
    for needle in (
        'below threshold',
        'above HPS',
        'above pagu',
        'no price offered',
        'is zero',
        'clarification failed',
        'clarification outcome not recorded',
        'no unit price',
        'not in the BoQ',
        'of HPS unit price',
        'declared',
        'no verdict recorded',
        'no operating/maintenance',
        'no bids',
    ):
        assert needle in joined, needle


@pytest.mark.parametrize('text', TEXTS)
def test_every_reason_reads_in_indonesian_and_in_the_engines_english(app, text):
    with app.test_request_context():
        indonesian = reason_text(text)
        assert not ENGLISH.search(indonesian), (text, indonesian)
        with force_locale('en'):
            english = reason_text(text)
            assert not INDONESIAN.search(english), (text, english)
            assert digits(english) == digits(text)  # the same figures, amounts in rupiah
            assert reason_text_id(text) == indonesian  # the PDFs stay Indonesian


def test_amounts_in_rupiah_and_the_pokjas_own_words_as_written(app):
    with app.test_request_context():
        assert reason_text('corrected total 1200000 above HPS 1000000') == (
            'total terkoreksi Rp1.200.000 melebihi HPS Rp1.000.000'
        )
        assert reason_text('technical score 60.00 below threshold 70') == (
            'nilai teknis 60,00 di bawah ambang batas 70'
        )
        assert reason_text('Tenaga ahli tidak bersertifikat') == 'Tenaga ahli tidak bersertifikat'


@pytest.mark.parametrize(
    ('template', 'uses'),
    [
        ('evaluation/results.html', '{{ r.reason | reason }}'),
        ('evaluation/_verdict.html', '{{ stage.reason | reason }}'),
        ('evaluation/index.html', '{{ f.detail | reason }}'),
        ('evaluation/worksheet.html', '{{ f.detail | reason }}'),
        ('pdf/bahp.html', '{{ r.reason | reason_id }}'),
        ('pdf/winner_announcement.html', '{{ r.reason | reason_id }}'),
    ],
)
def test_the_pages_and_pdfs_use_it(template, uses):
    from pathlib import Path

    root = Path(__file__).resolve().parents[3] / 'templates'
    assert uses in (root / template).read_text()
