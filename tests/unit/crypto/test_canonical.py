"""The canonical spellings are pinned: receipts, audit hashes and checkpoints signed long ago
must still verify, so a change of bytes here is a break, not a refactor."""

from lpse.crypto.canonical import canonical_json, document_json

VALUE = {'b': [1, 'é'], 'a': {'z': None, 'y': True}}


def test_canonical_json_is_sorted_compact_and_keeps_non_ascii():
    assert canonical_json(VALUE) == '{"a":{"y":true,"z":null},"b":[1,"é"]}'


def test_document_json_is_sorted_with_readable_separators():
    assert document_json(VALUE) == '{"a": {"y": true, "z": null}, "b": [1, "é"]}'
