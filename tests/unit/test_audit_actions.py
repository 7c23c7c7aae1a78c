"""Every action the code writes to the audit log has words for the auditor (lpse.auditor.actions),
found by reading the code: the first argument of every ``audit.record`` and ``audit.Event`` (a
literal, either branch of a conditional, or a module constant such as statelog's ``ACTION``),
``record_read``'s ``read.<what>``, the vendor decisions' tables and the contract steps
(``contract.<step>`` and ``contract.amendment.<step>``)."""

import ast
from pathlib import Path

from lpse.auditor import actions
from lpse.vendors import verification

ROOT = Path(__file__).resolve().parents[2] / 'lpse'


def _constants(node, names=None):
    """The strings an argument can be: a literal, either branch of a conditional, or a name
    bound to a literal at the module's top level (``ACTION = 'state.rows'``)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.IfExp):
        return _constants(node.body, names) + _constants(node.orelse, names)
    if isinstance(node, ast.Name) and names and node.id in names:
        return [names[node.id]]
    return []


def _module_strings(tree) -> dict[str, str]:
    return {
        target.id: node.value.value
        for node in tree.body
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant)
        for target in node.targets
        if isinstance(target, ast.Name) and isinstance(node.value.value, str)
    }


def _name(func):
    return func.attr if isinstance(func, ast.Attribute) else getattr(func, 'id', None)


def written_actions() -> set[str]:
    found = set()
    for path in ROOT.rglob('*.py'):
        tree = ast.parse(path.read_text(encoding='utf-8'))
        names = _module_strings(tree)
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call) or not node.args:
                continue
            name, first = _name(node.func), node.args[0]
            if name in ('record', 'Event') and 'audit' in ast.unparse(node.func):
                found.update(_constants(first, names))
            elif name == 'record_read':
                found.update(f'read.{what}' for what in _constants(first))
            elif path.parent.name == 'contracts' and name == '_step':
                found.update(f'contract.{step}' for step in _constants(first))
            elif path.parent.name == 'contracts' and name == '_action':
                for step in _constants(node.args[1]):
                    found.update({f'contract.{step}', f'contract.amendment.{step}'})
    found.update(action for _status, action in verification.OUTCOMES.values())
    found.update(event for _allowed, _status, event, _refusal in verification.STANDING.values())
    return found


def test_the_scan_finds_the_actions_of_each_kind():
    found = written_actions()
    for action in (
        'bid.submitted',  # audit.Event in the group commit
        'vendor.updated',  # one branch of a conditional
        'read.bid_envelope',  # record_read
        'contract.drafted',  # a contract step
        'contract.amendment.vendor_signed',  # an amendment's step
        'vendor.changes_requested',  # a verifier's decision
        'vendor.suspended',  # a change of standing
        'state.rows',  # statelog's constant
        'redflag.dismissed',  # another
    ):
        assert action in found, action
    assert len(found) > 100


def test_every_written_action_has_words():
    missing = sorted(a for a in written_actions() if a not in actions.LABELS)
    assert missing == []


def test_an_unknown_action_shows_its_code(app):
    with app.test_request_context():
        assert str(actions.label('bid.submitted')) == 'Penawaran dikirim'
        assert actions.label('something.new') == 'something.new'
