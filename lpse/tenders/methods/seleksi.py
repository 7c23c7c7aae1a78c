"""Seleksi: the selection of consultancy services (DOMAIN §2, §9) with two files and the
consultancy evaluation methods, then clarification and negotiation with the first-ranked firm
(the next-ranked one when it fails)."""

from flask_babel import lazy_gettext as _l

from lpse.tenders.methods.base import Method


class Seleksi(Method):
    key = 'seleksi'
    selection_method = 'seleksi'
    label = _l('Seleksi')
    negotiates = True

    def publication_problems(self, tender) -> list:
        problems = []
        if tender.category != 'jasa_konsultansi':
            problems.append(_l('Seleksi hanya untuk jasa konsultansi.'))
        return problems + super().publication_problems(tender)


METHOD = Seleksi()
