"""The audit log as an RFC 9162 Merkle tree (ARCHITECTURE §5): leaves, stored subtrees, proofs.

Leaf i is audit event seq i + 1: SHA-256(0x00 ‖ canonical JSON of the fields its chain hash
covers). Each append stores the leaf and every perfect subtree it completes in
`audit_tree_node` (2n − popcount(n) rows for n leaves), and keeps the tree's right edge — the
perfect subtrees covering leaves [0, n), largest first — in the head row, so an append reads
nothing it did not already lock. Any root, inclusion or consistency proof is then O(log n)
lookups of stored subtrees, fetched in one query.
"""

import base64

from sqlalchemy import BigInteger, LargeBinary, SmallInteger, select, tuple_
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


def edge_nodes(size: int, edge: bytes) -> list[tuple[int, int, bytes]]:
    """(level, index, hash) of the perfect subtrees covering leaves [0, size), largest first,
    from the head's `frontier` (their hashes concatenated in that order)."""
    levels = [level for level in range(size.bit_length() - 1, -1, -1) if size >> level & 1]
    if len(edge) != HASH_SIZE * len(levels):
        raise ValueError(f'the stored right edge does not fit a tree of {size} leaves')
    nodes, start = [], 0
    for position, level in enumerate(levels):
        nodes.append(
            (level, start >> level, edge[position * HASH_SIZE : (position + 1) * HASH_SIZE])
        )
        start += 1 << level
    return nodes


def append(size: int, edge: bytes, leaf: bytes) -> tuple[list[tuple[int, int, bytes]], bytes]:
    """Append leaf number `size`: the rows to store and the new right edge."""
    known = {(level, index): value for level, index, value in edge_nodes(size, edge)}
    rows = list(merkle.completed_subtrees(size, leaf, lambda level, index: known[level, index]))
    top_level = rows[-1][0]
    kept = [value for level, _, value in edge_nodes(size, edge) if level > top_level]
    return rows, b''.join([*kept, rows[-1][2]])


def root_of(size: int, edge: bytes) -> bytes:
    """MTH of the first `size` leaves from the right edge (the empty tree's root for none)."""
    hashes = [value for _, _, value in edge_nodes(size, edge)]
    if not hashes:
        return merkle.empty_root()
    value = hashes[-1]
    for left in reversed(hashes[:-1]):
        value = merkle.node_hash(left, value)
    return value


def store(rows) -> None:
    db.session.execute(
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
    rows = db.session.execute(
        select(AuditTreeNode.level, AuditTreeNode.idx, AuditTreeNode.hash).where(
            tuple_(AuditTreeNode.level, AuditTreeNode.idx).in_(set(wanted))
        )
    ).all()
    found = {(row.level, row.idx): bytes(row.hash) for row in rows}
    missing = set(wanted) - found.keys()
    if missing:
        raise LookupError(f'the Merkle tree is missing stored subtrees {sorted(missing)[:3]}')
    return compute(lambda level, index: found[level, index])


def tree_root(size: int) -> bytes:
    if size == 0:
        return merkle.empty_root()
    return _with_stored_subtrees(lambda subtree: merkle.tree_hash(size, subtree))


def stored_leaf(index: int) -> bytes | None:
    value = db.session.scalar(
        select(AuditTreeNode.hash).where(AuditTreeNode.level == 0, AuditTreeNode.idx == index)
    )
    return None if value is None else bytes(value)


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
