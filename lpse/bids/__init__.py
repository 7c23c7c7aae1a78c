"""Sealed-bid packages: the bid ZIP (`lpse-bid/1`), its defensive inspection, the commands."""
