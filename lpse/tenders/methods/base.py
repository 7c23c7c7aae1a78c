"""What a selection method declares (lpse.tenders.methods): its stages and the rules it adds to
the shared tender life. The defaults are the post-qualification tender's (DOMAIN §2)."""

from flask import current_app
from flask_babel import lazy_gettext as _l

from lpse.tenders.stages import STAGE_LABELS, STAGES, ScheduleRules, Stage

PASCA = 'pascakualifikasi'


class Method:
    """One selection method. Subclasses set the class attributes and override the hooks."""

    key = ''
    label = ''
    #: What a tender of this method records (`Tender.selection_method`, `qualification_method`).
    selection_method = ''
    qualification_method = PASCA
    #: Whether vendors qualify before the bids, by a shortlist (lpse.tenders.prequalification).
    prequalifies = False
    #: The scheduled stages, in order (a subset of `Stage`, in SPSE order).
    stages: tuple[Stage, ...] = STAGES
    #: Evaluation methods (DOMAIN §3) the method allows; empty: every one.
    evaluation_methods: tuple[str, ...] = ()
    #: Configuration holding the schedule minimums (hours): ``<prefix>_MIN_DURATIONS`` and
    #: ``<prefix>_MIN_GAPS``.
    schedule_settings = 'LPSE_STAGE'
    #: Whether the Pokja clarifies and negotiates with the first-ranked firm after the ranking
    #: (the next-ranked one when it fails); the contract price is then the negotiated one.
    negotiates = False
    #: Whether a bid carries documents (attachments) besides its prices; False where the bid
    #: is the price alone (Tender Cepat).
    bid_attachments = True

    @property
    def has_questions(self) -> bool:
        """Whether vendors may ask questions (the aanwijzing stage)."""
        return Stage.clarification in self.stages

    def stage_labels(self) -> list:
        return [STAGE_LABELS[stage] for stage in self.stages]

    def schedule_rules(self, frozen: dict | None = None) -> ScheduleRules:
        """The minimums: ``frozen`` (a published tender's) or the configuration's now."""
        if frozen is not None:
            return ScheduleRules(frozen['min_durations'], frozen['min_gaps'], self.stages)
        config = current_app.config
        return ScheduleRules(
            min_durations=dict(config[f'{self.schedule_settings}_MIN_DURATIONS']),
            min_gaps=dict(config[f'{self.schedule_settings}_MIN_GAPS']),
            stages=self.stages,
        )

    def publication_problems(self, tender) -> list:
        """What this method refuses in a draft before it can be announced."""
        if self.evaluation_methods and tender.evaluation_method not in self.evaluation_methods:
            return [
                _l(
                    '%(method)s memakai metode evaluasi %(allowed)s.',
                    method=self.label,
                    allowed=', '.join(self.evaluation_methods),
                )
            ]
        return []

    def participation_problem(self, tender, vendor, now):
        """Why a vendor (allowed to take part in tenders at all) may not take part in this
        tender — download its documents, send a bid — or None."""
        return None

    def system_verdicts(self, tender, vendor, now) -> dict[str, dict]:
        """Evaluation verdicts the method decides itself, by stage name (administration,
        qualification, technical, pembuktian): ``{'passed': bool, 'reason': str}``. The Pokja
        records no worksheet entry for these."""
        return {}
