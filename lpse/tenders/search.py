"""The public tender list: word search, filters, sort and keyset pagination.

Search uses an inverted index of our own (`SearchToken`: one row per distinct normalised word of
a listed tender's code, title, description and agency, carrying the tender's sort keys and
filter columns) so that it behaves the same on SQLite and PostgreSQL. Every word of the query
must match as a prefix. A page is found without touching every match:

- each query word is expanded to the indexed words it prefixes (a skip scan: one index seek
  per distinct word, at most `EXPAND_CAP`);
- the rarest word (a capped count) drives: for each of its words, the composite index
  (word, sort key, id) yields rows already in list order, filtered on the columns they carry,
  each other query word checked by a probe on the primary key (tender, word), the stage by a
  probe of the tender's stage timeline — and stops after a page; several words of one prefix
  are merged;
- a query made only of very common prefixes (more than `EXPAND_CAP` words each) walks the
  tender list in order with the same probes: common words match often, so a page is near;
- a stage filter reads the stage timelines of `lpse.tenders.stage_index`: the tenders whose
  window of that stage contains now (one index range over those not past it yet), merged with
  those holding that stage (walked in list order). It drives the page when the stage has
  fewer members than the rarest word has rows; otherwise each row is probed for the stage.

Pages are keyset pages (a cursor of the last row's sort value and id), so page 5,000 costs what
page 1 does. The total is counted up to `COUNT_CAP` ("more than 200").
"""

import base64
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation

from sqlalchemy import (
    String,
    and_,
    delete,
    event,
    func,
    insert,
    literal,
    or_,
    select,
    text,
    union_all,
)
from sqlalchemy.orm import Session, aliased, selectinload

from lpse import ids
from lpse.agencies.models import Agency
from lpse.errors import ValidationFailed
from lpse.extensions import db
from lpse.i18n import number_text
from lpse.tenders import rules, stage_index  # noqa: F401 — its flush listener
from lpse.tenders.models import (
    LISTED_COLUMNS,
    Category,
    SearchToken,
    StageHold,
    StageWindow,
    Tender,
    changed_tenders,
)
from lpse.tenders.stages import Phase, Stage

WORD_RE = re.compile(r'[0-9a-z]+')
MAX_TERMS = 6
PAGE_SIZE = 20
COUNT_CAP = 200
SORTS = ('newest', 'deadline', 'hps')
# A prefix with more indexed words than this is "common": it is checked by probes, never
# expanded into one index walk per word.
EXPAND_CAP = 40
# Choosing the rarest word counts its index rows up to this many: a word that common matches
# often enough that walking it in list order meets the other words soon (a higher cap made the
# count itself the costliest part of a two-word search at 100,000 tenders).
RARITY_CAP = 1000
# A stage filter and a word that both reach `RARITY_CAP` are counted again up to this many, to
# tell which of them is rarer (driving by the wrong one walks many rows to fill a page).
TIE_CAP = 10_000


def normalise(text: str) -> str:
    """Lower case, accents removed: `Pembangunan Jalan Ṣ` → `pembangunan jalan s`."""
    decomposed = unicodedata.normalize('NFKD', text or '')
    return ''.join(c for c in decomposed if not unicodedata.combining(c)).lower()


def words(text: str) -> set[str]:
    return {w[:40] for w in WORD_RE.findall(normalise(text))}


def _value(tender, name):
    return tender[name] if isinstance(tender, Mapping) else getattr(tender, name)


def text_words(tender, agency_code: str, agency_name: str) -> set[str]:
    parts = [_value(tender, n) or '' for n in ('code', 'title', 'description')]
    return words(' '.join([*parts, agency_code, agency_name]))


def tender_words(tender: Tender) -> set[str]:
    return text_words(tender, tender.agency.code, tender.agency.name)


ROW_COLUMNS = ('tender_id', 'token', *LISTED_COLUMNS)


def index_rows(tender, agency_code: str, agency_name: str) -> list[dict]:
    """The index rows of a listed tender (a `Tender` or a mapping with its columns)."""
    common = {name: _value(tender, name) for name in ROW_COLUMNS[2:]}
    common['tender_id'] = _value(tender, 'id')
    return [{'token': w, **common} for w in sorted(text_words(tender, agency_code, agency_name))]


def listed(tender) -> bool:
    """Shown in the public list: published (whatever happened since) and not superseded."""
    return tender.published_at is not None and not tender.superseded


def _write_index(connection, tender) -> None:
    connection.execute(delete(SearchToken).where(SearchToken.tender_id == tender.id))
    if not listed(tender):
        return
    agency = connection.execute(
        select(Agency.code, Agency.name).where(Agency.id == tender.agency_id)
    ).one()
    connection.execute(insert(SearchToken), index_rows(tender, agency.code, agency.name))


# Whatever the index rows carry: a change to any of these rewrites them in the same flush, so
# publication, schedule changes (the bid deadline), retenders (superseded) and draft edits
# keep the list right without each operation remembering to.
WATCHED = (
    'code',
    'title',
    'description',
    'agency_id',
    'published_at',
    'bid_deadline',
    'hps',
    'category',
    'fiscal_year',
    'superseded',
)


@event.listens_for(Session, 'after_flush')
def _follow_tenders(session, _context):
    changed = changed_tenders(session, WATCHED)
    if changed:
        connection = session.connection()
        for tender in changed:
            _write_index(connection, tender)


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


STAGE_VALUES = {s.value for s in Stage} | {
    Phase.upcoming,
    Phase.implementation,
    Phase.completed,
    Phase.cancelled,
}
STAGE_VALUES |= {Phase.failed}


def page_amount(text: str) -> Decimal:
    """The page's amount: Indonesian `1.500.000.000` (or `1500000000,50`) or a decimal string."""
    return rules.parse_amount(number_text(text), 'hps')


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


def _bounds(term: str):
    """(low, high) of the words a term matches: a prefix range; one letter matches exactly."""
    if len(term) < 2:
        return term, None
    return term, term[:-1] + chr(ord(term[-1]) + 1)


def _matches(column, term: str):
    low, high = _bounds(term)
    return column == low if high is None else and_(column >= low, column < high)


# A skip scan: the next distinct indexed word after the previous one, one index seek each.
EXPAND_SQL = text(
    """
    WITH RECURSIVE w(token, n) AS (
        SELECT (SELECT s.token FROM tender_search_token s
                WHERE s.token >= :low AND s.token < :high ORDER BY s.token LIMIT 1), 1
        UNION ALL
        SELECT (SELECT s.token FROM tender_search_token s
                WHERE s.token > w.token AND s.token < :high ORDER BY s.token LIMIT 1), w.n + 1
        FROM w WHERE w.token IS NOT NULL AND w.n <= :cap
    )
    SELECT token FROM w WHERE token IS NOT NULL
    """
)


def expand(term: str) -> list[str]:
    """The indexed words ``term`` matches, at most `EXPAND_CAP` + 1 of them."""
    low, high = _bounds(term)
    if high is None:
        found = db.session.scalar(
            select(SearchToken.token).where(SearchToken.token == low).limit(1)
        )
        return [found] if found else []
    rows = db.session.execute(EXPAND_SQL, {'low': low, 'high': high, 'cap': EXPAND_CAP})
    return [row.token for row in rows]


def _rarity(tokens, cap=None) -> int:
    """How many index rows the words have, counted up to ``cap`` (default `RARITY_CAP`)."""
    return _capped_count(select(literal(1)).where(SearchToken.token.in_(tokens)), cap)


def _capped_count(rows, cap) -> int:
    rows = rows.limit(cap or RARITY_CAP).subquery()
    return db.session.scalar(select(func.count()).select_from(rows))


@dataclass
class Plan:
    """How a search runs: ``driver`` are the words whose index rows are walked in list order
    (None: walk the tender list), ``probes`` the query words every row must also match."""

    driver: list[str] | None
    probes: list[str]
    empty: bool = False
    by_stage: bool = False  # the stage filter's rows drive, every word is a probe


def plan(terms, stage='', now=None) -> Plan:
    expansions = {term: expand(term) for term in terms}
    if any(not found for found in expansions.values()):
        return Plan(None, [], empty=True)  # a word nobody uses: nothing matches every word
    narrow = [t for t in terms if len(expansions[t]) <= EXPAND_CAP]
    if not narrow:
        return Plan(None, list(terms), by_stage=bool(stage))
    if len(narrow) == 1 and not stage:
        return Plan(expansions[narrow[0]], [t for t in terms if t != narrow[0]])
    rarity = {t: _rarity(expansions[t]) for t in narrow}
    rarest = min(narrow, key=rarity.get)
    if stage and _stage_is_rarer(stage, now, expansions[rarest], rarity[rarest]):
        return Plan(None, list(terms), by_stage=True)
    return Plan(expansions[rarest], [t for t in terms if t != rarest])


def _stage_is_rarer(stage, now, tokens, rarity) -> bool:
    """Fewer tenders are in ``stage`` now than the words have index rows (both counted up to
    `RARITY_CAP`, and again up to `TIE_CAP` when both reach it)."""
    size = _stage_size(stage, now)
    if size >= RARITY_CAP <= rarity:
        size, rarity = _stage_size(stage, now, TIE_CAP), _rarity(tokens, TIE_CAP)
    return size < rarity


def _stage_size(stage, now, cap=None) -> int:
    """How many tenders are in ``stage`` now, counted up to ``cap`` (default `RARITY_CAP`)."""
    return sum(
        _capped_count(select(literal(1)).where(*_in_window(model, stage, now)), cap)
        for model in (StageWindow, StageHold)
    )


def _in_window(model, stage, now):
    """The ``model`` (`StageWindow` or `StageHold` itself, not an alias) row says: in
    ``stage`` at ``now``."""
    where = [model.stage == stage, model.starts_at <= now]
    if model is StageWindow:
        where.append(model.ends_at > now)
    return where


def _in_stage(tender_id, stage, now):
    """The tender is in ``stage`` now: a probe of its window or its hold (primary keys)."""
    return or_(
        *(
            _probe(model.tender_id == tender_id, *_in_window(model, stage, now))
            for model in (StageWindow, StageHold)
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


def _agency_id(query):
    if not query.agency:
        return None
    return db.session.scalar(select(Agency.id).where(Agency.code == query.agency)) or 0


def _opaque(column):
    """The column's value in a form no index matches (`x + 0`, `x || ''`): a filter that must
    be checked on the rows walked in list order, never turned by the planner into a range scan
    that then sorts every match (both planners did, for an HPS range or a fiscal year)."""
    if isinstance(column.type, String):
        return column.concat('')
    return column + 0


# Sorted newest, these indexes still walk in list order: (agency, published) on the tender
# list and on the stage holds, (word, year, published) in the search index.
OPEN_WHEN_NEWEST = {Tender: 'agency_id', SearchToken: 'fiscal_year', StageHold: 'agency_id'}


def _filters(source, query: Query, agency_id):
    """The filters on ``source`` (`Tender`, `SearchToken`, `StageWindow`, `StageHold`: the same
    column names), the stage apart. Only the sort column stays open to index ranges, and,
    sorted newest, the column of `OPEN_WHEN_NEWEST`."""
    sort_column = _order(query.sort)[0].key
    open_ = {sort_column}
    if query.sort == 'newest' and source in OPEN_WHEN_NEWEST:
        open_.add(OPEN_WHEN_NEWEST[source])

    def col(name):
        column = getattr(source, name)
        return column if name in open_ else _opaque(column)

    where = []
    if query.category:
        where.append(col('category') == query.category)
    if agency_id is not None:
        where.append(col('agency_id') == agency_id)
    if query.year:
        where.append(col('fiscal_year') == query.year)
    if query.hps_min is not None:
        where.append(col('hps') >= query.hps_min)
    if query.hps_max is not None:
        where.append(col('hps') <= query.hps_max)
    return where


def _probe(*where):
    """Whether some row satisfies ``where``, checked per walked row: a correlated scalar subquery,
    which PostgreSQL never turns into a join (an EXISTS it would: a hash semi join reading
    every match of both words before the first row comes out)."""
    return select(literal(1)).where(*where).limit(1).scalar_subquery().is_not(None)


def _probes(tender_id, terms):
    """Each term matches a word of the tender: a range on the primary key (tender, word)."""
    found = []
    for term in terms:
        other = aliased(SearchToken)
        found.append(_probe(other.tender_id == tender_id, _matches(other.token, term)))
    return found


def _keyset(column, id_column, cursor, forward_is_less):
    value, tender_id = cursor
    # Written so the (…, column, id) index serves it as a range on both databases.
    if forward_is_less:
        return and_(column <= value, or_(column < value, id_column < tender_id))
    return and_(column >= value, or_(column > value, id_column > tender_id))


def _ordered(column, id_column, reverse):
    return (column.desc(), id_column.desc()) if reverse else (column.asc(), id_column.asc())


def _driven(found: Plan, where, sort, cursor, reverse, limit):
    """(id, key) of the first ``limit`` matches in list order, walking the driver's index rows:
    per word, the (word, sort key, id) index in order, stopping after ``limit`` survivors."""
    column = getattr(SearchToken, _order(sort)[0].key)
    conditions = [*where, *_probes(SearchToken.tender_id, found.probes)]
    if cursor is not None:
        conditions.append(_keyset(column, SearchToken.tender_id, cursor, reverse))
    order = _ordered(column, SearchToken.tender_id, reverse)

    def walk(token):
        return (
            select(SearchToken.tender_id.label('id'), column.label('key'))
            .where(SearchToken.token == token, *conditions)
            .order_by(*order)
            .limit(limit)
        )

    if len(found.driver) == 1:
        return walk(found.driver[0])
    # Several words of one prefix: the first `limit` of each, merged; a tender with two of
    # them counts once.
    merged = union_all(*(select(walk(t).subquery()) for t in found.driver)).subquery()
    return (
        select(merged.c.id, merged.c.key)
        .distinct()
        .order_by(*_ordered(merged.c.key, merged.c.id, reverse))
        .limit(limit)
    )


def _walked(found: Plan, where, sort, cursor, reverse, limit):
    """(id, key) of the first ``limit`` matches walking the tender list in order (no search,
    or only common words: probes per tender)."""
    column, _descending = _order(sort)
    conditions = [
        Tender.published_at.is_not(None),
        Tender.superseded.is_(False),
        *where,
        *_probes(Tender.id, found.probes),
    ]
    if cursor is not None:
        conditions.append(_keyset(column, Tender.id, cursor, reverse))
    return (
        select(Tender.id.label('id'), column.label('key'))
        .where(*conditions)
        .order_by(*_ordered(column, Tender.id, reverse))
        .limit(limit)
    )


def _staged(found: Plan, query, agency_id, now, cursor, reverse, limit):
    """(id, key) of the first ``limit`` tenders in the stage, in list order: those whose
    window of the stage contains now (the index range of tenders not past the stage yet,
    sorted) merged with those holding the stage (walked in list order), each filtered on the
    columns its rows carry and probed for the words."""
    key = _order(query.sort)[0].key
    parts = []
    for model in (StageWindow, StageHold):
        column = getattr(model, key)
        conditions = [
            *_in_window(model, query.stage, now),
            *_filters(model, query, agency_id),
            *_probes(model.tender_id, found.probes),
        ]
        if cursor is not None:
            conditions.append(_keyset(column, model.tender_id, cursor, reverse))
        part = (
            select(model.tender_id.label('id'), column.label('key'))
            .where(*conditions)
            .order_by(*_ordered(column, model.tender_id, reverse))
            .limit(limit)
        )
        parts.append(select(part.subquery()))
    merged = union_all(*parts).subquery()  # a tender is in one stage: no duplicates
    return (
        select(merged.c.id, merged.c.key)
        .order_by(*_ordered(merged.c.key, merged.c.id, reverse))
        .limit(limit)
    )


def _statement(found, query, agency_id, now, cursor, reverse, limit):
    if found.by_stage:
        return _staged(found, query, agency_id, now, cursor, reverse, limit)
    if found.driver is not None:
        where = _filters(SearchToken, query, agency_id)
        if query.stage:
            where.append(_in_stage(SearchToken.tender_id, query.stage, now))
        return _driven(found, where, query.sort, cursor, reverse, limit)
    where = _filters(Tender, query, agency_id)
    return _walked(found, where, query.sort, cursor, reverse, limit)


# The listing transaction's planner settings on PostgreSQL (SET LOCAL ends with it). Short
# index walks over a hot working set: starting parallel workers costs more than it saves (30 ms
# vs 3 ms measured); with the default random_page_cost (4, for spinning disks) the planner
# prefers scanning to fetching a page of rows by key; and every page here is meant to come out
# of an index already in list order — a plan that gathers all matches to sort them is the one
# that grows with the table (the planner picked it for a filter combination whose selectivity
# it underestimates: 4 ms at 10,000, 76 ms at 100,000), so sorting is priced out. A sort that
# remains (of the few tenders inside a stage window) then carries that price in its cost, which
# would have PostgreSQL compile the query to machine code (JIT, 60 ms) for a 1 ms run: no JIT.
PG_SETTINGS = (
    'SET LOCAL max_parallel_workers_per_gather = 0',
    'SET LOCAL random_page_cost = 1.1',
    'SET LOCAL enable_sort = off',
    'SET LOCAL jit = off',
)
# Only for the listing's own statements: loading the page's tenders (their schedule, members,
# BoQ ordered by position) sorts a few rows, and without a sort walks a whole index instead.
PG_AFTER = ('SET LOCAL enable_sort = on',)


def run(query: Query, now, *, page_size=PAGE_SIZE, count=True) -> Page:
    """One keyset page of the list and (capped) how many tenders match."""
    postgres = db.session.get_bind().dialect.name == 'postgresql'
    if postgres:
        for setting in PG_SETTINGS:
            db.session.execute(text(setting))
    terms = sorted(words(query.q))[:MAX_TERMS]
    found = plan(terms, query.stage, now) if terms else Plan(None, [], by_stage=bool(query.stage))
    if found.empty:
        _planner_defaults(postgres)
        return Page([], None, None, 0, False)
    column, descending = _order(query.sort)
    cursor = _decode(query.before, query.sort) if query.before else None
    backwards = cursor is not None
    if not backwards and query.after:
        cursor = _decode(query.after, query.sort)
    reverse = descending != backwards
    agency_id = _agency_id(query)
    stmt = _statement(found, query, agency_id, now, cursor, reverse, page_size + 1)
    ids_ = [row.id for row in db.session.execute(stmt)]
    more = len(ids_) > page_size
    ids_ = ids_[:page_size]
    if backwards:
        ids_.reverse()
    total, capped = _count(found, query, agency_id, now) if count else (0, False)
    _planner_defaults(postgres)
    by_id = {
        t.id: t
        for t in db.session.scalars(
            select(Tender).where(Tender.id.in_(ids_)).options(selectinload(Tender.schedule_rows))
        )
    }
    rows = [by_id[i] for i in ids_]
    has_next = more if not backwards else True
    has_prev = (cursor is not None) if not backwards else more
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


def _planner_defaults(postgres):
    if postgres:
        for setting in PG_AFTER:
            db.session.execute(text(setting))


def _count(found, query, agency_id, now):
    """How many match, up to `COUNT_CAP` (then "more than"): the page's own walk, unordered,
    stopping after `COUNT_CAP` + 1 rows (per driver word; merged words count once)."""
    inner = _statement(found, query, agency_id, now, None, True, COUNT_CAP + 1)
    inner = inner.order_by(None).subquery()
    total = db.session.scalar(select(func.count()).select_from(inner))
    return min(total, COUNT_CAP), total > COUNT_CAP
