"""The Merkle tree against the Certificate Transparency vectors, and proofs as properties."""

from __future__ import annotations

import hashlib
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ledger import merkle

from helpers import shared_vector


@pytest.fixture(scope="module")
def vectors() -> dict:  # type: ignore[type-arg]
    return json.loads(shared_vector("rfc6962.json").read_text())


def _leaves(vectors: dict) -> list[bytes]:  # type: ignore[type-arg]
    return [merkle.hash_leaf(bytes.fromhex(h)) for h in vectors["leaf_inputs_hex"]]


def test_roots_match_the_vectors(vectors: dict) -> None:  # type: ignore[type-arg]
    leaves = _leaves(vectors)
    for size, expected in vectors["roots_by_size"].items():
        assert merkle.root(leaves[: int(size)]).hex() == expected, size
        assert merkle.root_of_hex([leaf.hex() for leaf in leaves[: int(size)]]).hex() == expected


def test_incremental_frontier_matches_every_root(vectors: dict) -> None:  # type: ignore[type-arg]
    frontier = merkle.Frontier()
    assert frontier.root().hex() == vectors["roots_by_size"]["0"]
    for size, leaf in enumerate(_leaves(vectors), start=1):
        frontier.append(leaf)
        assert frontier.size == size
        assert frontier.root().hex() == vectors["roots_by_size"][str(size)]
        assert merkle.Frontier.from_json(frontier.to_json()).root() == frontier.root()


def test_inclusion_proofs_match_the_vectors(vectors: dict) -> None:  # type: ignore[type-arg]
    leaves = _leaves(vectors)
    for case in vectors["inclusion"]:
        index, size = case["leaf_index_0based"], case["tree_size"]
        path = merkle.inclusion_path(index, leaves[:size])
        assert [p.hex() for p in path] == case["path"]
        root = bytes.fromhex(vectors["roots_by_size"][str(size)])
        assert merkle.verify_inclusion(leaves[index], index, size, path, root)


def test_consistency_proofs_match_the_vectors(vectors: dict) -> None:  # type: ignore[type-arg]
    leaves = _leaves(vectors)
    for case in vectors["consistency"]:
        old, new = case["old_size"], case["new_size"]
        proof = merkle.consistency_path(old, leaves[:new])
        assert [p.hex() for p in proof] == case["proof"]
        roots = vectors["roots_by_size"]
        assert merkle.verify_consistency(
            old, new, bytes.fromhex(roots[str(old)]), bytes.fromhex(roots[str(new)]), proof
        )


def _tree(size: int) -> list[bytes]:
    return [merkle.hash_leaf(i.to_bytes(4, "big")) for i in range(size)]


def _flip(digest: bytes, byte: int) -> bytes:
    return digest[:byte] + bytes([digest[byte] ^ 1]) + digest[byte + 1 :]


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 130).flatmap(lambda n: st.tuples(st.just(n), st.integers(0, n - 1))),
       st.integers(0, 31))  # fmt: skip
def test_every_inclusion_proof_verifies_and_altered_ones_fail(case, byte) -> None:  # type: ignore[no-untyped-def]
    size, index = case
    leaves = _tree(size)
    root = merkle.root(leaves)
    path = merkle.inclusion_path(index, leaves)
    assert len(path) <= size.bit_length()
    assert merkle.verify_inclusion(leaves[index], index, size, path, root)
    assert not merkle.verify_inclusion(_flip(leaves[index], byte), index, size, path, root)
    assert not merkle.verify_inclusion(leaves[index], index, size, path, _flip(root, byte))
    for i in range(len(path)):
        altered = [*path[:i], _flip(path[i], byte), *path[i + 1 :]]
        assert not merkle.verify_inclusion(leaves[index], index, size, altered, root)
    if path:
        assert not merkle.verify_inclusion(leaves[index], index, size, path[:-1], root)
    assert not merkle.verify_inclusion(leaves[index], index, size, [*path, root], root)
    if size > 1:
        other = (index + 1) % size
        assert not merkle.verify_inclusion(leaves[index], other, size, path, root)
    assert not merkle.verify_inclusion(leaves[index], size, size, path, root)


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 130).flatmap(lambda n: st.tuples(st.integers(1, n), st.just(n))),
       st.integers(0, 31))  # fmt: skip
def test_every_consistency_proof_verifies_and_altered_ones_fail(case, byte) -> None:  # type: ignore[no-untyped-def]
    old, new = case
    leaves = _tree(new)
    old_root, new_root = merkle.root(leaves[:old]), merkle.root(leaves)
    proof = merkle.consistency_path(old, leaves)
    assert merkle.verify_consistency(old, new, old_root, new_root, proof)
    assert not merkle.verify_consistency(old, new, _flip(old_root, byte), new_root, proof)
    assert not merkle.verify_consistency(old, new, old_root, _flip(new_root, byte), proof)
    for i in range(len(proof)):
        altered = [*proof[:i], _flip(proof[i], byte), *proof[i + 1 :]]
        assert not merkle.verify_consistency(old, new, old_root, new_root, altered)
    if proof:
        assert not merkle.verify_consistency(old, new, old_root, new_root, proof[:-1])
    if old < new:
        # a rewritten history: same sizes, another prefix
        forged = [merkle.hash_leaf(b"forged"), *leaves[1:]]
        assert not merkle.verify_consistency(
            old, new, merkle.root(forged[:old]), new_root, merkle.consistency_path(old, forged)
        )
    assert not merkle.verify_consistency(new + 1, new, old_root, new_root, proof)


def test_leaf_hash_is_the_rfc_leaf_hash() -> None:
    assert merkle.hash_leaf(b"abc") == hashlib.sha256(b"\x00abc").digest()
    assert merkle.root([]) == hashlib.sha256(b"").digest()


def _recursive_root(leaves: list[bytes]) -> bytes:
    """MTH exactly as RFC 9162 2.1.1 writes it: split at the largest power of two below n."""
    if not leaves:
        return hashlib.sha256(b"").digest()
    if len(leaves) == 1:
        return leaves[0]
    k = 1 << ((len(leaves) - 1).bit_length() - 1)
    left, right = _recursive_root(leaves[:k]), _recursive_root(leaves[k:])
    return hashlib.sha256(b"\x01" + left + right).digest()


@given(st.integers(min_value=0, max_value=300))
@settings(max_examples=60, deadline=None)
def test_level_by_level_root_is_the_rfc_tree_of_any_size(n: int) -> None:
    leaves = [merkle.hash_leaf(str(i).encode()) for i in range(n)]
    frontier = merkle.Frontier()
    for leaf in leaves:
        frontier.append(leaf)
    assert merkle.root(leaves) == _recursive_root(leaves) == frontier.root()
    assert merkle.root_of_hex([leaf.hex() for leaf in leaves]) == merkle.root(leaves)


def test_root_of_hex_is_the_root_of_the_decoded_leaves_even_when_they_are_not_digests() -> None:
    """A tampered event may carry a hash of another length: the root is still that of its
    leaves as they are, not of a joined string cut in the wrong places."""
    leaves = [merkle.hash_leaf(bytes([i])).hex() for i in range(5)]
    leaves[1] = "abcd"
    assert merkle.root_of_hex(leaves) == merkle.root([bytes.fromhex(leaf) for leaf in leaves])
