"""The search index serves a page of results in list order (see lpse/tenders/search.py).

Checked against an oracle written in plain Python over the same tenders: every combination of
words, filters and sorts gives the same tenders in the same order, page by page forward and
back, whichever plan the search takes (a rare word driving, several words of one prefix merged,
only common prefixes walking the tender list). The index follows the tenders: publication,
schedule changes, retenders.
"""

import io
import random
from collections import Counter
from datetime import timedelta
from decimal import Decimal

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import select

from lpse import clock
from lpse.extensions import db
from lpse.tenders import documents, operations, publication, search
from lpse.tenders import schedule as tender_schedule
from lpse.tenders.models import ScheduleEntry, SearchToken, StageHold, StageWindow, Tender
from lpse.tenders.stages import GATES, STAGES, Phase, Stage, Window

from .factories import PDF, T0, schedule_at

TITLES = [
    'Pembangunan Jembatan Sungai Musi',
    'Rehabilitasi Gedung Sekolah Dasar Negeri',
    'Pengadaan Alat Kesehatan Puskesmas',
    'Peningkatan Jalan Lingkar Utara',
    'Pemeliharaan Saluran Drainase Perkotaan',
    'Belanja Laptop dan Komputer Sekolah',
    'Jasa Konsultansi Pengawasan Jembatan',
    'Pembangunan Puskesmas Pembantu Sektor Timur',
    'Pengadaan Kendaraan Operasional Sekolah',
    'Pembangunan Dermaga Penyeberangan Sumbawa Bésar',
]
CATEGORIES = ['pekerjaan_konstruksi', 'barang', 'jasa_konsultansi', 'jasa_lainnya']


@pytest.fixture
def many(agency, other_agency):
    """60 listed tenders (some sharing a publication time, an HPS or a deadline, so ties are
    broken by id), with schedules and some milestones recorded, some cancelled or failed,
    built directly (the flush writes their index rows)."""
    clock.set_now(T0)
    rng = random.Random(7)
    agencies = [agency, other_agency]
    made = []
    for i in range(60):
        published = T0 - timedelta(hours=rng.choice([1, 50, 100, 150, 200, 400, 900]))
        schedule = schedule_at(published + timedelta(hours=1))
        hps = Decimal(rng.choice([500, 750, 1500, 3000])) * 1_000_000
        owner = agencies[i % 2]
        tender = Tender(
            code=f'{owner.code}-2026-{i + 1:05d}',
            version=1,
            superseded=False,
            status='cancelled' if i % 13 == 0 else 'failed' if i % 17 == 0 else 'published',
            title=TITLES[i % len(TITLES)] + f' Paket {i % 4}',
            description='Tahun anggaran 2026.',
            category=CATEGORIES[i % 4],
            selection_method='tender',
            contract_type='unit_price',
            agency_id=owner.id,
            funding_source='APBD',
            fiscal_year=2025 + i % 2,
            pagu=hps,
            hps=hps,
            business_size='kecil',
            location='Kota',
            timezone=owner.timezone,
            submission_files=1,
            evaluation_method='lowest_price',
            method_params='{}',
            rules_version='test',
            created_at=published,
            published_at=published,
            bid_deadline=schedule[Stage.bid_submission].end,
        )
        # The milestones recorded so far, in order (the stage filter follows them).
        for name in list(GATES.values())[: rng.randrange(len(GATES) + 1)]:
            setattr(tender, name, published + timedelta(hours=300))
        tender.schedule_rows = [
            ScheduleEntry(stage=stage.value, position=n, starts_at=w.start, ends_at=w.end)
            for n, (stage, w) in enumerate(schedule.items(), start=1)
        ]
        db.session.add(tender)
        made.append(tender)
    db.session.commit()
    return made


def oracle(tenders, query, now):
    terms = sorted(search.words(query.q))
    agency_codes = {t.agency_id: t.agency.code for t in tenders}

    def matches(t):
        words = search.tender_words(t)
        if not all(
            any(w.startswith(term) if len(term) > 1 else w == term for w in words) for term in terms
        ):
            return False
        checks = [
            not query.category or t.category == query.category,
            not query.agency or agency_codes[t.agency_id] == query.agency,
            not query.year or t.fiscal_year == query.year,
            query.hps_min is None or t.hps >= query.hps_min,
            query.hps_max is None or t.hps <= query.hps_max,
            not query.stage or t.stage(now) == query.stage,
        ]
        return all(checks)

    name, descending = {
        'newest': ('published_at', True),
        'deadline': ('bid_deadline', False),
        'hps': ('hps', True),
    }[query.sort]
    found = [t for t in tenders if matches(t)]
    return sorted(found, key=lambda t: (getattr(t, name), t.id), reverse=descending)


def all_pages(query, now, size=4):
    """Every page forward, then every page back from the last: the codes of each walk."""
    pages, cursor = [], ''
    while True:
        page = search.run(
            search.Query(**{**query.__dict__, 'after': cursor, 'errors': {}}), now, page_size=size
        )
        pages.append(page)
        if not page.next_cursor:
            break
        cursor = page.next_cursor
    forward = [t.code for p in pages for t in p.tenders]
    backward, page = [], pages[-1]
    backward[:0] = [t.code for t in page.tenders]
    while page.prev_cursor:
        page = search.run(
            search.Query(
                **{**query.__dict__, 'before': page.prev_cursor, 'after': '', 'errors': {}}
            ),
            now,
            page_size=size,
        )
        backward[:0] = [t.code for t in page.tenders]
    return forward, backward, pages[0]


QUERIES = [
    {},
    {'q': 'jembatan'},
    {'q': 'jembatan sungai'},
    {'q': 'puskes'},
    {'q': 'sek'},  # sekolah, sektor: one prefix, several words merged
    {'q': 'pembangunan sekolah'},
    {'q': 'SEKOLAH laptop'},
    {'q': 'besar'},  # Bésar: accents ignored
    {'q': 'kablain'},  # the agency's code
    {'q': 'kota jalan'},
    {'q': 'p'},  # one letter matches a whole word only: none here
    {'q': 'tidakada'},
    {'q': 'sekolah', 'category': 'barang'},
    {'q': 'pembangunan', 'year': 2026, 'hps_min': Decimal('1000000000')},
    {'q': 'paket', 'agency': 'KABLAIN', 'hps_max': Decimal('1500000000')},
    {'q': 'paket', 'stage': Stage.bid_submission.value},
    {'q': 'jembatan', 'stage': Phase.cancelled.value},
    {'stage': Stage.announcement.value, 'category': 'pekerjaan_konstruksi'},
    {'agency': 'KOTAUJI', 'year': 2025},
]


@pytest.mark.parametrize('sort', search.SORTS)
@pytest.mark.parametrize(
    'fields', QUERIES, ids=lambda f: ','.join(f'{k}={v}' for k, v in f.items())
)
def test_search_pages_agree_with_the_oracle(many, sort, fields):
    now = clock.now()
    query = search.Query(**fields, sort=sort)
    expected = [t.code for t in oracle(many, query, now)]
    forward, backward, first = all_pages(query, now)
    assert forward == expected
    assert backward == expected
    assert first.total == len(expected) and not first.total_capped


@pytest.mark.parametrize('fields', [{'q': 'sek'}, {'q': 'pemba paket'}, {'q': 'pe', 'year': 2026}])
def test_common_prefixes_walk_the_list_and_agree(many, monkeypatch, fields):
    monkeypatch.setattr(search, 'EXPAND_CAP', 1)  # every prefix of two words or more is common
    now = clock.now()
    for sort in search.SORTS:
        query = search.Query(**fields, sort=sort)
        forward, backward, _first = all_pages(query, now)
        expected = [t.code for t in oracle(many, query, now)]
        assert forward == backward == expected, sort


STAGE_FILTERS = [*STAGES, Phase.upcoming, Phase.completed, Phase.cancelled, Phase.failed]


@pytest.mark.parametrize('hours', [-500, -150, -30, 0, 150, 700])
def test_every_stage_filter_agrees_with_the_oracle_at_any_moment(many, hours):
    now = clock.now() + timedelta(hours=hours)
    for stage in STAGE_FILTERS:
        for sort in search.SORTS:
            query = search.Query(stage=stage.value, sort=sort)
            expected = [t.code for t in oracle(many, query, now)]
            forward, backward, first = all_pages(query, now)
            assert forward == backward == expected, (stage, sort)
            assert first.total == len(expected)


@pytest.mark.parametrize('driver', ['stage', 'word'])
@pytest.mark.parametrize(
    'fields',
    [
        {'q': 'paket'},
        {'q': 'sekolah', 'category': 'barang'},
        {'q': 'pembangunan', 'hps_min': Decimal('1000000000'), 'agency': 'KOTAUJI'},
        {'q': 'pe', 'year': 2026},  # a common prefix: a probe either way
    ],
    ids=lambda f: ','.join(f'{k}={v}' for k, v in f.items()),
)
def test_stage_and_words_agree_whichever_drives(many, monkeypatch, driver, fields):
    monkeypatch.setattr(search, 'EXPAND_CAP', 3)
    size = 0 if driver == 'stage' else 10**9
    monkeypatch.setattr(search, '_stage_size', lambda *_a: size)
    for hours in (-150, 0, 700):
        now = clock.now() + timedelta(hours=hours)
        for stage in STAGE_FILTERS:
            query = search.Query(**fields, stage=stage.value, sort='newest')
            assert search.plan(sorted(search.words(query.q)), stage, now).by_stage == (
                driver == 'stage' or fields['q'] == 'pe'
            )
            expected = [t.code for t in oracle(many, query, now)]
            forward, backward, first = all_pages(query, now)
            assert forward == backward == expected, (stage, hours)
            assert first.total == len(expected)


def test_the_stage_drives_when_it_is_rarer_than_the_word(many):
    now = clock.now()
    sizes = Counter(t.stage(now) for t in many)
    musi = len(oracle(many, search.Query(q='musi'), now))
    crowded = max(sizes, key=sizes.get)
    assert sizes[crowded] > musi
    assert not search.plan(['musi'], crowded, now).by_stage
    quiet = min(sizes, key=sizes.get)
    assert sizes[quiet] < musi
    assert search.plan(['musi'], quiet, now).by_stage


def test_when_both_are_common_they_are_counted_further(many, monkeypatch):
    now = clock.now()
    sizes = Counter(t.stage(now) for t in many)
    crowded = max(sizes, key=sizes.get)
    paket = len(oracle(many, search.Query(q='paket'), now))
    assert 2 < sizes[crowded] < paket
    monkeypatch.setattr(search, 'RARITY_CAP', 2)  # both reach it
    monkeypatch.setattr(search, 'TIE_CAP', 1000)
    assert search.plan(['paket'], crowded, now).by_stage
    monkeypatch.setattr(search, 'TIE_CAP', 2)  # still tied: the word drives
    assert not search.plan(['paket'], crowded, now).by_stage


def test_the_rarest_word_drives(many):
    found = search.plan(sorted(search.words('paket musi')))
    assert found.driver == ['musi'] and found.probes == ['paket']
    assert search.plan(['tidakada', 'paket']).empty


def test_the_count_is_capped_and_labelled_honestly(many, client, monkeypatch):
    monkeypatch.setattr(search, 'COUNT_CAP', 5)
    page = search.run(search.Query(q='paket'), clock.now(), page_size=3)
    assert (page.total, page.total_capped) == (5, True)
    html = client.get('/tenders/', query_string={'q': 'paket'}).get_data(as_text=True)
    assert 'Lebih dari 5 tender ditemukan.' in html
    monkeypatch.setattr(search, 'COUNT_CAP', 6)
    few = search.run(search.Query(q='musi'), clock.now())  # exactly 6: counted, not capped
    assert not few.total_capped and few.total == len(
        oracle(many, search.Query(q='musi'), clock.now())
    )


def test_a_keyset_page_is_stable_when_newer_tenders_arrive(many):
    now = clock.now()
    first = search.run(search.Query(q='paket'), now, page_size=4)
    second = search.run(search.Query(q='paket', after=first.next_cursor), now, page_size=4)
    newest = many[0]
    newest.published_at = now  # stands in for a newly announced tender at the top
    db.session.commit()
    again = search.run(search.Query(q='paket', after=first.next_cursor), now, page_size=4)
    assert [t.code for t in again.tenders] == [t.code for t in second.tenders]


def rows_of(tender):
    return db.session.scalars(select(SearchToken).where(SearchToken.tender_id == tender.id)).all()


def test_the_index_follows_publication_schedule_changes_and_retenders(create_tender, cast):
    draft = create_tender('ready', title='Pembangunan Embung Desa Sukamaju')
    assert rows_of(draft) == []  # drafts are not listed
    live = create_tender(Stage.clarification, title='Pembangunan Embung Desa Sukamaju')
    rows = rows_of(live)
    assert {'embung', 'sukamaju', 'kotauji'} <= {r.token for r in rows}
    assert {(r.published_at, r.bid_deadline, r.hps, r.fiscal_year) for r in rows} == {
        (live.published_at, live.bid_deadline, live.hps, live.fiscal_year)
    }
    # A schedule change moves the deadline: the rows (the deadline sort) follow.
    old = live.schedule
    later = timedelta(days=3)
    changes = {
        s: Window(w.start + (later if s != Stage.bid_submission else timedelta(0)), w.end + later)
        for s, w in old.items()
        if STAGES.index(s) >= STAGES.index(Stage.bid_submission)
    }
    tender_schedule.change_schedule(
        live, changes, reason='Gangguan teknis', actor=cast['pokja'], now=clock.now()
    )
    db.session.commit()
    assert {r.bid_deadline for r in rows_of(live)} == {old[Stage.bid_submission].end + later}
    # A failed tender's retender, once published, supersedes it: only the new version is listed.
    failed = create_tender(Phase.failed, title='Pengadaan Ambulans Desa')
    assert failed.code in in_stage(Phase.failed, clock.now())
    new = operations.retender(failed, actor=cast['pokja'], now=clock.now())
    db.session.commit()
    assert rows_of(failed) and not rows_of(new)
    clock.set_now(T0)
    new = db.session.get(Tender, new.id)
    base = T0 + timedelta(hours=1)
    tender_schedule.set_schedule(new, schedule_at(base), actor=cast['pokja'], now=T0)
    documents.add_document(
        new,
        kind='dokumen_pemilihan',
        title='Dokumen Pemilihan',
        fileobj=io.BytesIO(PDF),
        filename='dokpil.pdf',
        reason='',
        actor=cast['pokja'],
        now=T0,
    )
    publication.publish_tender(new, actor=cast['pokja'], now=T0)
    db.session.commit()
    assert rows_of(new) and not rows_of(db.session.get(Tender, failed.id))
    assert failed.code not in in_stage(Phase.failed, T0)  # superseded: no longer listed
    assert [t.code for t in search.run(search.Query(q='ambulans'), T0).tenders] == [new.code]


def in_stage(stage, now):
    return {t.code for t in search.run(search.Query(stage=stage), now, page_size=100).tenders}


def test_the_stage_filter_follows_milestones_schedule_changes_and_cancellation(create_tender, cast):
    waiting = create_tender(Stage.bid_opening, title='Pembangunan Embung Desa')
    now = clock.now()
    later = now + timedelta(days=30)  # every window over: it waits for the opening
    assert waiting.code in in_stage(Stage.bid_opening, now)
    assert waiting.code in in_stage(Stage.bid_opening, later)
    waiting.bids_opened_at = now  # the ceremony records the milestone
    db.session.commit()
    assert waiting.code not in in_stage(Stage.bid_opening, later)
    assert waiting.code in in_stage(Stage.winner_decision, later)  # the next gate holds it
    waiting.winner_decided_at = now
    db.session.commit()
    assert waiting.code in in_stage(Stage.winner_announcement, later)
    waiting.winner_decided_at = None  # a decision undone (an accepted objection)
    db.session.commit()
    assert waiting.code in in_stage(Stage.winner_decision, later)
    # A schedule change of the Q&A window alone (the bid deadline stays): the stage follows.
    live = create_tender(Stage.download, title='Pengadaan Ambulans Desa')
    now = clock.now()
    old = live.schedule[Stage.clarification]
    moment = old.start + timedelta(hours=1)
    assert live.code in in_stage(Stage.clarification, moment)
    deadline = live.bid_deadline
    tender_schedule.change_schedule(
        live,
        {Stage.clarification: Window(old.start + timedelta(hours=12), old.end)},
        reason='Banjir',
        actor=cast['pokja'],
        now=now,
    )
    db.session.commit()
    assert live.bid_deadline == deadline
    assert live.code not in in_stage(Stage.clarification, moment)
    assert live.code in in_stage(Stage.download, moment)
    operations.cancel_tender(live, reason='Anggaran dialihkan', actor=cast['pokja'], now=now)
    db.session.commit()
    assert live.code in in_stage(Phase.cancelled, now)
    assert live.code not in in_stage(Stage.download, now)


def timelines():
    windows = db.session.execute(
        select(StageWindow.tender_id, StageWindow.stage, StageWindow.starts_at, StageWindow.ends_at)
    ).all()
    holds = db.session.execute(
        select(StageHold.tender_id, StageHold.stage, StageHold.starts_at, StageHold.hps)
    ).all()
    return set(windows), set(holds)


def test_the_migration_builds_the_timelines_of_tenders_already_published(create_tender):
    listed = [create_tender(s) for s in (Stage.bid_opening, Stage.download, Phase.cancelled)]
    create_tender('ready')  # a draft: not listed, no timeline
    db.session.commit()
    before = timelines()
    assert {row.tender_id for row in before[1]} == {t.id for t in listed}
    db.session.remove()
    downgrade(revision='f1e000000007')
    upgrade()
    assert timelines() == before
