"""Tender with prequalification (DOMAIN §9; complex construction): the post-qualification
tender's life after a prakualifikasi whose shortlist is every vendor that passes."""

from flask_babel import lazy_gettext as _l

from lpse.tenders.methods.prequalified import Prequalified
from lpse.tenders.methods.tender import Tender


class TenderPrakualifikasi(Prequalified, Tender):
    key = 'tender_prakualifikasi'
    label = _l('Tender Prakualifikasi')


METHOD = TenderPrakualifikasi()
