"""Collusion red flags for auditors: indicators with their evidence and source, never verdicts
(docs/RED_FLAGS.md)."""
