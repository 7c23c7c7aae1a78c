"""Canonical JSON: the one spelling of a value whose hash or signature someone checks later.

Changing either function changes bytes that old receipts, audit hashes and checkpoints cover."""

import json


def canonical_json(value: object) -> str:
    """Sorted keys, compact separators, non-ASCII kept: the text a hash or signature covers."""
    return json.dumps(value, sort_keys=True, separators=(',', ':'), ensure_ascii=False)


def document_json(value: object) -> str:
    """How a signed document or a digested record is stored: sorted keys, readable separators."""
    return json.dumps(value, sort_keys=True, ensure_ascii=False)
