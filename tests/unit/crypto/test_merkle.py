"""RFC 9162 Merkle trees from stored complete subtrees, against the RFC's own recursion."""

import base64
import functools
import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lpse.crypto import merkle
from lpse.crypto.errors import ProofError

MAX = 70
LEAVES = [merkle.leaf_hash(b'leaf %d' % i) for i in range(MAX)]
VECTORS = json.loads(
    (Path(__file__).parent / 'vectors' / 'transparency_dev_merkle.json').read_text()
)


# The RFC 6962 §2.1 definitions, transcribed as they read: recursion over slices.
@functools.cache
def mth(start: int, end: int) -> bytes:
    if end - start == 1:
        return LEAVES[start]
    k = merkle.split_point(end - start)
    return merkle.node_hash(mth(start, start + k), mth(start + k, end))


def path(m: int, start: int, end: int) -> list[bytes]:
    if end - start == 1:
        return []
    k = merkle.split_point(end - start)
    if m < k:
        return [*path(m, start, start + k), mth(start + k, end)]
    return [*path(m - k, start + k, end), mth(start, start + k)]


def subproof(m: int, start: int, end: int, whole: bool) -> list[bytes]:
    if m == end - start:
        return [] if whole else [mth(start, end)]
    k = merkle.split_point(end - start)
    if m <= k:
        return [*subproof(m, start, start + k, whole), mth(start + k, end)]
    return [*subproof(m - k, start + k, end, False), mth(start, start + k)]


class Store:
    """A subtree table filled by completed_subtrees, counting lookups."""

    def __init__(self, leaves):
        self.rows, self.lookups = {}, 0
        for n, leaf in enumerate(leaves):
            for level, index, value in merkle.completed_subtrees(n, leaf, self.rows_get):
                assert (level, index) not in self.rows
                self.rows[level, index] = value

    def rows_get(self, level: int, index: int) -> bytes:
        return self.rows[level, index]

    def __call__(self, level: int, index: int) -> bytes:
        self.lookups += 1
        return self.rows[level, index]


@pytest.fixture(scope='module')
def store():
    return Store(LEAVES)


def log2_ceil(n: int) -> int:
    return (n - 1).bit_length()


def test_hashes_match_rfc6962_reference_values():
    """The transparency-dev/merkle rfc6962_test.go vectors."""
    assert merkle.empty_root().hex() == (
        'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'
    )
    assert merkle.leaf_hash(b'').hex() == (
        '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d'
    )
    assert merkle.leaf_hash(b'L123456').hex() == (
        '395aa064aa4c29f7010acfe3f25db9485bbd4b91897b6ad7ad547639252b4d56'
    )
    assert merkle.node_hash(b'N123', b'N456').hex() == (
        'aa217fe888e47007fa15edab33c2b492a722cb106c64667fc2b044444de66bbb'
    )


def test_each_append_stores_the_subtrees_it_completes(store):
    """2n − popcount(n) rows for n leaves; each row is the MTH of its leaves."""
    assert len(store.rows) == 2 * MAX - MAX.bit_count()
    for (level, index), value in store.rows.items():
        assert value == mth(index << level, (index + 1) << level)


@pytest.mark.parametrize('size', range(MAX + 1))
def test_tree_hash_is_the_rfc_root(store, size):
    expected = mth(0, size) if size else merkle.empty_root()
    assert merkle.root(LEAVES[:size]) == expected
    store.lookups = 0
    assert merkle.tree_hash(size, store) == expected
    assert store.lookups == size.bit_count()


@pytest.mark.parametrize('size', range(1, MAX + 1))
def test_inclusion_proofs_are_the_rfc_path_and_verify(store, size):
    for index in range(size):
        store.lookups = 0
        proof = merkle.inclusion_proof(index, size, store)
        assert proof == path(index, 0, size)
        assert store.lookups <= 2 * log2_ceil(size)
        merkle.verify_inclusion(LEAVES[index], index, size, proof, mth(0, size))


@pytest.mark.parametrize('new', range(1, MAX + 1))
def test_consistency_proofs_are_the_rfc_proof_and_verify(store, new):
    for old in range(1, new + 1):
        store.lookups = 0
        proof = merkle.consistency_proof(old, new, store)
        assert proof == (subproof(old, 0, new, True) if old < new else [])
        assert store.lookups <= 2 * log2_ceil(new) + 1
        merkle.verify_consistency(old, new, mth(0, old), mth(0, new), proof)


def flip(value: bytes) -> bytes:
    return bytes([value[0] ^ 1]) + value[1:]


def tampered(proof: list[bytes]):
    """Every proof one edit away: each hash altered, one dropped, one added, order reversed."""
    for i in range(len(proof)):
        yield [*proof[:i], flip(proof[i]), *proof[i + 1 :]]
        yield proof[:i] + proof[i + 1 :]
    yield [*proof, LEAVES[0]]
    yield [LEAVES[0], *proof]
    if len(set(proof)) > 1:
        yield proof[::-1]


@pytest.mark.parametrize('size', range(1, MAX + 1, 3))
def test_altered_inclusion_claims_are_refused(store, size):
    """Any edit of the proof, leaf, index or root is refused. (The tree size is bound by the
    signed checkpoint that carries the root, not by the proof: a proof often fits a neighbouring
    size too.)"""
    good_root = mth(0, size)
    for index in range(size):
        proof = merkle.inclusion_proof(index, size, store)
        for bad in tampered(proof):
            with pytest.raises(ProofError):
                merkle.verify_inclusion(LEAVES[index], index, size, bad, good_root)
        wrong_claims = [
            (flip(LEAVES[index]), index, size, good_root),
            (LEAVES[index], index, size, flip(good_root)),
            (LEAVES[index], index + 1, size, good_root),
            (LEAVES[index], index ^ 1, size, good_root),
        ]
        for leaf, claimed_index, claimed_size, claimed_root in wrong_claims:
            with pytest.raises(ProofError):
                merkle.verify_inclusion(leaf, claimed_index, claimed_size, proof, claimed_root)


@pytest.mark.parametrize('new', range(2, MAX + 1, 3))
def test_altered_consistency_claims_are_refused(store, new):
    """Any edit of the proof, either root or the old size is refused (the new size, like an
    inclusion proof's, is bound by the checkpoint carrying the new root)."""
    for old in range(1, new):
        proof = merkle.consistency_proof(old, new, store)
        old_root, new_root = mth(0, old), mth(0, new)
        for bad in tampered(proof):
            with pytest.raises(ProofError):
                merkle.verify_consistency(old, new, old_root, new_root, bad)
        for claim in [
            (old, new, flip(old_root), new_root),
            (old, new, old_root, flip(new_root)),
            (old + 1, new, old_root, new_root),
            (new, old, new_root, old_root),
        ]:
            with pytest.raises(ProofError):
                merkle.verify_consistency(*claim, proof)


@pytest.mark.parametrize(
    ('claim', 'reason'),
    [
        ((LEAVES[0], 0, 0, [], LEAVES[0]), 'cannot be in a tree of size 0'),
        ((LEAVES[0], -1, 4, [], LEAVES[0]), 'cannot be in a tree of size 4'),
        ((b'short', 0, 1, [], b'short'), '32-byte'),
        ((LEAVES[0], 0, 2, ['not bytes'], LEAVES[0]), '32-byte'),
    ],
)
def test_malformed_inclusion_claims_say_why(claim, reason):
    with pytest.raises(ProofError, match=reason):
        merkle.verify_inclusion(*claim)


@pytest.mark.parametrize(
    ('claim', 'reason'),
    [
        ((0, 0, merkle.empty_root(), merkle.empty_root(), []), 'from size 0'),
        ((0, 3, merkle.empty_root(), LEAVES[0], []), 'from size 0'),
        ((3, 2, LEAVES[0], LEAVES[0], []), 'from size 3 to size 2'),
        ((2, 2, LEAVES[0], LEAVES[1], []), 'two different roots'),
        ((2, 2, LEAVES[0], LEAVES[0], [LEAVES[0]]), 'need an empty'),
        ((2, 3, LEAVES[0], LEAVES[1], []), 'is empty'),
    ],
)
def test_malformed_consistency_claims_say_why(claim, reason):
    with pytest.raises(ProofError, match=reason):
        merkle.verify_consistency(*claim)


@pytest.mark.parametrize(
    ('call', 'args'),
    [
        (merkle.inclusion_proof, (3, 3)),
        (merkle.inclusion_proof, (-1, 3)),
        (merkle.consistency_proof, (0, 3)),
        (merkle.consistency_proof, (4, 3)),
        (merkle.range_hash, (1, 3)),
        (merkle.range_hash, (2, 2)),
        (merkle.tree_hash, (-1,)),
    ],
)
def test_impossible_proof_requests_are_programming_errors(store, call, args):
    with pytest.raises(ValueError):
        call(*args, store)


def b64(value: str | None) -> bytes:
    return base64.b64decode(value or '')


# transparency-dev/merkle accepts equal sizes with equal roots of any length; we insist on
# 32-byte hashes everywhere, so that one probe is refused here.
STRICTER = {'consistency/additional/sizes-are-equal-one-and-proof-is-empty.json'}


@pytest.mark.parametrize('probe', VECTORS['inclusion'], ids=lambda p: p['file'])
def test_transparency_dev_inclusion_probes(probe):
    args = (
        b64(probe['leafHash']),
        probe['leafIdx'],
        probe['treeSize'],
        [b64(h) for h in probe['proof']],
        b64(probe['root']),
    )
    if probe['wantErr']:
        with pytest.raises(ProofError):
            merkle.verify_inclusion(*args)
    else:
        merkle.verify_inclusion(*args)


@pytest.mark.parametrize('probe', VECTORS['consistency'], ids=lambda p: p['file'])
def test_transparency_dev_consistency_probes(probe):
    args = (
        probe['size1'],
        probe['size2'],
        b64(probe['root1']),
        b64(probe['root2']),
        [b64(h) for h in probe['proof']],
    )
    if probe['wantErr'] or probe['file'] in STRICTER:
        with pytest.raises(ProofError):
            merkle.verify_consistency(*args)
    else:
        merkle.verify_consistency(*args)


@settings(max_examples=50, deadline=None)
@given(
    leaves=st.lists(st.binary(max_size=8), min_size=1, max_size=300),
    data=st.data(),
)
def test_any_log_proves_its_own_history(leaves, data):
    hashes = [merkle.leaf_hash(leaf) for leaf in leaves]
    store = Store(hashes)
    size = len(hashes)
    index = data.draw(st.integers(0, size - 1))
    old = data.draw(st.integers(1, size))
    root = merkle.root(hashes)
    assert merkle.tree_hash(size, store) == root
    merkle.verify_inclusion(
        hashes[index], index, size, merkle.inclusion_proof(index, size, store), root
    )
    merkle.verify_consistency(
        old, size, merkle.root(hashes[:old]), root, merkle.consistency_proof(old, size, store)
    )
