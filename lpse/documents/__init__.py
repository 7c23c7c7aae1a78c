"""Issued documents: signed PDFs stored once, downloadable, and verifiable by anyone."""
