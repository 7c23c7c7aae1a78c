"""Every kind of evidence the rules produce has words for the auditor's page (catalog), found by
reading rules.py (the kind argument of each Evidence, _bid_evidence and _shared_across) and the
vendor attributes facts.py compares; a percentage reads the Indonesian way."""

import ast
from pathlib import Path
from types import SimpleNamespace

from lpse.redflags import catalog, facts, rules
from lpse.redflags.views import evidence_words

KIND_ARGUMENT = {'Evidence': 2, '_bid_evidence': 1, '_shared_across': 2}


def produced_kinds() -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(Path(rules.__file__).read_text(encoding='utf-8'))):
        if not isinstance(node, ast.Call) or getattr(node.func, 'id', None) not in KIND_ARGUMENT:
            continue
        index = KIND_ARGUMENT[node.func.id]
        args = [kw.value for kw in node.keywords if kw.arg == 'kind']
        args += node.args[index : index + 1]
        found.update(a.value for a in args if isinstance(a, ast.Constant))
    return found


def test_every_kind_of_evidence_has_words():
    kinds = produced_kinds()
    assert {'ip', 'seconds', 'sha256', 'pdf_metadata', 'boq_lines', 'winners'} <= kinds
    vendor = SimpleNamespace(
        id=1, company_name='PT Uji', phone='', email='', address='', city='', bank_account=''
    )
    attributes = set(facts.vendor_fact(vendor, ()).attributes)  # shared_identity's kinds
    assert 'director_nik' in attributes
    missing = sorted((kinds | attributes) - set(catalog.EVIDENCE_LABELS))
    assert missing == []


def test_percentages_and_unknown_kinds(app):
    with app.test_request_context():
        label, shown = evidence_words('percent_of_hps', '99.50')
        assert str(label) == 'Harga pemenang terhadap HPS' and shown == '99,5%'
        assert evidence_words('something_new', '3') == ('something_new', '3')
