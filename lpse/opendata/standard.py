"""The OCDS 1.1.5 schemas and codelists this instance publishes against (copied unchanged from
open-contracting/standard tag 1__1__5, ocds_bid_extension and ocds_enquiry_extension tag v1.1.5,
Apache-2.0; see schema/SOURCE.md), the extensions' merge patches applied, and the compiler of
records."""

import copy
import csv
import json
from functools import cache
from pathlib import Path

HERE = Path(__file__).parent / 'schema'
OCDS_VERSION = '1.1'
BIDS_EXTENSION = (
    'https://raw.githubusercontent.com/open-contracting-extensions/ocds_bid_extension/'
    'v1.1.5/extension.json'
)
ENQUIRIES_EXTENSION = (
    'https://raw.githubusercontent.com/open-contracting-extensions/ocds_enquiry_extension/'
    'v1.1.5/extension.json'
)
EXTENSIONS = [BIDS_EXTENSION, ENQUIRIES_EXTENSION]


def load(name) -> dict:
    return json.loads((HERE / name).read_text(encoding='utf-8'))


def merge_patch(target, patch):
    """RFC 7386 JSON Merge Patch: how an OCDS extension changes the release schema."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    result = copy.deepcopy(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result


@cache
def release_schema() -> dict:
    """The core release schema with the bids and enquiries extensions applied."""
    schema = load('release-schema.json')
    for patch in ('bids-release-schema.json', 'enquiries-release-schema.json'):
        schema = merge_patch(schema, load(patch))
    return schema


@cache
def codelist(name) -> frozenset[str]:
    with (HERE / 'codelists' / f'{name}.csv').open(encoding='utf-8') as f:
        return frozenset(row['Code'] for row in csv.DictReader(f))


@cache
def _merger():
    import ocdsmerge

    return ocdsmerge.Merger(release_schema())


def compile_releases(releases) -> dict:
    """The compiled release of one ocid's releases (the reference implementation, ocdsmerge,
    with the patched schema: what `ocdskit compile` produces)."""
    return _merger().create_compiled_release(releases)
