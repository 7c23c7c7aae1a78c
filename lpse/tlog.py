"""The audit log as an RFC 9162 Merkle tree (ARCHITECTURE §5): leaves, stored subtrees, proofs.

Leaf i is audit event seq i + 1: SHA-256(0x00 ‖ canonical JSON of the fields its chain hash
covers). Each append stores every perfect subtree of at least 2**BLOCK_LEVEL leaves it
completes in `audit_tree_node` (about n/4 rows for n leaves), and keeps the tree's right edge —
the perfect subtrees covering leaves [0, n), largest first — in the head row, so an append reads
nothing it did not already lock. Any root, inclusion or consistency proof is then O(log n)
lookups of stored subtrees, fetched in one query, plus at most a few blocks of eight events
hashed again for the subtrees below the stored level.
"""

import base64
from datetime import datetime

from sqlalchemy import BigInteger, LargeBinary, SmallInteger, and_, or_, select
from sqlalchemy.orm import Mapped, mapped_column

from lpse.crypto import merkle
from lpse.crypto.canonical import canonical_json
from lpse.extensions import db

HASH_SIZE = 32


class AuditTreeNode(db.Model):
    """The hash of the perfect subtree of 2**level leaves starting at leaf idx·2**level."""

    __tablename__ = 'audit_tree_node'

    level: Mapped[int] = mapped_column(SmallInteger, primary_key=True, autoincrement=False)
    idx: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    hash: Mapped[bytes] = mapped_column(LargeBinary(HASH_SIZE))


def leaf_hash(fields: dict) -> bytes:
    """The leaf of one event: its chain-hashed fields (`audit.canonical_fields`) as canonical
    JSON, UTF-8."""
    return merkle.leaf_hash(canonical_json(fields).encode('utf-8'))


# --- the right edge ----------------------------------------------------------------------------


BLOCK_LEVEL = 3  # subtrees below 2**3 leaves are not stored: they are hashed from their events


def edge_nodes(size: int, frontier: bytes) -> list[tuple[int, int, bytes]]:
    """(level, index, hash) of the perfect subtrees covering leaves [0, size), largest first,
    from the head's `frontier` (their hashes concatenated in that order)."""
    levels = [level for level in range(size.bit_length() - 1, -1, -1) if size >> level & 1]
    _check_edge(size, frontier)
    nodes, start = [], 0
    for position, level in enumerate(levels):
        nodes.append(
            (level, start >> level, frontier[position * HASH_SIZE : (position + 1) * HASH_SIZE])
        )
        start += 1 << level
    return nodes


def _check_edge(size: int, frontier: bytes) -> int:
    count = size.bit_count()
    if len(frontier) < HASH_SIZE * count:
        raise ValueError(f'the stored right edge does not fit a tree of {size} leaves')
    return count


def append(size: int, frontier: bytes, leaf: bytes) -> tuple[list[tuple[int, int, bytes]], bytes]:
    """Append leaf number `size`: the rows to store now and the new right edge.

    The new leaf merges with the edge's smallest subtrees — one per trailing one bit of `size`,
    the last hashes of the frontier — so an append hashes and slices, and reads nothing. Only
    subtrees of 2**BLOCK_LEVEL leaves or more are stored: seven appends in eight write no tree
    row, and a block's smaller subtrees are hashed from its (at most eight) events when a proof
    needs them. (Bytes after the edge, left by an older layout, are dropped on the next append.)"""
    count = _check_edge(size, frontier)

    def smallest(level, _index):  # the edge's subtree of 2**level leaves: the last ones
        return frontier[(count - 1 - level) * HASH_SIZE : (count - level) * HASH_SIZE]

    rows = list(merkle.completed_subtrees(size, leaf, smallest))
    top_level, _, top = rows[-1]
    edge = frontier[: (count - top_level) * HASH_SIZE] + top
    return [row for row in rows if row[0] >= BLOCK_LEVEL], edge


def root_of(size: int, frontier: bytes) -> bytes:
    """MTH of the first `size` leaves from the right edge (the empty tree's root for none)."""
    hashes = [value for _, _, value in edge_nodes(size, frontier)]
    if not hashes:
        return merkle.empty_root()
    value = hashes[-1]
    for left in reversed(hashes[:-1]):
        value = merkle.node_hash(left, value)
    return value


def store(rows) -> None:
    """Insert the rows on the session's connection (Core: an append is on every write path)."""
    if not rows:
        return
    db.session.connection().execute(
        AuditTreeNode.__table__.insert(),
        [{'level': level, 'idx': index, 'hash': value} for level, index, value in rows],
    )


# --- proofs from stored subtrees ----------------------------------------------------------------


class TreeTooSmall(ValueError):
    """A proof was asked for leaves or sizes the log does not have (yet)."""


def _with_stored_subtrees(compute):
    """Run `compute(subtree)` twice: once to learn which subtrees it reads (the algorithms'
    lookups do not depend on the hashes), then on those subtrees fetched in one query — the
    stored ones from `audit_tree_node`, the smaller ones hashed from their events."""
    wanted = []

    def record(level, index):
        wanted.append((level, index))
        return b'\0' * HASH_SIZE

    compute(record)
    if not wanted:
        return compute(record)
    by_level: dict[int, set[int]] = {}
    for level, index in wanted:
        by_level.setdefault(level, set()).add(index)
    found = _small_subtrees({k: v for k, v in by_level.items() if k < BLOCK_LEVEL})
    stored = {k: sorted(v) for k, v in by_level.items() if k >= BLOCK_LEVEL}
    node = AuditTreeNode.__table__.c
    for part in _batches([(lv, i) for lv, ix in stored.items() for i in ix]):
        levels: dict[int, list[int]] = {}
        for level, index in part:
            levels.setdefault(level, []).append(index)
        rows = db.session.connection().execute(  # one index range per level, not a scan
            select(node.level, node.idx, node.hash).where(
                or_(*(and_(node.level == lv, node.idx.in_(ix)) for lv, ix in levels.items()))
            )
        )
        found.update({(row.level, row.idx): bytes(row.hash) for row in rows})
    missing = set(wanted) - found.keys()
    if missing:
        raise LookupError(f'the Merkle tree is missing subtrees {sorted(missing)[:3]}')
    return compute(lambda level, index: found[level, index])


QUERY_BATCH = 500  # lookups per query: many proofs at once stay within a statement's limits


def _batches(items: list) -> list[list]:
    return [items[n : n + QUERY_BATCH] for n in range(0, len(items), QUERY_BATCH)]


def _small_subtrees(by_level: dict[int, set[int]]) -> dict:
    """The subtrees below the stored level, hashed from the leaves of their events (read only
    where they are: the proofs of scattered leaves do not read the log between them)."""
    spans = {(lv, i): (i << lv, (i + 1) << lv) for lv, ix in by_level.items() for i in ix}
    if not spans:
        return {}
    hashes = _leaves_in(sorted(spans.values()))
    found = {}
    for key, (start, end) in spans.items():
        if all(i in hashes for i in range(start, end)):
            found[key] = merkle.root([hashes[i] for i in range(start, end)])
    return found


FIELDS = ('seq', 'occurred_at', 'actor_id', 'actor_ip', 'action', 'object_type', 'object_id')
FIELDS += ('payload',)


def canonical_fields(event) -> dict:
    """The fields of an event that its chain hash and its leaf cover, as plain JSON values."""
    get = event.get if isinstance(event, dict) else lambda k: getattr(event, k)
    fields = {name: get(name) for name in FIELDS}
    if isinstance(fields['occurred_at'], datetime):
        fields['occurred_at'] = fields['occurred_at'].strftime('%Y-%m-%dT%H:%M:%S.%fZ')
    return fields


def leaves(start: int, end: int) -> dict[int, bytes]:
    """The leaf hashes of indexes [start, end), hashed from events seq start+1 … end (a leaf is
    its event: an event altered in place no longer proves its inclusion)."""
    table = db.metadata.tables['audit_event']  # audit.AuditEvent (audit imports this module)
    columns = [table.c[name] for name in FIELDS]
    rows = db.session.connection().execute(
        select(*columns).where(table.c.seq > start, table.c.seq <= end).order_by(table.c.seq)
    )
    return {row.seq - 1: leaf_hash(canonical_fields(row)) for row in rows}


def _leaves_in(spans: list[tuple[int, int]]) -> dict[int, bytes]:
    """The leaf hashes of the indexes in the sorted `spans` [start, end), adjacent or
    overlapping ones read as one range."""
    merged: list[list[int]] = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    table = db.metadata.tables['audit_event']
    columns = [table.c[name] for name in FIELDS]
    found = {}
    for part in _batches(merged):
        where = or_(*(and_(table.c.seq > a, table.c.seq <= b) for a, b in part))
        rows = db.session.connection().execute(select(*columns).where(where))
        found.update({row.seq - 1: leaf_hash(canonical_fields(row)) for row in rows})
    return found


def tree_root(size: int) -> bytes:
    if size == 0:
        return merkle.empty_root()
    return _with_stored_subtrees(lambda subtree: merkle.tree_hash(size, subtree))


def stored_leaf(index: int) -> bytes | None:
    return leaves(index, index + 1).get(index)


def inclusion_proof(index: int, size: int, log_size: int) -> list[bytes]:
    if not 0 <= index < size <= log_size:
        raise TreeTooSmall(
            f'index {index} is not a leaf of a tree of {size} (the log has {log_size})'
        )
    return _with_stored_subtrees(lambda subtree: merkle.inclusion_proof(index, size, subtree))


def inclusion_proofs(indexes: list[int], size: int, log_size: int) -> list[list[bytes]]:
    """`inclusion_proof` of each of `indexes` in the tree of `size`, from one fetch of the
    subtrees they need (a tender's events share most of theirs)."""
    for index in indexes:
        if not 0 <= index < size <= log_size:
            raise TreeTooSmall(
                f'index {index} is not a leaf of a tree of {size} (the log has {log_size})'
            )
    if not indexes:
        return []
    return _with_stored_subtrees(
        lambda subtree: [merkle.inclusion_proof(i, size, subtree) for i in indexes]
    )


def consistency_proof(old_size: int, new_size: int, log_size: int) -> list[bytes]:
    if not 0 < old_size <= new_size <= log_size:
        raise TreeTooSmall(
            f'no consistency proof from {old_size} to {new_size} (the log has {log_size})'
        )
    return _with_stored_subtrees(
        lambda subtree: merkle.consistency_proof(old_size, new_size, subtree)
    )


def b64(value: bytes) -> str:
    return base64.b64encode(value).decode('ascii')
