"""The floors of the house (docs/ARCHITECTURE.md, Layers): every module under lpse/ sits on one
floor and imports only its own floor or lower ones — at module level and inside functions —
the pure floor imports neither Flask nor SQLAlchemy, and no two modules import each other,
directly or around a loop. The order is declared here, once."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / 'lpse'

# Lowest floor first. A module belongs to the longest prefix that names it.
FLOORS = (
    ('pure', ('lpse.crypto', 'lpse.pdf', 'lpse.scoring')),
    (
        'core',
        (
            'lpse.types',
            'lpse.clock',
            'lpse.config',
            'lpse.extensions',
            'lpse.errors',
            'lpse.ids',
            'lpse.inputs',
            'lpse.i18n',
            'lpse.formflow',
            'lpse.web',
            'lpse.proxies',
            'lpse.metrics',
            'lpse.audit',
            'lpse.tlog',
            'lpse.statelog',
            'lpse.log_views',
            'lpse.checkpoints',
            'lpse.checkpoint_views',
            'lpse.storage',
            'lpse.pki_service',
            'lpse.keys_console',
            'lpse.console',
            'lpse.documents',
            'lpse.api',
            'lpse.api_client',
            'lpse.witness',
            'lpse.auth',
            'lpse.agencies',
            'lpse.notify',
            'lpse.jobs',
        ),
    ),
    ('vendors', ('lpse.vendors',)),
    ('tenders', ('lpse.tenders',)),
    ('bids', ('lpse.bids',)),
    ('opening', ('lpse.opening',)),
    ('evaluation', ('lpse.evaluation',)),
    ('contracts', ('lpse.contracts',)),
    ('readers', ('lpse.auditor', 'lpse.opendata', 'lpse.redflags')),
    # The wiring: the app factory, the model registry, operator commands, the demo, home pages.
    (
        'app',
        (
            'lpse',
            'lpse.app',
            'lpse.models',
            'lpse.cli',
            'lpse.demo',
            'lpse.main',
            'lpse.admin',
            'lpse.ops',
        ),
    ),
)
PURE_FORBIDDEN = ('flask', 'sqlalchemy', 'werkzeug', 'wtforms', 'alembic')  # and flask_*


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix('').parts
    if parts[-1] == '__init__':
        parts = parts[:-1]
    return '.'.join(parts)


def all_modules() -> dict[str, Path]:
    return {module_name(p): p for p in sorted(PACKAGE.rglob('*.py'))}


def floor_of(module: str) -> tuple[int, str] | None:
    best = None
    for index, (name, prefixes) in enumerate(FLOORS):
        for prefix in prefixes:
            if (module == prefix or module.startswith(prefix + '.')) and (
                best is None or len(prefix) > best[2]
            ):
                best = (index, name, len(prefix))
    return None if best is None else best[:2]


def imports_of(path: Path, module: str, modules) -> list[tuple[str, int]]:
    """(imported module, line) for every import in the file, nested ones included; `from a
    import b` names `a.b` when that is a module, else `a`."""
    tree = ast.parse(path.read_text(encoding='utf-8'), filename=str(path))
    package = module if path.name == '__init__.py' else module.rpartition('.')[0]
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(alias.name, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split('.')[: len(package.split('.')) - (node.level - 1)]
                source = '.'.join([*base, node.module] if node.module else base)
            else:
                source = node.module or ''
            for alias in node.names:
                candidate = f'{source}.{alias.name}'
                found.append((candidate if candidate in modules else source, node.lineno))
    return found


def import_graph():
    modules = all_modules()
    edges = {}
    for module, path in modules.items():
        edges[module] = [
            (target, line)
            for target, line in imports_of(path, module, modules)
            if target.startswith('lpse')
        ]
    return modules, edges


def test_every_module_has_a_floor():
    unplaced = [m for m in all_modules() if floor_of(m) is None]
    assert not unplaced, f'modules on no floor (declare them in FLOORS): {unplaced}'


def test_no_import_goes_up_a_floor():
    modules, edges = import_graph()
    wrong = []
    for module, targets in edges.items():
        here = floor_of(module)
        for target, line in targets:
            there = floor_of(target)
            if there is not None and there[0] > here[0]:
                path = modules[module].relative_to(ROOT)
                wrong.append(f'{path}:{line}: {module} ({here[1]}) imports {target} ({there[1]})')
    assert not wrong, 'imports against the floors:\n' + '\n'.join(wrong)


def test_pure_floor_has_no_flask_or_database():
    modules = all_modules()
    wrong = []
    for module, path in modules.items():
        if floor_of(module)[1] != 'pure':
            continue
        for target, line in imports_of(path, module, modules):
            top = target.split('.')[0]
            if top.startswith(PURE_FORBIDDEN):
                wrong.append(f'{path.relative_to(ROOT)}:{line}: imports {target}')
    assert not wrong, 'the pure floor must not use Flask or SQLAlchemy:\n' + '\n'.join(wrong)


def cycles(edges) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan, iterative)."""
    graph = {m: sorted({t for t, _ in ts if t in edges and t != m}) for m, ts in edges.items()}
    index, low, stack, on_stack, found, counter = {}, {}, [], set(), [], [0]
    for root in graph:
        if root in index:
            continue
        work = [(root, 0)]
        while work:
            node, child = work.pop()
            if child == 0:
                index[node] = low[node] = counter[0]
                counter[0] += 1
                stack.append(node)
                on_stack.add(node)
            if child < len(graph[node]):
                work.append((node, child + 1))
                target = graph[node][child]
                if target not in index:
                    work.append((target, 0))
                elif target in on_stack:
                    low[node] = min(low[node], index[target])
                continue
            for target in graph[node]:
                if target in on_stack:
                    low[node] = min(low[node], low[target])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def test_no_import_cycles():
    modules, edges = import_graph()
    loops = cycles(edges)
    detail = []
    for loop in loops:
        members = set(loop)
        for module in loop:
            for target, line in edges[module]:
                if target in members and target != module:
                    detail.append(f'{modules[module].relative_to(ROOT)}:{line}: imports {target}')
    assert not loops, f'import cycles {loops}:\n' + '\n'.join(detail)


@pytest.mark.parametrize(
    ('edges', 'expected'),
    [
        ({'a': [('b', 1)], 'b': [('a', 1)]}, [['a', 'b']]),
        ({'a': [('b', 1)], 'b': [('c', 1)], 'c': [('a', 1)], 'd': [('a', 1)]}, [['a', 'b', 'c']]),
        ({'a': [('b', 1)], 'b': [], 'c': [('c', 1)]}, []),
    ],
)
def test_cycle_finder(edges, expected):
    assert cycles(edges) == expected


def test_the_checks_see_an_upward_import(tmp_path):
    """The parser finds nested imports and resolves `from x import module`."""
    source = tmp_path / 'probe.py'
    source.write_text(
        'from lpse.tenders import stages\n'
        'def f():\n'
        '    from lpse.evaluation import decision\n'
        '    import lpse.opening.state\n',
        encoding='utf-8',
    )
    modules = {'lpse.tenders.stages', 'lpse.evaluation.decision', 'lpse.opening.state'}
    found = imports_of(source, 'lpse.vendors.probe', modules)
    assert found == [
        ('lpse.tenders.stages', 1),
        ('lpse.evaluation.decision', 3),
        ('lpse.opening.state', 4),
    ]
    assert floor_of('lpse.vendors.probe')[0] < floor_of('lpse.evaluation.decision')[0]
