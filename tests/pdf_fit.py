"""Lay out an issued document again from the data it was issued with and list what passes the
A4 page's text area (lpse.pdf.overflows)."""

import json

from flask import current_app

from lpse.pdf import layout_document, overflows

TEMPLATES = {
    'bid_receipt': 'pdf/bid_receipt.html',
    'opening_minutes': 'pdf/opening_minutes.html',
    'evaluation_report': 'pdf/bahp.html',
    'winner_announcement': 'pdf/winner_announcement.html',
    'objection_answer': 'pdf/objection_answer.html',
    'award_letter': 'pdf/sppbj.html',
    'contract': 'pdf/contract.html',
    'contract_amendment': 'pdf/contract_amendment.html',
    'spmk': 'pdf/spmk.html',
    'bast': 'pdf/bast.html',
}


def overflows_of(document) -> list[str]:
    """The overflowing boxes of an IssuedDocument (the first few), [] when it fits."""
    laid_out = layout_document(
        TEMPLATES[document.kind], json.loads(document.data), env=current_app.jinja_env
    )
    return overflows(laid_out)[:5]
