"""The stages of a tender (DOMAIN §2, §9): windows, schedule rules, the derived current stage.
The twelve stages of the post-qualification tender, and the four of a prequalification
(announced, submitted, evaluated, announced result with its objection window) that the
prequalified methods put between the announcement and the download.

Pure functions of (schedule, milestones, now): no database, no clock, no request.
"""

import enum
import itertools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from flask_babel import lazy_gettext as _l


class Stage(enum.StrEnum):
    """A scheduled stage, in SPSE order."""

    announcement = 'announcement'
    qualification_submission = 'qualification_submission'
    qualification_evaluation = 'qualification_evaluation'
    qualification_announcement = 'qualification_announcement'
    qualification_objection = 'qualification_objection'
    download = 'download'
    clarification = 'clarification'
    bid_submission = 'bid_submission'
    bid_opening = 'bid_opening'
    evaluation = 'evaluation'
    qualification_proof = 'qualification_proof'
    winner_decision = 'winner_decision'
    winner_announcement = 'winner_announcement'
    objection = 'objection'
    award = 'award'
    contract = 'contract'


class Phase(enum.StrEnum):
    """Where a tender stands that is not one of the scheduled stages."""

    draft = 'draft'
    upcoming = 'upcoming'
    implementation = 'implementation'
    completed = 'completed'
    cancelled = 'cancelled'
    failed = 'failed'


#: The prequalification's stages (DOMAIN §9), in order.
PREQUALIFICATION = (
    Stage.qualification_submission,
    Stage.qualification_evaluation,
    Stage.qualification_announcement,
    Stage.qualification_objection,
)
#: The post-qualification tender's stages (every method's default).
STAGES = tuple(s for s in Stage if s not in PREQUALIFICATION)
#: Every stage, in SPSE order (the order schedules are shown and sorted in).
ALL_STAGES = tuple(Stage)
STAGE_LABELS = {
    Stage.announcement: _l('Pengumuman'),
    Stage.qualification_submission: _l('Kirim Persyaratan Kualifikasi'),
    Stage.qualification_evaluation: _l('Evaluasi Dokumen Kualifikasi'),
    Stage.qualification_announcement: _l('Penetapan dan Pengumuman Hasil Prakualifikasi'),
    Stage.qualification_objection: _l('Masa Sanggah Prakualifikasi'),
    Stage.download: _l('Download Dokumen Pemilihan'),
    Stage.clarification: _l('Pemberian Penjelasan'),
    Stage.bid_submission: _l('Upload Dokumen Penawaran'),
    Stage.bid_opening: _l('Pembukaan Dokumen Penawaran'),
    Stage.evaluation: _l('Evaluasi'),
    Stage.qualification_proof: _l('Pembuktian Kualifikasi'),
    Stage.winner_decision: _l('Penetapan Pemenang'),
    Stage.winner_announcement: _l('Pengumuman Pemenang'),
    Stage.objection: _l('Masa Sanggah'),
    Stage.award: _l('Surat Penunjukan Penyedia Barang/Jasa (SPPBJ)'),
    Stage.contract: _l('Penandatanganan Kontrak'),
    Phase.draft: _l('Draf'),
    Phase.upcoming: _l('Belum dimulai'),
    Phase.implementation: _l('Pelaksanaan Kontrak'),
    Phase.completed: _l('Selesai'),
    Phase.cancelled: _l('Dibatalkan'),
    Phase.failed: _l('Gagal'),
}
# A stage is left only once its milestone is recorded (by the bids, evaluation and award issues).
# A gate counts only for the tenders whose method has its stage (the schedule has it).
GATES = {
    Stage.qualification_announcement: 'shortlist_announced_at',
    Stage.bid_opening: 'bids_opened_at',
    Stage.winner_decision: 'winner_decided_at',
    Stage.winner_announcement: 'winner_announced_at',
    Stage.award: 'award_issued_at',
    Stage.contract: 'contract_signed_at',
}
# The BAST (handover minutes) completes a tender whose contract was signed (DOMAIN §8).
COMPLETION = 'handed_over_at'
MILESTONES = (*GATES.values(), COMPLETION)
# Every place a published tender can be, in the order it gets there.
ORDER = (Phase.upcoming, *ALL_STAGES, Phase.implementation, Phase.completed)
_RANK = {place: n for n, place in enumerate(ORDER)}
# (before, after): `after` may not start before `before` has ended.
FOLLOWS = (
    (Stage.qualification_submission, Stage.qualification_evaluation),
    (Stage.qualification_evaluation, Stage.qualification_announcement),
    (Stage.qualification_announcement, Stage.qualification_objection),
    (Stage.qualification_objection, Stage.download),
    (Stage.bid_submission, Stage.bid_opening),
    (Stage.bid_opening, Stage.evaluation),
    (Stage.evaluation, Stage.winner_decision),
    (Stage.qualification_proof, Stage.winner_decision),
    (Stage.winner_decision, Stage.winner_announcement),
    (Stage.winner_announcement, Stage.objection),
    (Stage.objection, Stage.award),
    (Stage.award, Stage.contract),
)


@dataclass(frozen=True)
class Window:
    """``[start, end)`` in UTC."""

    start: datetime
    end: datetime

    def contains(self, now: datetime) -> bool:
        return self.start <= now < self.end


@dataclass(frozen=True)
class ScheduleRules:
    """Minimum durations and gaps, in hours, frozen with the tender at publication, and the
    stages its selection method has (lpse.tenders.methods; every stage by default)."""

    min_durations: Mapping[str, float]
    min_gaps: Mapping[str, float]
    stages: tuple[Stage, ...] = STAGES

    def duration(self, stage: Stage) -> timedelta:
        return timedelta(hours=float(self.min_durations.get(stage.value, 0)))

    def gap(self, name: str) -> timedelta:
        return timedelta(hours=float(self.min_gaps.get(name, 0)))

    def as_dict(self):
        return {'min_durations': dict(self.min_durations), 'min_gaps': dict(self.min_gaps)}


@dataclass(frozen=True)
class Problem:
    """One schedule error, tied to the stage it concerns and the edge of its window at fault
    (the form marks that field)."""

    stage: Stage
    message: str
    edge: str = 'start'  # or 'end'


def current_stage(
    status: str, schedule: Mapping[Stage, Window], milestones: Mapping[str, object], now: datetime
) -> Stage | Phase:
    """The stage a published tender is in: the latest stage that has started, but never past
    a stage whose milestone (bids opened, winner decided…) has not been recorded — and never
    behind its recorded milestones (`reached`): a winner announced before the schedule's
    evaluation window ended is in the objection stage, not still at the opening."""
    if status in (Phase.draft, Phase.cancelled, Phase.failed):
        return Phase(status)
    current: Stage | Phase = Phase.upcoming
    for stage in ALL_STAGES:
        window = schedule.get(stage)
        if window is None:  # a stage the tender's method does not have
            continue
        if window.start > now:
            break
        current = stage
        gate = GATES.get(stage)
        if gate is not None and milestones.get(gate) is None:
            break
    return _later(current, reached(milestones, schedule or STAGES))


def reached(milestones: Mapping[str, object], own: Iterable[Stage] = STAGES) -> Stage | Phase:
    """Where the recorded milestones alone put a tender: past each gate of its own stages
    (``own``: the schedule's) whose milestone and every earlier one are recorded (shortlist
    announced → its objection window, bids opened → evaluation, winner announced → objection,
    SPPBJ → contract, contract signed → implementation, BAST → completed)."""
    own = set(own)
    place: Stage | Phase = Phase.upcoming
    for stage, gate in GATES.items():
        if stage not in own:
            continue
        if milestones.get(gate) is None:
            return place
        place = ORDER[_RANK[stage] + 1]
    return Phase.completed if milestones.get(COMPLETION) is not None else place


def _later(a: Stage | Phase, b: Stage | Phase) -> Stage | Phase:
    return a if _RANK[a] >= _RANK[b] else b


# Where time starts for `phase_windows` (no tender is listed before it).
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def phase_windows(
    status: str, schedule: Mapping[Stage, Window], milestones: Mapping[str, object]
) -> list[tuple[Stage | Phase, datetime, datetime | None]]:
    """`current_stage` as a function of time: consecutive windows ``(stage, start, end)`` from
    `EPOCH` on, the last one open-ended (end None) — the stage the tender holds until its
    schedule, milestones or status change. Inside each window `current_stage` gives its stage;
    a stage that starts together with the next one has no moment of its own and no window."""
    if status in (Phase.draft, Phase.cancelled, Phase.failed):
        return [(Phase(status), EPOCH, None)]
    floor = reached(milestones, schedule or STAGES)
    spans: list[tuple[Stage | Phase, datetime, datetime | None]] = []
    label: Stage | Phase = Phase.upcoming
    since = EPOCH

    def close(until):
        shown = _later(label, floor)
        if spans and spans[-1][0] == shown:
            spans[-1] = (shown, spans[-1][1], until)
        else:
            spans.append((shown, since, until))

    for stage in ALL_STAGES:
        window = schedule.get(stage)
        if window is None:  # a stage the tender's method does not have
            continue
        # current_stage stops at the first stage not yet started: a stage is reached only
        # once every earlier one has started, i.e. at the latest start so far.
        begins = max(window.start, since)
        if begins > since:
            close(begins)
        label, since = stage, begins
        gate = GATES.get(stage)
        if gate is not None and milestones.get(gate) is None:
            break
    close(None)
    return spans


def open_stages(schedule: Mapping[Stage, Window], now: datetime) -> set[Stage]:
    """Every stage whose window contains ``now`` (windows such as the download one overlap)."""
    return {stage for stage, window in schedule.items() if window.contains(now)}


def validate_schedule(schedule: Mapping[Stage, Window], rules: ScheduleRules) -> list[Problem]:
    """Every problem with a schedule: missing or foreign stages, empty windows, order, overlaps,
    minimums — for the stages of the tender's method (``rules.stages``)."""
    own = rules.stages
    foreign = [s for s in schedule if s not in own]
    if foreign:
        return [
            Problem(s, _l('Metode pemilihan tender ini tidak memiliki tahap ini.')) for s in foreign
        ]
    missing = [s for s in own if s not in schedule]
    if missing:
        return [Problem(s, _l('Jadwal tahap ini belum diisi.')) for s in missing]
    problems = [
        Problem(s, _l('Akhir tahap harus setelah awalnya.'), 'end')
        for s in own
        if schedule[s].end <= schedule[s].start
    ]
    for before, after in itertools.pairwise(own):
        if schedule[after].start < schedule[before].start:
            problems.append(Problem(after, _l('Tahap ini dimulai sebelum tahap sebelumnya.')))
    for before, after in FOLLOWS:
        if before not in own or after not in own:
            continue
        if schedule[after].start < schedule[before].end:
            problems.append(
                Problem(
                    after,
                    _l(
                        'Tahap ini harus dimulai setelah tahap %(stage)s berakhir.',
                        stage=STAGE_LABELS[before],
                    ),
                )
            )
    return problems + _minimums(schedule, rules)


def _minimums(schedule, rules):
    problems = []
    for stage in rules.stages:
        need = rules.duration(stage)
        if schedule[stage].end - schedule[stage].start < need:
            problems.append(
                Problem(stage, _l('Tahap ini minimal %(hours)s jam.', hours=_hours(need)), 'end')
            )
    if Stage.clarification in rules.stages:
        problems += _clarification_gaps(schedule, rules)
    download, bids = schedule[Stage.download], schedule[Stage.bid_submission]
    need = rules.gap('download_before_deadline')
    if download.end > bids.end - need:
        message = _gap(
            need,
            _l(
                'Download ditutup minimal %(hours)s jam sebelum batas akhir penawaran.',
                hours=_hours(need),
            ),
            _l('Download harus ditutup paling lambat pada batas akhir penawaran.'),
        )
        problems.append(Problem(Stage.download, message, 'end'))
    return problems


def _clarification_gaps(schedule, rules):
    problems = []
    announce, clarify = schedule[Stage.announcement], schedule[Stage.clarification]
    bids = schedule[Stage.bid_submission]
    need = rules.gap('clarification_after_announcement')
    if clarify.start < announce.start + need:
        problems.append(
            Problem(
                Stage.clarification,
                _l(
                    'Penjelasan dimulai minimal %(hours)s jam setelah pengumuman.',
                    hours=_hours(need),
                ),
            )
        )
    need = rules.gap('deadline_after_clarification')
    if bids.end < clarify.end + need:
        message = _gap(
            need,
            _l(
                'Batas akhir penawaran minimal %(hours)s jam setelah penjelasan berakhir.',
                hours=_hours(need),
            ),
            _l('Batas akhir penawaran tidak boleh sebelum penjelasan berakhir.'),
        )
        problems.append(Problem(Stage.bid_submission, message, 'end'))
    return problems


def _gap(need: timedelta, with_hours, without):
    """A gap rule's message: with its hours, or — no minimum (the demo) — the order alone,
    never "minimal 0 jam"."""
    return with_hours if need else without


def _hours(delta: timedelta) -> str:
    hours = delta.total_seconds() / 3600
    return str(int(hours)) if hours == int(hours) else f'{hours:.1f}'
