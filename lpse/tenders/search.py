"""The public tender list: word search, filters, sort and keyset pagination.

Search uses an inverted index of our own (`SearchToken`: one row per distinct normalised word of
a tender's code, title, description and agency) so that it behaves the same on SQLite and
PostgreSQL and stays an index range scan per word; every word of the query must match as a
prefix. Pages are keyset pages (a cursor of the last row's sort value and id), so page 5,000
costs what page 1 does.
"""

import base64
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation

from sqlalchemy import and_, delete, exists, false, func, insert, intersect, or_, select, text
from sqlalchemy.orm import selectinload

from lpse.agencies.models import Agency
from lpse.errors import ValidationFailed
from lpse.extensions import db
from lpse.tenders import ids, rules, stages
from lpse.tenders.models import Category, ScheduleEntry, SearchToken, Tender, TenderStatus
from lpse.tenders.stages import Phase, Stage

WORD_RE = re.compile(r'[0-9a-z]+')
MAX_TERMS = 6
PAGE_SIZE = 20
COUNT_CAP = 200
SORTS = ('newest', 'deadline', 'hps')


def normalise(text: str) -> str:
    """Lower case, accents removed: `Pembangunan Jalan Ṣ` → `pembangunan jalan s`."""
    decomposed = unicodedata.normalize('NFKD', text or '')
    return ''.join(c for c in decomposed if not unicodedata.combining(c)).lower()


def words(text: str) -> set[str]:
    return {w[:40] for w in WORD_RE.findall(normalise(text))}


def tender_words(tender: Tender) -> set[str]:
    agency = tender.agency
    text = ' '.join([tender.code, tender.title, tender.description or '', agency.code, agency.name])
    return words(text)


def reindex(tender: Tender) -> None:
    """Replace the tender's rows in the search index (called whenever searched text changes)."""
    db.session.execute(delete(SearchToken).where(SearchToken.tender_id == tender.id))
    rows = [{'token': w, 'tender_id': tender.id} for w in sorted(tender_words(tender))]
    if rows:
        db.session.execute(insert(SearchToken), rows)


@dataclass
class Query:
    """What a visitor asked for; built from query-string arguments by `parse`."""

    q: str = ''
    stage: str = ''
    category: str = ''
    agency: str = ''
    year: int | None = None
    hps_min: Decimal | None = None
    hps_max: Decimal | None = None
    sort: str = 'newest'
    after: str = ''
    before: str = ''
    errors: dict = field(default_factory=dict)

    def args(self, **changes):
        """The query-string arguments of this query (for links), with ``changes``."""
        values = {
            'q': self.q,
            'stage': self.stage,
            'category': self.category,
            'agency': self.agency,
            'year': self.year,
            'hps_min': self.hps_min,
            'hps_max': self.hps_max,
            'sort': self.sort if self.sort != 'newest' else '',
        } | changes
        return {k: v for k, v in values.items() if v not in (None, '')}


STAGE_VALUES = {s.value for s in Stage} | {Phase.upcoming, Phase.completed, Phase.cancelled}
STAGE_VALUES |= {Phase.failed}


def page_amount(text: str) -> Decimal:
    """The page's amount: Indonesian `1.500.000.000` (or `1500000000,50`) or a decimal string."""
    return rules.parse_amount(rules.id_amount(text), 'hps')


def api_amount(text: str) -> Decimal:
    """The API's amount: a decimal string only (`1500000000.00`; `1.500` is one and a half)."""
    return rules.parse_amount(text, 'hps')


def parse(args, *, amount=page_amount) -> Query:
    """Read the listing arguments; a bad value is dropped and reported, never an error page.
    ``amount`` parses hps_min/hps_max (`page_amount` or `api_amount`)."""
    query = Query(q=(args.get('q') or '').strip()[:200])
    for name, allowed in (('stage', STAGE_VALUES), ('category', set(Category)), ('sort', SORTS)):
        value = (args.get(name) or '').strip()
        if value and value in allowed:
            setattr(query, name, value)
        elif value:
            query.errors[name] = value
    query.agency = (args.get('agency') or '').strip().upper()[:20]
    year = (args.get('year') or '').strip()
    if year:
        if year.isdigit() and 2000 <= int(year) <= 2100:
            query.year = int(year)
        else:
            query.errors['year'] = year
    for name in ('hps_min', 'hps_max'):
        value = (args.get(name) or '').strip()[:60]
        if value:
            try:
                setattr(query, name, amount(value))
            except ValidationFailed:
                query.errors[name] = value
    query.after = (args.get('after') or '')[:200]
    query.before = (args.get('before') or '')[:200]
    return query


def _term_ids(term: str):
    """The ids of tenders with a word starting with ``term`` (one word exactly when 1 letter)."""
    if len(term) < 2:
        return select(SearchToken.tender_id).where(SearchToken.token == term)
    upper = term[:-1] + chr(ord(term[-1]) + 1)
    return select(SearchToken.tender_id).where(SearchToken.token >= term, SearchToken.token < upper)


def _hits(terms):
    """Tenders matching every term, computed first from the index alone (MATERIALIZED), so
    the planner fetches only those rows instead of scanning every tender: it cannot know how
    strongly words go together ("jembatan" and "sungai")."""
    selects = [_term_ids(term) for term in terms]
    ids = selects[0].distinct() if len(selects) == 1 else intersect(*selects)
    return ids.cte('hits').prefix_with('MATERIALIZED')


def _started(stage: Stage, now):
    return exists().where(
        ScheduleEntry.tender_id == Tender.id,
        ScheduleEntry.stage == stage.value,
        ScheduleEntry.starts_at <= now,
    )


def stage_filter(value: str, now):
    """SQL for "the derived current stage is ``value``" (the same rule as stages.current_stage,
    relying on validated schedules whose stage starts never go backwards)."""
    published = Tender.status == TenderStatus.published
    if value in (Phase.cancelled, Phase.failed):
        return Tender.status == value
    if value == Phase.upcoming:
        return and_(published, ~_started(Stage.announcement, now))
    gates = [getattr(Tender, name).is_not(None) for name in stages.GATES.values()]
    if value == Phase.completed:
        return and_(published, _started(Stage.contract, now), *gates)
    stage = Stage(value)
    index = stages.STAGES.index(stage)
    earlier = [
        getattr(Tender, name).is_not(None)
        for gated, name in stages.GATES.items()
        if stages.STAGES.index(gated) < index
    ]
    following = stages.STAGES[index + 1] if index + 1 < len(stages.STAGES) else None
    # "The next stage has not started" drives the query: an index range over the few tenders
    # whose next stage lies in the future, instead of a probe per tender.
    waiting = _not_started(following, now) if following else false()
    gate = stages.GATES.get(stage)
    stays = getattr(Tender, gate).is_(None) if gate else false()
    return and_(published, _started(stage, now), *earlier, or_(waiting, stays))


def _not_started(stage: Stage, now):
    return Tender.id.in_(
        select(ScheduleEntry.tender_id).where(
            ScheduleEntry.stage == stage.value, ScheduleEntry.starts_at > now
        )
    )


def _order(sort):
    """(column, descending) of the sort; ties broken by id in the same direction."""
    return {
        'newest': (Tender.published_at, True),
        'deadline': (Tender.bid_deadline, False),
        'hps': (Tender.hps, True),
    }[sort]


def _encode(value, tender_id):
    if isinstance(value, datetime):
        value = value.isoformat()
    raw = f'{value}|{tender_id}'.encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip('=')


def _decode(cursor, sort):
    """(sort value, id) of a cursor, or None for anything we did not write ourselves: an id
    beyond BIGINT, a non-finite or out-of-range amount, a time without zone or beyond UTC's
    years (`0001-01-01T00:00:00+14:00`) — a bad cursor means the first page, never a 500."""
    try:
        raw = base64.urlsafe_b64decode(cursor + '=' * (-len(cursor) % 4)).decode()
        value, tender_id = raw.rsplit('|', 1)
        ident = ids.bounded_id(tender_id)
        if ident is None:
            return None
        if sort == 'hps':
            if not rules.AMOUNT_RE.match(value):
                return None  # NaN, sNaN, Infinity, 1e999999, negative, too many digits
            return Decimal(value), ident
        key = datetime.fromisoformat(value)
        if key.tzinfo is None:
            return None
        return key.astimezone(UTC), ident
    except (ValueError, InvalidOperation, UnicodeDecodeError, OverflowError):
        return None


@dataclass
class Page:
    tenders: list
    next_cursor: str | None
    prev_cursor: str | None
    total: int
    total_capped: bool


def base_statement(query: Query, now):
    """The filtered statement (no order, no page) of public tenders."""
    stmt = select(Tender).where(Tender.published_at.is_not(None), Tender.superseded.is_(False))
    terms = sorted(words(query.q))[:MAX_TERMS]
    if terms:
        hits = _hits(terms)
        stmt = stmt.join(hits, hits.c.tender_id == Tender.id)
    if query.stage:
        stmt = stmt.where(stage_filter(query.stage, now))
    if query.category:
        stmt = stmt.where(Tender.category == query.category)
    if query.agency:
        agency_id = select(Agency.id).where(Agency.code == query.agency).scalar_subquery()
        stmt = stmt.where(Tender.agency_id == agency_id)
    if query.year:
        stmt = stmt.where(Tender.fiscal_year == query.year)
    if query.hps_min is not None:
        stmt = stmt.where(Tender.hps >= query.hps_min)
    if query.hps_max is not None:
        stmt = stmt.where(Tender.hps <= query.hps_max)
    return stmt


def run(query: Query, now, *, page_size=PAGE_SIZE, count=True) -> Page:
    """One keyset page of the list and (capped) how many tenders match."""
    if db.session.get_bind().dialect.name == 'postgresql':
        # Short index walks over a hot working set: starting parallel workers costs more than
        # it saves (30 ms vs 3 ms measured), and with the default random_page_cost (4, for
        # spinning disks) the planner scans every tender instead of fetching the few search
        # hits by key (40 ms vs 4 ms at 100,000). SET LOCAL ends with this transaction.
        db.session.execute(text('SET LOCAL max_parallel_workers_per_gather = 0'))
        db.session.execute(text('SET LOCAL random_page_cost = 1.1'))
    stmt = base_statement(query, now)
    column, descending = _order(query.sort)
    cursor = _decode(query.before, query.sort) if query.before else None
    backwards = cursor is not None
    if not backwards and query.after:
        cursor = _decode(query.after, query.sort)
    if cursor is not None:
        value, tender_id = cursor
        forward_is_less = descending != backwards
        # Written so the (column, id) index serves it as a range on both databases.
        if forward_is_less:
            stmt = stmt.where(column <= value, or_(column < value, Tender.id < tender_id))
        else:
            stmt = stmt.where(column >= value, or_(column > value, Tender.id > tender_id))
    reverse = descending != backwards
    order = (column.desc(), Tender.id.desc()) if reverse else (column.asc(), Tender.id.asc())
    stmt = stmt.options(selectinload(Tender.schedule_rows))  # the stage of each row
    rows = list(db.session.scalars(stmt.order_by(*order).limit(page_size + 1)))
    more = len(rows) > page_size
    rows = rows[:page_size]
    if backwards:
        rows.reverse()
    has_next = more if not backwards else True
    has_prev = (cursor is not None) if not backwards else more
    total, capped = _count(query, now) if count else (0, False)
    return Page(
        tenders=rows,
        next_cursor=_encode(getattr(rows[-1], column.key), rows[-1].id)
        if rows and has_next
        else None,
        prev_cursor=_encode(getattr(rows[0], column.key), rows[0].id)
        if rows and has_prev
        else None,
        total=total,
        total_capped=capped,
    )


def _count(query, now):
    inner = base_statement(query, now).with_only_columns(Tender.id).limit(COUNT_CAP + 1)
    total = db.session.scalar(select(func.count()).select_from(inner.subquery()))
    return min(total, COUNT_CAP), total > COUNT_CAP
