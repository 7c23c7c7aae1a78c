"""The derived stage around every boundary, and the schedule rules."""

import itertools
from datetime import UTC, datetime, timedelta

import pytest

from lpse.tenders.stages import (
    COMPLETION,
    GATES,
    STAGES,
    Phase,
    ScheduleRules,
    Stage,
    Window,
    current_stage,
    open_stages,
    validate_schedule,
)

BASE = datetime(2026, 5, 4, 1, 0, tzinfo=UTC)
HOURS = {
    Stage.announcement: (0, 48),
    Stage.download: (1, 120),
    Stage.clarification: (48, 72),
    Stage.bid_submission: (72, 144),
    Stage.bid_opening: (144, 168),
    Stage.evaluation: (168, 216),
    Stage.qualification_proof: (192, 216),
    Stage.winner_decision: (216, 240),
    Stage.winner_announcement: (240, 264),
    Stage.objection: (264, 384),
    Stage.award: (384, 408),
    Stage.contract: (408, 432),
}
SCHEDULE = {
    s: Window(BASE + timedelta(hours=a), BASE + timedelta(hours=b)) for s, (a, b) in HOURS.items()
}
ALL_DONE = dict.fromkeys(GATES.values(), BASE)
NONE_DONE = dict.fromkeys(GATES.values())
TICK = timedelta(microseconds=1)
ZERO = ScheduleRules({}, {})


def at(stage):
    return SCHEDULE[stage].start


# Each stage starts exactly at its window start: one tick before, the stage before it holds.
# Each milestone is recorded as the next stage's window starts (`on_time`); the contract is
# never signed here, so the tender stays in the contract stage at the end.
BOUNDARIES = [
    (at(Stage.announcement) - TICK, Phase.upcoming),
    (at(Stage.announcement), Stage.announcement),
    *[
        case
        for before, stage in itertools.pairwise(STAGES)
        for case in ((at(stage) - TICK, before), (at(stage), stage), (at(stage) + TICK, stage))
    ],
    (SCHEDULE[Stage.contract].end, Stage.contract),
]
UNSIGNED = {**ALL_DONE, 'contract_signed_at': None}


def on_time(now):
    """The milestones recorded by `now` when each is recorded as the next stage starts."""
    done = {}
    for stage, gate in GATES.items():
        if stage not in STAGES:  # a prequalification's gate: this schedule has no such stage
            continue
        following = STAGES.index(stage) + 1
        recorded = following < len(STAGES) and at(STAGES[following]) <= now
        done[gate] = at(STAGES[following]) if recorded else None
    return done


@pytest.mark.parametrize(('now', 'expected'), BOUNDARIES)
def test_stage_at_each_boundary(now, expected):
    assert current_stage('published', SCHEDULE, on_time(now), now) is expected


def test_a_signed_contract_is_carried_out_and_the_bast_completes_it():
    now = at(Stage.contract)
    assert current_stage('published', SCHEDULE, ALL_DONE, now) is Phase.implementation
    done = {**ALL_DONE, COMPLETION: BASE}
    assert current_stage('published', SCHEDULE, done, now) is Phase.completed
    assert current_stage('published', SCHEDULE, {**UNSIGNED, COMPLETION: BASE}, now) is (
        Stage.contract
    )


@pytest.mark.parametrize(
    ('milestone', 'expected'),
    [
        ('bids_opened_at', Stage.evaluation),
        ('winner_decided_at', Stage.winner_announcement),
        ('winner_announced_at', Stage.objection),
        ('award_issued_at', Stage.contract),
        ('contract_signed_at', Phase.implementation),
    ],
)
def test_a_recorded_milestone_moves_the_stage_ahead_of_the_schedule(milestone, expected):
    """Issue 16 point 3: a winner announced while the schedule's evaluation window still
    runs is in the objection stage, not still at "Pembukaan Dokumen Penawaran"."""
    names = list(GATES.values())
    done = {n: (BASE if i <= names.index(milestone) else None) for i, n in enumerate(names)}
    now = at(Stage.bid_opening) + TICK
    assert current_stage('published', SCHEDULE, done, now) is expected


# A prequalified schedule: the four prequalification stages inside the announcement's days.
PREQUALIFIED = {
    **SCHEDULE,
    Stage.qualification_submission: Window(BASE + timedelta(hours=2), BASE + timedelta(hours=10)),
    Stage.qualification_evaluation: Window(BASE + timedelta(hours=10), BASE + timedelta(hours=20)),
    Stage.qualification_announcement: Window(
        BASE + timedelta(hours=20), BASE + timedelta(hours=24)
    ),
    Stage.qualification_objection: Window(BASE + timedelta(hours=24), BASE + timedelta(hours=30)),
}


@pytest.mark.parametrize(
    ('gate', 'schedule'),
    [(gate, SCHEDULE) for gate in GATES if gate in SCHEDULE]
    + [(gate, PREQUALIFIED) for gate in GATES],
)
def test_a_missing_milestone_holds_its_stage_even_after_the_window(gate, schedule):
    names = list(GATES.values())
    milestones = {n: (BASE if names.index(n) < names.index(GATES[gate]) else None) for n in names}
    later = SCHEDULE[Stage.contract].end + timedelta(days=1)
    assert current_stage('published', schedule, milestones, later) is gate


def test_a_post_qualification_tender_ignores_the_shortlist_gate():
    """Its schedule has no prequalification stage: no shortlist is ever announced, and the
    tender still moves through every later stage."""
    milestones = {**ALL_DONE, 'shortlist_announced_at': None}
    later = SCHEDULE[Stage.contract].end + timedelta(days=1)
    assert current_stage('published', SCHEDULE, milestones, later) is Phase.implementation


def test_a_prequalified_tender_waits_for_its_shortlist():
    """Past the download's start, without an announced shortlist, the tender stays at the
    announcement of the prequalification result; with it, it moves on."""
    now = SCHEDULE[Stage.bid_submission].start + TICK
    assert current_stage('published', PREQUALIFIED, NONE_DONE, now) is (
        Stage.qualification_announcement
    )
    announced = {**NONE_DONE, 'shortlist_announced_at': BASE}
    assert current_stage('published', PREQUALIFIED, announced, now) is Stage.bid_submission


def test_without_milestones_the_tender_waits_at_bid_opening():
    later = SCHEDULE[Stage.objection].start
    assert current_stage('published', SCHEDULE, NONE_DONE, later) is Stage.bid_opening


@pytest.mark.parametrize('status', ['draft', 'cancelled', 'failed'])
def test_status_decided_by_people_wins_over_the_clock(status):
    assert current_stage(status, SCHEDULE, ALL_DONE, at(Stage.evaluation)) == Phase(status)


@pytest.mark.parametrize(
    ('now', 'expected'),
    [
        (at(Stage.announcement), {Stage.announcement}),
        (at(Stage.download), {Stage.announcement, Stage.download}),
        (at(Stage.clarification), {Stage.download, Stage.clarification}),
        (SCHEDULE[Stage.download].end - TICK, {Stage.download, Stage.bid_submission}),
        (SCHEDULE[Stage.download].end, {Stage.bid_submission}),
        (SCHEDULE[Stage.bid_submission].end - TICK, {Stage.bid_submission}),
        (SCHEDULE[Stage.bid_submission].end, {Stage.bid_opening}),
    ],
)
def test_windows_are_half_open(now, expected):
    assert open_stages(SCHEDULE, now) == expected


def test_a_valid_schedule_has_no_problems():
    assert validate_schedule(SCHEDULE, ZERO) == []


def test_missing_stages_are_named():
    partial = {s: w for s, w in SCHEDULE.items() if s is not Stage.award}
    assert [p.stage for p in validate_schedule(partial, ZERO)] == [Stage.award]


def test_an_empty_window_is_refused():
    start = at(Stage.evaluation)
    problems = validate_schedule({**SCHEDULE, Stage.evaluation: Window(start, start)}, ZERO)
    assert Stage.evaluation in {p.stage for p in problems}


def test_stages_out_of_order_are_refused():
    early = Window(BASE - timedelta(hours=5), BASE + timedelta(hours=10))
    problems = validate_schedule({**SCHEDULE, Stage.clarification: early}, ZERO)
    assert Stage.clarification in {p.stage for p in problems}


@pytest.mark.parametrize(
    ('before', 'after'),
    [(Stage.bid_submission, Stage.bid_opening), (Stage.objection, Stage.award)],
)
def test_a_stage_that_must_follow_may_not_overlap(before, after):
    late_end = Window(SCHEDULE[before].start, SCHEDULE[after].start + timedelta(hours=1))
    problems = validate_schedule({**SCHEDULE, before: late_end}, ZERO)
    assert after in {p.stage for p in problems}


def test_touching_windows_do_not_overlap():
    assert SCHEDULE[Stage.bid_opening].start == SCHEDULE[Stage.bid_submission].end
    assert validate_schedule(SCHEDULE, ZERO) == []


DEFAULTS = ScheduleRules({'announcement': 120, 'objection': 120}, {})


@pytest.mark.parametrize(('hours', 'ok'), [(119, False), (120, True), (121, True)])
def test_minimum_announcement_duration_boundary(hours, ok):
    schedule = {**SCHEDULE, Stage.announcement: Window(BASE, BASE + timedelta(hours=hours))}
    problems = [p for p in validate_schedule(schedule, DEFAULTS) if p.stage is Stage.announcement]
    assert (problems == []) is ok


def test_only_the_short_announcement_breaks_the_default_minimums():
    problems = validate_schedule(SCHEDULE, DEFAULTS)
    assert {p.stage for p in problems} == {Stage.announcement}  # 48 h < 120 h; objection is 120 h


@pytest.mark.parametrize(
    ('gap', 'rule', 'stage'),
    [
        (49, 'clarification_after_announcement', Stage.clarification),
        (73, 'deadline_after_clarification', Stage.bid_submission),
        (25, 'download_before_deadline', Stage.download),
    ],
)
def test_minimum_gaps(gap, rule, stage):
    rules = ScheduleRules({}, {rule: gap})
    assert stage in {p.stage for p in validate_schedule(SCHEDULE, rules)}
    rules = ScheduleRules({}, {rule: gap - 1 if rule != 'clarification_after_announcement' else 48})
    assert stage not in {p.stage for p in validate_schedule(SCHEDULE, rules)}
