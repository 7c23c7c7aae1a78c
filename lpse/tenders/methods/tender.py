"""Tender with post-qualification (pascakualifikasi), one or two files: DOMAIN §2 as it stands —
every stage, any evaluation method."""

from flask_babel import lazy_gettext as _l

from lpse.tenders.methods.base import Method


class Tender(Method):
    key = 'tender'
    selection_method = 'tender'
    label = _l('Tender')


METHOD = Tender()
