"""RFC 9162 (Certificate Transparency v2; the RFC 6962 tree) Merkle trees over leaf hashes.

Hashes are raw 32-byte digests here; callers convert to hex at the edges. ``Frontier`` grows a
tree one leaf at a time, keeping only the roots of its perfect subtrees (O(log n) state and
amortised O(1) hashing per append); the proof functions follow RFC 9162 section 2.1.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

EMPTY_ROOT = hashlib.sha256(b"").digest()


def hash_leaf(leaf: bytes) -> bytes:
    """SHA-256(0x00 || leaf)."""
    return hashlib.sha256(b"\x00" + leaf).digest()


def hash_children(left: bytes, right: bytes) -> bytes:
    """SHA-256(0x01 || left || right)."""
    return hashlib.sha256(b"\x01" + left + right).digest()


def _split(n: int) -> int:
    """The largest power of two smaller than ``n`` (n >= 2)."""
    return 1 << ((n - 1).bit_length() - 1)


class Frontier:
    """An append-only Merkle tree kept as the roots of its perfect subtrees, largest first."""

    def __init__(self, nodes: Sequence[tuple[int, bytes]] = ()) -> None:
        self.nodes: list[tuple[int, bytes]] = list(nodes)

    @property
    def size(self) -> int:
        return sum(count for count, _ in self.nodes)

    def append(self, leaf_hash: bytes) -> None:
        self.nodes.append((1, leaf_hash))
        while len(self.nodes) > 1 and self.nodes[-1][0] == self.nodes[-2][0]:
            (count, right), (_, left) = self.nodes.pop(), self.nodes.pop()
            self.nodes.append((2 * count, hash_children(left, right)))

    def root(self) -> bytes:
        if not self.nodes:
            return EMPTY_ROOT
        digest = self.nodes[-1][1]
        for _, left in reversed(self.nodes[:-1]):
            digest = hash_children(left, digest)
        return digest

    def copy(self) -> Frontier:
        return Frontier(self.nodes)

    def to_json(self) -> list[list[object]]:
        return [[count, digest.hex()] for count, digest in self.nodes]

    @classmethod
    def from_json(cls, nodes: Sequence[Sequence[object]]) -> Frontier:
        return cls([(int(str(count)), bytes.fromhex(str(digest))) for count, digest in nodes])


def root(leaves: Sequence[bytes]) -> bytes:
    """MTH(D[n]) of the given leaf hashes, level by level: pairing neighbours and carrying an
    odd last node up a level builds exactly RFC 9162's tree (split at the largest power of
    two), with the hashing in tight loops."""
    if not leaves:
        return EMPTY_ROOT
    return _root_above(list(leaves))


def root_of_hex(leaves: Sequence[str]) -> bytes:
    """``root`` of leaf hashes in hex, as events carry them. They are decoded in one go, and
    the lowest level is hashed straight from 64-byte slices of that (each pair of leaves
    as it lies): the audit takes the root of every stream, and this is a fifth faster."""
    count = len(leaves)
    if count < 2:
        return bytes.fromhex(leaves[0]) if leaves else EMPTY_ROOT
    joined = bytes.fromhex("".join(leaves))
    if len(joined) != 32 * count:  # not all SHA-256 digests (a tampered row): one by one
        return root([bytes.fromhex(leaf) for leaf in leaves])
    paired = count // 2 * 64
    sha256 = hashlib.sha256
    level = [sha256(b"\x01" + joined[i : i + 64]).digest() for i in range(0, paired, 64)]
    if count % 2:
        level.append(joined[paired:])
    return _root_above(level)


def _root_above(level: list[bytes]) -> bytes:
    """The root over a level of nodes, pairing neighbours level by level."""
    sha256 = hashlib.sha256
    while len(level) > 1:
        paired = [
            sha256(b"\x01" + a + b).digest() for a, b in zip(level[::2], level[1::2], strict=False)
        ]
        if len(level) % 2:
            paired.append(level[-1])
        level = paired
    return level[0]


def inclusion_path(index: int, leaves: Sequence[bytes]) -> list[bytes]:
    """PATH(m, D[n]): the audit path of leaf ``index`` (0-based) in the tree of ``leaves``."""
    if not 0 <= index < len(leaves):
        raise ValueError(f"leaf index {index} is outside a tree of {len(leaves)}")
    if len(leaves) == 1:
        return []
    k = _split(len(leaves))
    if index < k:
        return [*inclusion_path(index, leaves[:k]), root(leaves[k:])]
    return [*inclusion_path(index - k, leaves[k:]), root(leaves[:k])]


def consistency_path(old_size: int, leaves: Sequence[bytes]) -> list[bytes]:
    """PROOF(m, D[n]): proves the tree of the first ``old_size`` leaves is a prefix of this one."""
    if not 0 <= old_size <= len(leaves):
        raise ValueError(f"old size {old_size} is outside a tree of {len(leaves)}")
    if old_size in (0, len(leaves)):
        return []
    return _subproof(old_size, leaves, True)


def _subproof(m: int, leaves: Sequence[bytes], whole: bool) -> list[bytes]:
    n = len(leaves)
    if m == n:
        return [] if whole else [root(leaves)]
    k = _split(n)
    if m <= k:
        return [*_subproof(m, leaves[:k], whole), root(leaves[k:])]
    return [*_subproof(m - k, leaves[k:], False), root(leaves[:k])]


def verify_inclusion(
    leaf_hash: bytes, index: int, size: int, path: Sequence[bytes], expected_root: bytes
) -> bool:
    """RFC 9162 2.1.3.2: does ``path`` prove leaf ``index`` of a tree of ``size`` under the root?"""
    if not 0 <= index < size:
        return False
    fn, sn, digest = index, size - 1, leaf_hash
    for sibling in path:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            digest = hash_children(sibling, digest)
            while not fn & 1 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            digest = hash_children(digest, sibling)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and digest == expected_root


def verify_consistency(
    old_size: int, new_size: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]
) -> bool:
    """RFC 9162 2.1.4.2: does ``proof`` show the ``old_size`` tree is a prefix of ``new_size``?"""
    if not 0 <= old_size <= new_size:
        return False
    if old_size == new_size:
        return not proof and old_root == new_root
    if old_size == 0:
        return not proof
    path = list(proof)
    if old_size & (old_size - 1) == 0:  # an exact power of two: its root starts the path
        path.insert(0, old_root)
    if not path:
        return False
    fn, sn = old_size - 1, new_size - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    first = second = path[0]
    for node in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            first = hash_children(node, first)
            second = hash_children(node, second)
            while not fn & 1 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            second = hash_children(second, node)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and first == old_root and second == new_root
