"""A tender's public history replayed from its audit events: one snapshot per public change
after publication, each holding the state of that moment (never a later one)."""

import json
from collections import namedtuple
from datetime import UTC, datetime, timedelta

from lpse.opendata.history import snapshots

Event = namedtuple('Event', 'seq occurred_at action object_id payload')
T = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)
WINDOW = {'start': T.isoformat(), 'end': (T + timedelta(days=3)).isoformat()}
LATER = {'start': T.isoformat(), 'end': (T + timedelta(days=5)).isoformat()}
DOC = {'kind': 'kak', 'document_version': 1, 'sha256': 'a' * 64, 'size': 9, 'media_type': 'x'}


def events(*specs):
    return [
        Event(seq, T + timedelta(hours=seq), action, '1', json.dumps(data))
        for seq, (action, data) in enumerate(specs, start=1)
    ]


def test_draft_changes_are_no_release_but_shape_the_announcement():
    snaps = snapshots(
        events(
            ('tender.schedule_set', {'schedule': {'bid_submission': WINDOW}}),
            ('tender.document_added', DOC),
            ('tender.published', {}),
        )
    )
    [announced] = snaps
    assert announced.tags == ['tender'] and announced.seq == 3
    assert len(announced.documents) == 1
    assert announced.schedule['bid_submission'][1] == T + timedelta(days=3)


def test_each_snapshot_keeps_its_own_moment():
    snaps = snapshots(
        events(
            ('tender.schedule_set', {'schedule': {'bid_submission': WINDOW}}),
            ('tender.published', {}),
            ('tender.addendum_issued', DOC | {'document_version': 2, 'number': 1, 'reason': 'R'}),
            (
                'tender.schedule_changed',
                {'reason': 'Listrik', 'changes': {'bid_submission': LATER}},
            ),
            ('tender.question_asked', {}),  # not replayed: the asker's question is not public
            ('tender.question_answered', {'question_id': 1}),
            ('winner.announced', {'announcement': 7}),
            ('winner.announcement_withdrawn', {'announcement': 7}),
            ('tender.failed', {'reason': 'Sanggah diterima'}),
        )
    )
    assert [s.tags for s in snaps] == [
        ['tender'],
        ['tenderAmendment'],
        ['tenderAmendment'],
        ['tenderUpdate'],
        ['award'],
        ['awardUpdate'],
        ['tenderUpdate'],
    ]
    published, addendum, moved, answered, announced, withdrawn, failed = snaps
    assert published.documents == () and addendum.documents[0].addendum == 1
    assert published.schedule['bid_submission'][1] < moved.schedule['bid_submission'][1]
    assert [a['rationale'] for a in moved.amendments] == ['R', 'Listrik']
    assert addendum.amendments[0]['date'] == T + timedelta(hours=3)
    assert (moved.answered, answered.answered) == ((), (1,))
    assert announced.announcements == ((7, False),) and withdrawn.announcements == ((7, True),)
    assert (announced.status, failed.status, failed.end_reason) == (
        'active',
        'unsuccessful',
        'Sanggah diterima',
    )
