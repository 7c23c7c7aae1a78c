"""`phase_windows`: the derived stage as a function of time, which the public list's stage
filter indexes. At every moment — every boundary, a tick either side, and random moments —
the window containing it names what `current_stage` gives, for random schedules (stages that
start together, starts out of order, missing stages), milestones and statuses."""

import itertools
import random
from datetime import UTC, datetime, timedelta

import pytest

from lpse.tenders.stages import (
    EPOCH,
    GATES,
    MILESTONES,
    STAGES,
    Phase,
    Stage,
    Window,
    current_stage,
    phase_windows,
)

BASE = datetime(2026, 5, 4, 1, 0, tzinfo=UTC)
TICK = timedelta(microseconds=1)
# One stage an hour, in order.
HOURLY = {
    s: Window(BASE + timedelta(hours=i), BASE + timedelta(hours=i + 1))
    for i, s in enumerate(STAGES)
}


def window_at(windows, now):
    found = [stage for stage, start, end in windows if start <= now and (end is None or now < end)]
    assert len(found) == 1, (now, windows)
    return found[0]


def random_case(rng):
    schedule, hour = {}, 0
    for stage in STAGES:
        if rng.random() < 0.05:
            break  # an incomplete schedule: current_stage stops at the gap
        hour += rng.choice([0, 0, 1, 6, 24, 48])  # 0: starts together with the previous stage
        if rng.random() < 0.05:
            hour -= rng.choice([1, 24])  # out of order (validation refuses it, derivation copes)
        schedule[stage] = Window(BASE + timedelta(hours=hour), BASE + timedelta(hours=hour + 30))
    milestones = {name: (BASE if rng.random() < 0.7 else None) for name in MILESTONES}
    status = rng.choices(['published', 'cancelled', 'failed'], [90, 5, 5])[0]
    return status, schedule, milestones


@pytest.mark.parametrize('seed', range(300))
def test_the_window_at_any_moment_names_the_derived_stage(seed):
    rng = random.Random(seed)
    status, schedule, milestones = random_case(rng)
    windows = phase_windows(status, schedule, milestones)
    edges = {w.start for w in schedule.values()} | {start for _s, start, _e in windows}
    moments = {EPOCH, BASE - timedelta(days=400), BASE + timedelta(days=400)}
    moments |= {edge + d for edge in edges for d in (-TICK, timedelta(0), TICK)}
    moments |= {BASE + timedelta(minutes=rng.randrange(-600, 60 * 24 * 40)) for _ in range(40)}
    for now in sorted(m for m in moments if m >= EPOCH):
        assert window_at(windows, now) == current_stage(status, schedule, milestones, now), now


def test_windows_are_consecutive_and_only_the_last_is_open_ended():
    windows = phase_windows('published', HOURLY, {'bids_opened_at': BASE})
    after = STAGES.index(Stage.evaluation)
    assert [w[0] for w in windows] == [*STAGES[after : after + 3]]
    windows = phase_windows('published', HOURLY, dict.fromkeys(GATES.values(), BASE))
    assert windows == [(Phase.implementation, EPOCH, None)]
    for (_s, _start, end), (_n, start, _e) in itertools.pairwise(windows):
        assert end == start
    windows = phase_windows('published', HOURLY, {})
    assert [w[0] for w in windows] == [
        Phase.upcoming,
        *STAGES[: STAGES.index(Stage.bid_opening) + 1],
    ]
    for (_s, _start, end), (_n, start, _e) in itertools.pairwise(windows):
        assert end == start
    assert windows[0][1] == EPOCH and windows[-1][2] is None
    assert all(end is not None for _s, _start, end in windows[:-1])


def test_a_missing_milestone_is_held_open_ended():
    windows = phase_windows('published', HOURLY, dict.fromkeys(GATES.values()))
    assert windows[-1] == (Stage.bid_opening, HOURLY[Stage.bid_opening].start, None)


@pytest.mark.parametrize('status', ['draft', 'cancelled', 'failed'])
def test_a_status_people_decided_holds_for_all_time(status):
    assert phase_windows(status, {}, {}) == [(Phase(status), EPOCH, None)]
