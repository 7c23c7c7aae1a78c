"""The audit log as an RFC 9162 Merkle tree (ARCHITECTURE §5): leaves, stored subtrees, proofs.

Leaf i is audit event seq i + 1: SHA-256(0x00 ‖ canonical JSON of the fields its chain hash
covers). Each append stores the leaf and every perfect subtree it completes in
`audit_tree_node` (2n − popcount(n) rows for n leaves), and keeps the tree's right edge — the
perfect subtrees covering leaves [0, n), largest first — in the head row, so an append reads
nothing it did not already lock. Any root, inclusion or consistency proof is then O(log n)
lookups of stored subtrees, fetched in one query.
"""

import base64
import struct

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


BLOCK_LEVEL = 3  # rows are stored a block of 2**3 leaves at a time
_PENDING = struct.Struct('>BQ32s')  # level, index, hash


def edge_nodes(size: int, frontier: bytes) -> list[tuple[int, int, bytes]]:
    """(level, index, hash) of the perfect subtrees covering leaves [0, size), largest first,
    from the head's `frontier` (their hashes concatenated in that order, then the pending
    rows: see `append`)."""
    levels = [level for level in range(size.bit_length() - 1, -1, -1) if size >> level & 1]
    if len(frontier) < HASH_SIZE * len(levels):
        raise ValueError(f'the stored right edge does not fit a tree of {size} leaves')
    nodes, start = [], 0
    for position, level in enumerate(levels):
        nodes.append(
            (level, start >> level, frontier[position * HASH_SIZE : (position + 1) * HASH_SIZE])
        )
        start += 1 << level
    return nodes


def pending_nodes(size: int, frontier: bytes) -> list[tuple[int, int, bytes]]:
    """The rows of the last, incomplete block of leaves: kept in the head until it completes."""
    rest = frontier[HASH_SIZE * size.bit_count() :]
    if len(rest) % _PENDING.size:
        raise ValueError('the stored pending rows are cut short')
    return [_PENDING.unpack_from(rest, i) for i in range(0, len(rest), _PENDING.size)]


def append(size: int, frontier: bytes, leaf: bytes) -> tuple[list[tuple[int, int, bytes]], bytes]:
    """Append leaf number `size`: the rows to store now and the new frontier.

    The rows of a block of 2**BLOCK_LEVEL leaves wait in the head (they are part of the row
    the append locks anyway) and are stored together when the block completes: seven appends
    in eight write no tree row at all."""
    nodes = edge_nodes(size, frontier)
    known = {(level, index): value for level, index, value in nodes}
    rows = list(merkle.completed_subtrees(size, leaf, lambda level, index: known[level, index]))
    top_level = rows[-1][0]
    kept = [value for level, _, value in nodes if level > top_level]
    edge = b''.join([*kept, rows[-1][2]])
    waiting = [*pending_nodes(size, frontier), *rows]
    if (size + 1) % (1 << BLOCK_LEVEL) == 0:
        return waiting, edge
    return [], edge + b''.join(_PENDING.pack(*row) for row in waiting)


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
    lookups do not depend on the hashes), then on those subtrees fetched in one query."""
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
    node = AuditTreeNode.__table__.c
    rows = (
        db.session.connection()
        .execute(  # one index range per level, not a scan
            select(node.level, node.idx, node.hash).where(
                or_(
                    *(
                        and_(node.level == lv, node.idx.in_(sorted(ix)))
                        for lv, ix in by_level.items()
                    )
                )
            )
        )
        .all()
    )
    found = {(row.level, row.idx): bytes(row.hash) for row in rows}
    found.update(_pending())
    missing = set(wanted) - found.keys()
    if missing:
        raise LookupError(f'the Merkle tree is missing stored subtrees {sorted(missing)[:3]}')
    return compute(lambda level, index: found[level, index])


def _pending() -> dict:
    """The rows of the log's incomplete last block, kept in the head row (see `append`)."""
    table = db.metadata.tables['audit_head']  # audit.AuditHead (audit imports this module)
    head = db.session.execute(select(table.c.seq, table.c.frontier).where(table.c.id == 1)).first()
    if head is None:
        return {}
    return {(lv, i): h for lv, i, h in pending_nodes(head.seq, bytes(head.frontier or b''))}


def leaves(start: int, end: int) -> dict[int, bytes]:
    """The leaf hashes of indexes [start, end)."""
    found = {
        idx: bytes(value)
        for idx, value in db.session.execute(
            select(AuditTreeNode.idx, AuditTreeNode.hash).where(
                AuditTreeNode.level == 0, AuditTreeNode.idx >= start, AuditTreeNode.idx < end
            )
        )
    }
    found.update({i: v for (lv, i), v in _pending().items() if lv == 0 and start <= i < end})
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
