"""Seleksi with prequalification (DOMAIN §2, §9; consultancy by firms): the Pokja scores each
firm's qualification and the shortlist is the best of those that pass — at least
``LPSE_SELEKSI_SHORTLIST_MIN`` (3) and at most ``LPSE_SELEKSI_SHORTLIST_MAX`` (7) — then the
two-file selection with clarification and negotiation."""

from flask_babel import lazy_gettext as _l

from lpse.tenders.methods.prequalified import Prequalified
from lpse.tenders.methods.seleksi import Seleksi


class SeleksiPrakualifikasi(Prequalified, Seleksi):
    key = 'seleksi_prakualifikasi'
    label = _l('Seleksi Prakualifikasi')
    scores_qualification = True
    shortlist_settings = 'LPSE_SELEKSI_SHORTLIST'


METHOD = SeleksiPrakualifikasi()
