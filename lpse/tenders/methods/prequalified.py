"""What the prequalified methods share (prakualifikasi, DOMAIN §9): the four prequalification
stages between the announcement and the download, the requirements the Pokja evaluates, and
the gate — only the shortlist of the announced result may download the bidding documents and
bid. The qualification is then decided: the evaluation's qualification and proof stages are
the system's (the shortlist), not re-evaluated."""

from flask import current_app
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

from lpse.tenders.prequalification import shortlist
from lpse.tenders.stages import PREQUALIFICATION, STAGES, Stage

#: The requirements every prequalification checks, then the ones of a category.
REQUIREMENTS = {
    'izin_usaha': _l('Izin usaha (NIB) dengan KBLI yang sesuai'),
    'pajak': _l('NPWP dan pemenuhan kewajiban perpajakan'),
    'pengalaman': _l('Pengalaman pekerjaan sejenis'),
    'pernyataan': _l('Pernyataan tidak dikenai sanksi daftar hitam dan tidak pailit'),
}
CATEGORY_REQUIREMENTS = {
    'pekerjaan_konstruksi': {
        'sbu': _l('Sertifikat Badan Usaha (SBU) sesuai kualifikasi'),
        'skp': _l('Sisa Kemampuan Paket (SKP)'),
    },
    'jasa_konsultansi': {'tenaga_ahli': _l('Tenaga ahli yang disyaratkan')},
}


class Prequalified:
    """Mixed in before a `Method`: the same method, qualified before the bids."""

    qualification_method = 'prakualifikasi'
    prequalifies = True
    stages = (Stage.announcement, *PREQUALIFICATION, *STAGES[1:])
    #: Whether the Pokja scores each vendor (consultancy) and the shortlist takes the best.
    scores_qualification = False
    #: Configuration of the shortlist's size: ``<prefix>_MIN`` and ``<prefix>_MAX`` (None:
    #: every vendor that passes).
    shortlist_settings = 'LPSE_TENDER_SHORTLIST'

    def shortlist_bounds(self) -> tuple[int, int | None]:
        config = current_app.config
        prefix = self.shortlist_settings
        return int(config[f'{prefix}_MIN']), config[f'{prefix}_MAX']

    def qualification_requirements(self, tender) -> dict:
        return {**REQUIREMENTS, **CATEGORY_REQUIREMENTS.get(tender.category, {})}

    def participation_problem(self, tender, vendor, now):
        if shortlist.is_shortlisted(tender, vendor):
            return super().participation_problem(tender, vendor, now)
        if tender.shortlist_announced_at is None:
            return _l(
                'Hasil prakualifikasi tender ini belum diumumkan: hanya penyedia dalam daftar '
                'pendek yang dapat mengunduh dokumen pemilihan dan mengirim penawaran.'
            )
        return _l(
            'Anda tidak termasuk daftar pendek hasil prakualifikasi tender ini: hanya penyedia '
            'dalam daftar pendek yang dapat mengunduh dokumen pemilihan dan mengirim penawaran.'
        )

    def system_verdicts(self, tender, vendor, now) -> dict[str, dict]:
        # A record in Indonesian whoever builds it (a proposal and its approval see one case).
        with force_locale('id'):
            passed = shortlist.is_shortlisted(tender, vendor)
            reason = str(
                _l('Lulus prakualifikasi (daftar pendek).')
                if passed
                else _l('Tidak termasuk daftar pendek hasil prakualifikasi.')
            )
            proof = str(_l('Pembuktian kualifikasi dilakukan pada tahap prakualifikasi.'))
        return {
            'qualification': {'passed': passed, 'reason': reason},
            'pembuktian': {'passed': passed, 'reason': proof},
        }
