"""The evaluation formulas in words, for the /results page and the BAHP.

The scoring engine states its formulas in the English of its result format
(lpse-evaluation-result/1: `lpse evaluate` and the stored result compare them byte for byte,
docs/EVALUATION_FORMAT.md). Readers get them in Indonesian, or in English when they chose it:
each engine sentence is matched here and re-said through the message catalog."""

import re
from decimal import Decimal, InvalidOperation

from flask_babel import force_locale, get_locale
from flask_babel import lazy_gettext as _l

from lpse.i18n import rupiah

_N = r'(?P<{}>[^;()]+?)'
MONEY = {'hps', 'budget'}  # amounts, read in rupiah the Indonesian way


def rule(pattern: str, message):
    names = re.findall(r'\{(\w+)\}', pattern)
    regex = re.escape(pattern)
    for name in names:
        regex = regex.replace(re.escape('{' + name + '}'), _N.format(name))
    return re.compile(regex), message


RULES = (
    rule(
        'lump sum: corrected total P = declared total (no arithmetic correction)',
        _l('lumsum: total terkoreksi P = total harga penawaran (tanpa koreksi aritmetik)'),
    ),
    rule(
        'arithmetic correction: P = Σ BoQ quantity × bid unit price; unpriced item = 0; '
        'item not in BoQ removed; unit prices never changed',
        _l(
            'koreksi aritmetik: P = Σ volume BoQ × harga satuan penawaran; item tanpa harga = 0; '
            'item di luar BoQ dihapus; harga satuan tidak pernah diubah'
        ),
    ),
    rule(
        'gabungan: lump-sum BoQ items keep the bid quantity × bid unit price',
        _l('gabungan: item BoQ lumsum tetap volume penawaran × harga satuan penawaran'),
    ),
    rule('P > HPS → fails', _l('P > HPS → gugur')),
    rule(
        'P < {ratio} × HPS → clarification; the recorded outcome decides',
        _l('P < %(ratio)s × HPS → klarifikasi; hasil klarifikasi yang dicatat menentukan'),
    ),
    rule(
        'unit price > {ratio} × HPS unit price → flagged unbalanced',
        _l('harga satuan > %(ratio)s × harga satuan HPS → ditandai timpang'),
    ),
    rule(
        'TKDN preference (LKPP 2022): KP = TKDN × max preference; HEA = (1 − KP) × P '
        '(max preference {max}; goods, HPS > {hps}, TKDN ≥ {min}%; '
        'HEA for ranking only, contract value stays P)',
        _l(
            'preferensi TKDN (LKPP 2022): KP = TKDN × preferensi maksimum; HEA = (1 − KP) × P '
            '(preferensi maksimum %(max)s; barang, HPS > %(hps)s, TKDN ≥ %(min)s%%; HEA hanya '
            'untuk peringkat, nilai kontrak tetap P)'
        ),
    ),
    rule(
        'TKDN preference (legacy): KP = TKDN × max preference; HEA = P / (1 + KP) '
        '(max preference {max}; goods, HPS > {hps}, TKDN ≥ {min}%; '
        'HEA for ranking only, contract value stays P)',
        _l(
            'preferensi TKDN (cara lama): KP = TKDN × preferensi maksimum; HEA = P / (1 + KP) '
            '(preferensi maksimum %(max)s; barang, HPS > %(hps)s, TKDN ≥ %(min)s%%; HEA hanya '
            'untuk peringkat, nilai kontrak tetap P)'
        ),
    ),
    rule(
        'winner = lowest evaluated price (HEA or P)',
        _l('pemenang = harga evaluasi terendah (HEA atau P)'),
    ),
    rule('technical threshold NT ≥ {nt}', _l('ambang nilai teknis NT ≥ %(nt)s')),
    rule(
        'NH = 100 × Pmin / P (evaluated prices of bids passing all stages)',
        _l('NH = 100 × Pmin / P (harga evaluasi penawaran yang lulus semua tahap)'),
    ),
    rule('NA = {bt} × NT + {bh} × NH', _l('NA = %(bt)s × NT + %(bh)s × NH')),
    rule('winner = highest NA', _l('pemenang = NA tertinggi')),
    rule(
        'LCC = P + Σ_{t=1..n} (O_t + M_t) / (1 + r)^t − S / (1 + r)^n '
        '(r = {r}, n = {n}; O, M, S stated by each bid)',
        _l(
            'LCC = P + Σ_{t=1..n} (O_t + M_t) / (1 + r)^t − S / (1 + r)^n '
            '(r = %(r)s, n = %(n)s; O, M, S dinyatakan dalam setiap penawaran)'
        ),
    ),
    rule('winner = lowest LCC', _l('pemenang = LCC terendah')),
    rule(
        'NT ≥ threshold {nt}; File II opened only for bids passing File I',
        _l('NT ≥ ambang %(nt)s; File II hanya dibuka bagi penawaran yang lulus File I'),
    ),
    rule('NB = 100 × Bmin / B', _l('NB = 100 × Bmin / B')),
    rule('NK = {wt} × NT + {wb} × NB', _l('NK = %(wt)s × NT + %(wb)s × NB')),
    rule(
        'winner = highest NK, then clarification and negotiation',
        _l('pemenang = NK tertinggi, lalu klarifikasi dan negosiasi'),
    ),
    rule(
        'negotiation: HN = corrected total at the negotiated unit prices (each ≤ the offer); '
        'a failed negotiation passes the award to the next-ranked bid',
        _l(
            'negosiasi: HN = total terkoreksi dengan harga satuan hasil negosiasi (masing-masing '
            '≤ penawaran); negosiasi yang gagal mengalihkan penetapan ke penawaran peringkat '
            'berikutnya'
        ),
    ),
    rule('winner = lowest corrected B', _l('pemenang = B terkoreksi terendah')),
    rule('B > pagu {budget} → fails', _l('B > pagu %(budget)s → gugur')),
    rule(
        'winner = highest NT among bids within the pagu',
        _l('pemenang = NT tertinggi di antara penawaran dalam pagu'),
    ),
    rule(
        'winner = highest NT; File II opened in NT order until one passes (B ≤ HPS)',
        _l('pemenang = NT tertinggi; File II dibuka menurut urutan NT sampai satu lulus (B ≤ HPS)'),
    ),
)
TIES = re.compile(r'ties: (?P<chain>.*) \(never upload time\)')
TIE_TEXT = {
    'higher technical score': _l('nilai teknis lebih tinggi'),
    'higher TKDN': _l('TKDN lebih tinggi'),
    'small business / cooperative': _l('usaha kecil / koperasi'),
    'recorded Pokja decision': _l('keputusan Pokja yang dicatat'),
    'none': _l('tidak ada'),
}


def formula_text(formula: str) -> str:
    """The engine's formula in the reader's language; a sentence this module does not know
    is shown as the engine wrote it."""
    ties = TIES.fullmatch(formula)
    if ties:
        items = ties['chain'].split('; ')
        if all(item in TIE_TEXT for item in items):
            chain = '; '.join(str(TIE_TEXT[item]) for item in items)
            return str(_l('seri: %(chain)s (tidak pernah menurut waktu unggah)', chain=chain))
        return formula
    for pattern, message in RULES:
        found = pattern.fullmatch(formula)
        if found:
            values = found.groupdict()
            if str(get_locale() or 'id') != 'en':  # English keeps the engine's text as written
                values = {k: _money(v) if k in MONEY else v for k, v in values.items()}
            return str(message) % values
    return formula


def _money(text: str) -> str:
    try:
        return rupiah(Decimal(text))
    except (InvalidOperation, ValueError):
        return text


def formula_text_id(formula: str) -> str:
    """In Indonesian whatever the reader's language (the signed PDFs)."""
    with force_locale('id'):
        return formula_text(formula)


def init_app(state) -> None:
    """Blueprint hook: the `formula` and `formula_id` template filters."""
    state.app.jinja_env.filters['formula'] = formula_text
    state.app.jinja_env.filters['formula_id'] = formula_text_id
