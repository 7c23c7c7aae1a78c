"""OCDS 1.1.5 validation for the tests, offline: the package schemas with the bids extension
applied (jsonschema Draft 4 with formats: date-time and uri are enforced because
rfc3339-validator and rfc3986-validator are installed with the dev extra), and every coded
value checked against its codelist — open codelists too, which the schema cannot check."""

import importlib.util
import re
from functools import cache
from pathlib import Path

from jsonschema import Draft4Validator, FormatChecker
from referencing import Registry
from referencing.jsonschema import DRAFT4

from lpse.opendata import standard

# Which codelist each coded field draws from (field name → codelist; arrays of codes too).
CODED = {
    'roles': 'partyRole',
    'documentType': 'documentType',
    'awardCriteria': 'awardCriteria',
    'mainProcurementCategory': 'procurementCategory',
    'procurementMethod': 'method',
    'submissionMethod': 'submissionMethod',
    'initiationType': 'initiationType',
    'currency': 'currency',
    'relationship': 'relatedProcess',
    'tag': 'releaseTag',
}
BY_PARENT = {  # (parent key, field) → codelist, where a field name means different things
    ('milestones', 'type'): 'milestoneType',
    ('milestones', 'status'): 'milestoneStatus',
    ('tender', 'status'): 'tenderStatus',
    ('awards', 'status'): 'awardStatus',
    ('details', 'status'): 'bidStatus',
    ('statistics', 'measure'): 'bidStatistics',
    ('relatedProcesses', 'scheme'): 'relatedProcessScheme',
}
DATE_KEYS = {'date', 'startDate', 'endDate', 'dueDate', 'datePublished', 'publishedDate'}
RFC3339 = re.compile(r'^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$')


@cache
def validator(package_schema: str) -> Draft4Validator:
    release = standard.release_schema()
    package = standard.load(package_schema)
    registry = Registry().with_resources(
        [
            (release['id'], DRAFT4.create_resource(release)),
            (package['id'], DRAFT4.create_resource(package)),
        ]
    )
    return Draft4Validator(package, registry=registry, format_checker=FormatChecker())


def schema_errors(package, kind='release') -> list[str]:
    v = validator(f'{kind}-package-schema.json')
    return [
        f'{"/".join(map(str, e.absolute_path))}: {e.message}'
        for e in sorted(v.iter_errors(package), key=lambda e: list(map(str, e.path)))
    ]


def codelist_errors(data, path='', parent='') -> list[str]:
    errors = []
    if isinstance(data, dict):
        for key, value in data.items():
            where = f'{path}/{key}'
            name = BY_PARENT.get((parent, key)) or CODED.get(key)
            if name and key != 'id':
                for code in value if isinstance(value, list) else [value]:
                    if code not in standard.codelist(name):
                        errors.append(f'{where}: {code!r} is not in {name}.csv')
            if key in DATE_KEYS and not (isinstance(value, str) and RFC3339.match(value)):
                errors.append(f'{where}: {value!r} is not RFC 3339 with an offset')
            if name is None:
                errors += codelist_errors(value, where, key)
    elif isinstance(data, list):
        for n, item in enumerate(data):
            errors += codelist_errors(item, f'{path}/{n}', parent)
    return errors


# The project's shared reference validator (../shared/ocds beside the checkout), when present.
SHARED = Path(__file__).resolve().parents[2] / 'shared' / 'ocds' / 'validate_offline.py'


@cache
def shared_validator():
    if not SHARED.exists():
        return None
    spec = importlib.util.spec_from_file_location('validate_offline', SHARED)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def all_errors(package, kind='release') -> list[str]:
    """Schema and codelist errors of a release or record package (empty when it is valid); a
    release package is also checked by ../shared/ocds/validate_offline.py when it is there."""
    errors = schema_errors(package, kind) + codelist_errors(package)
    shared = shared_validator()
    if shared is not None and kind == 'release':
        errors += [f'validate_offline: {e}' for e in shared.validate_package(package)]
    return errors
