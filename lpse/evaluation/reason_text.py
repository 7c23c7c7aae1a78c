"""The scoring engine's reasons and flags in words, for the pages and the announced PDFs.

Like its formulas (formula_text), the engine states why a bid failed a stage ("technical score
60.00 below threshold 70") and what it noticed ("declared 1500000, corrected 1450000") in the
English of its result format, which `lpse evaluate` and the stored result compare byte for
byte. Readers get them in Indonesian (or English when they chose it), amounts as rupiah; a
reason the Pokja wrote itself, or a sentence this module does not know, is shown as written."""

from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

from lpse.evaluation.formula_text import rule
from lpse.i18n import rupiah

AMOUNTS = ('total', 'limit', 'declared', 'corrected', 'price', 'ceiling', 'unit_price')

RULES = (
    rule('no verdict recorded', _l('belum ada hasil evaluasi')),
    rule('no technical score', _l('nilai teknis belum diisi')),
    rule(
        'technical score {score} below threshold {threshold}',
        _l('nilai teknis %(score)s di bawah ambang batas %(threshold)s'),
    ),
    rule(
        'no operating/maintenance costs stated',
        _l('biaya operasi dan pemeliharaan tidak dinyatakan'),
    ),
    rule('no price offered', _l('tidak ada harga penawaran')),
    rule('corrected total is zero', _l('total terkoreksi nol')),
    rule(
        'corrected total {total} above pagu (budget) {limit}',
        _l('total terkoreksi %(total)s melebihi pagu anggaran %(limit)s'),
    ),
    rule(
        'corrected total {total} above HPS {limit}',
        _l('total terkoreksi %(total)s melebihi HPS %(limit)s'),
    ),
    rule(
        'below {floor} of HPS: clarification outcome not recorded',
        _l('di bawah %(floor)s HPS: hasil klarifikasi harga belum dicatat'),
    ),
    rule('price clarification failed: {why}', _l('klarifikasi harga gagal: %(why)s')),
    rule('corrected total below {floor} of HPS', _l('total terkoreksi di bawah %(floor)s HPS')),
    rule('{item}: no unit price, priced 0', _l('item %(item)s: tanpa harga satuan, dihitung 0')),
    rule('{item}: not in the BoQ, removed', _l('item %(item)s: tidak ada di BoQ, dihapus')),
    rule(
        'declared {declared}, corrected {corrected}',
        _l('total penawaran %(declared)s, terkoreksi %(corrected)s'),
    ),
    rule(
        '{item}: unit price {unit_price} above {ratio} of HPS unit price {ceiling}',
        _l(
            'item %(item)s: harga satuan %(unit_price)s di atas %(ratio)s harga satuan HPS '
            '%(ceiling)s'
        ),
    ),
    rule('evaluated price {price}', _l('harga evaluasi akhir %(price)s')),
    rule('no bids', _l('tidak ada penawaran')),
    rule('all bids above pagu (budget)', _l('semua penawaran melebihi pagu anggaran')),
    rule('all bids above HPS', _l('semua penawaran melebihi HPS')),
    rule('no bid passes evaluation', _l('tidak ada penawaran yang lulus evaluasi')),
)


def _shown(name, value):
    value = value.strip()
    if name in AMOUNTS:
        return rupiah(value) if value.replace('.', '', 1).isdigit() else value
    if name in ('score', 'threshold'):
        return value.replace('.', ',')  # as the engine wrote it (two places), decimal comma
    return value


def reason_text(reason) -> str:
    """The engine's reason (or flag detail) in the reader's language."""
    if not reason:
        return reason or ''
    for pattern, message in RULES:
        found = pattern.fullmatch(reason)
        if found:
            return str(message) % {k: _shown(k, v) for k, v in found.groupdict().items()}
    return reason


def reason_text_id(reason) -> str:
    """In Indonesian whatever the reader's language (the signed PDFs)."""
    with force_locale('id'):
        return reason_text(reason)


def init_app(state) -> None:
    """Blueprint hook: the `reason` and `reason_id` template filters."""
    state.app.jinja_env.filters['reason'] = reason_text
    state.app.jinja_env.filters['reason_id'] = reason_text_id
