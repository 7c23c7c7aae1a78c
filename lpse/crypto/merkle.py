"""RFC 9162 §2.1 Merkle tree hashes and proofs over stored complete subtrees.

The audit log keeps only the hashes of *complete* subtrees: ``subtree(level, index)`` is
MTH(D[index·2^level : (index+1)·2^level]), known once those 2^level leaves exist. Each append
completes at most log2(n)+1 of them (`completed_subtrees`); every root, inclusion proof and
consistency proof is then a fold of O(log n) of these lookups — the layout of the Go checksum
database (golang.org/x/mod/sumdb/tlog) and of C2SP tlog-tiles.
"""

import hashlib
from collections.abc import Callable, Iterator, Sequence

from .errors import ProofError

HASH_SIZE = 32
Subtree = Callable[[int, int], bytes]
"""``subtree(level, index)``: the stored hash of the complete subtree of 2**level leaves that
starts at leaf index·2**level."""


def leaf_hash(data: bytes) -> bytes:
    """MTH of one entry: SHA-256(0x00 ‖ data) (RFC 9162 §2.1.1)."""
    return hashlib.sha256(b'\x00' + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """An interior node: SHA-256(0x01 ‖ left ‖ right) (RFC 9162 §2.1.1)."""
    return hashlib.sha256(b'\x01' + left + right).digest()


def empty_root() -> bytes:
    """MTH of the empty list: SHA-256 of nothing (RFC 9162 §2.1.1)."""
    return hashlib.sha256(b'').digest()


def split_point(n: int) -> int:
    """The largest power of two strictly below n (n ≥ 2): where MTH splits D[n]."""
    return 1 << ((n - 1).bit_length() - 1)


def root(leaf_hashes: Sequence[bytes]) -> bytes:
    """MTH(D[n]) from the n leaf hashes, computed in memory (RFC 9162 §2.1.1)."""
    if not leaf_hashes:
        return empty_root()
    if len(leaf_hashes) == 1:
        return leaf_hashes[0]
    k = split_point(len(leaf_hashes))
    return node_hash(root(leaf_hashes[:k]), root(leaf_hashes[k:]))


def completed_subtrees(
    n_before: int, new_leaf_hash: bytes, subtree: Subtree
) -> Iterator[tuple[int, int, bytes]]:
    """The (level, index, hash) rows to store when leaf number n_before is appended: the leaf
    itself, then each subtree it completes, while the node just made is a right child."""
    level, index, value = 0, n_before, new_leaf_hash
    yield level, index, value
    while index & 1:
        value = node_hash(subtree(level, index - 1), value)
        level, index = level + 1, index >> 1
        yield level, index, value


def range_hash(start: int, end: int, subtree: Subtree) -> bytes:
    """MTH(D[start:end]) for a range the tree's recursion visits: start is a multiple of the
    smallest power of two ≥ end − start. It is the right fold of the complete subtrees that
    tile the range, largest first (one lookup per set bit of end − start)."""
    size = end - start
    if size <= 0:
        raise ValueError(f'empty or inverted range [{start}, {end})')
    if start % (1 << (size - 1).bit_length()):
        raise ValueError(f'range [{start}, {end}) is not a subtree of the Merkle tree')
    blocks = []
    while start < end:
        level = (end - start).bit_length() - 1
        blocks.append(subtree(level, start >> level))
        start += 1 << level
    value = blocks.pop()
    while blocks:
        value = node_hash(blocks.pop(), value)
    return value


def tree_hash(size: int, subtree: Subtree) -> bytes:
    """The root of the tree of the first `size` leaves (RFC 9162 §2.1.1)."""
    if size < 0:
        raise ValueError(f'negative tree size {size}')
    return range_hash(0, size, subtree) if size else empty_root()


def inclusion_proof(index: int, size: int, subtree: Subtree) -> list[bytes]:
    """PATH(index, D[size]), leaf-side first (RFC 9162 §2.1.3.1), from O(log n) lookups."""
    if not 0 <= index < size:
        raise ValueError(f'leaf {index} is not in a tree of size {size}')
    path = []
    start, end = 0, size
    while end - start > 1:
        mid = start + split_point(end - start)
        if index < mid:
            path.append(range_hash(mid, end, subtree))
            end = mid
        else:
            path.append(range_hash(start, mid, subtree))
            start = mid
    return path[::-1]


def consistency_proof(old_size: int, new_size: int, subtree: Subtree) -> list[bytes]:
    """PROOF(old_size, D[new_size]) (RFC 9162 §2.1.4.1); empty when the sizes are equal."""
    if not 0 < old_size <= new_size:
        raise ValueError(f'no consistency proof from size {old_size} to size {new_size}')
    path = []
    start, end, whole_old_tree = 0, new_size, True
    while end != old_size:
        mid = start + split_point(end - start)
        if old_size <= mid:
            path.append(range_hash(mid, end, subtree))
            end = mid
        else:
            path.append(range_hash(start, mid, subtree))
            start, whole_old_tree = mid, False
    if not whole_old_tree:
        # SUBPROOF(m, D[m], false): the verifier cannot know this subtree's hash, so we send it.
        path.append(range_hash(start, end, subtree))
    return path[::-1]


def _check_hashes(what: str, *hashes: bytes) -> None:
    for value in hashes:
        if not isinstance(value, bytes) or len(value) != HASH_SIZE:
            raise ProofError(f'{what} must be {HASH_SIZE}-byte SHA-256 hashes')


def verify_inclusion(
    leaf: bytes, index: int, size: int, proof: Sequence[bytes], root_hash: bytes
) -> None:
    """Check that `leaf` is leaf number `index` of the tree of `size` leaves whose root is
    `root_hash`, by the algorithm of RFC 9162 §2.1.3.2; raise ProofError if not."""
    if not 0 <= index < size:
        raise ProofError(f'leaf {index} cannot be in a tree of size {size}')
    _check_hashes('the leaf, the root and the proof', leaf, root_hash, *proof)
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            raise ProofError(f'the inclusion proof is longer than a tree of size {size} needs')
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while not fn & 1 and fn:
                fn, sn = fn >> 1, sn >> 1
        else:
            r = node_hash(r, p)
        fn, sn = fn >> 1, sn >> 1
    if sn != 0:
        raise ProofError(f'the inclusion proof is shorter than a tree of size {size} needs')
    if r != root_hash:
        raise ProofError(f'leaf {index} is not in the tree of size {size} with this root')


def verify_consistency(
    old_size: int, new_size: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]
) -> None:
    """Check that the tree of `new_size` leaves with root `new_root` extends the tree of
    `old_size` leaves with root `old_root`, by RFC 9162 §2.1.4.2; raise ProofError if not."""
    if not 0 < old_size <= new_size:
        raise ProofError(f'no consistency proof can go from size {old_size} to size {new_size}')
    _check_hashes('the roots and the proof', old_root, new_root, *proof)
    if old_size == new_size:
        if proof:
            raise ProofError('trees of the same size need an empty consistency proof')
        if old_root != new_root:
            raise ProofError(f'two different roots for the same tree size {old_size}')
        return
    if not proof:
        raise ProofError('the consistency proof is empty')
    path = list(proof)
    if old_size & (old_size - 1) == 0:
        path.insert(0, old_root)
    fn, sn = old_size - 1, new_size - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            raise ProofError('the consistency proof is longer than these sizes need')
        if fn & 1 or fn == sn:
            fr, sr = node_hash(c, fr), node_hash(c, sr)
            while not fn & 1 and fn:
                fn, sn = fn >> 1, sn >> 1
        else:
            sr = node_hash(sr, c)
        fn, sn = fn >> 1, sn >> 1
    if sn != 0:
        raise ProofError('the consistency proof is shorter than these sizes need')
    if fr != old_root:
        raise ProofError(f'the proof does not lead to the old root of size {old_size}')
    if sr != new_root:
        raise ProofError(f'the tree of size {new_size} does not extend the tree of size {old_size}')
