"""RFC 9162 (Certificate Transparency v2) Merkle tree: hashes, proofs and their verification.

Hashing follows RFC 9162 section 2.1.1 with SHA-256: the empty tree is SHA-256(""), a leaf is
SHA-256(0x00 || data), a node SHA-256(0x01 || left || right), and the tree of n leaves splits at
the largest power of two below n. Leaves enter as leaf hashes (32 bytes): the caller decides what
a leaf's data is and hashes it with `leaf_hash`.

Two ways in:

- Reference functions over a list of leaf hashes (`root_hash`, `inclusion_path`,
  `consistency_path`), written as the RFC's recursive definitions. O(n) work per call; they are
  the yardstick the tests hold the tree to and fit a verifier that holds a whole export.
- `MerkleTree`, the incremental tree a log keeps: `append` costs O(1) hashes amortised, and the
  root of and proofs for any earlier size cost O(log n), read from stored complete subtrees.

Verification (`verify_inclusion`, `verify_consistency`) is the algorithm of RFC 9162 sections
2.1.3.2 and 2.1.4.2, independent of the generators; both return a bool and never raise on bad
input, so a verifier can feed them whatever a server sent.

Why our own module and not `pymerkle` (7.0.0 on PyPI): pymerkle is GPL-3.0-or-later (this project
is Apache-2.0), pins `cachetools` exactly, is untyped and says of itself that it "requires security
audit"; its proofs carry their own serialisation (rule and subset bits) rather than RFC 9162's
bare list of hashes, and it rebuilds a subtree hash from its leaves on a cache miss (O(n) for a
cold proof). The RFC algorithms are about a hundred lines; checked here against the published
RFC 6962 test vectors, they cost less to own than the dependency.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence

__all__ = [
    "EMPTY_ROOT", "HASH_SIZE", "MerkleTree", "consistency_path", "inclusion_path", "leaf_hash",
    "node_hash", "root_hash", "verify_consistency", "verify_inclusion",
]

HASH_SIZE = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()
_LEAF_PREFIX = b"\x00"
_NODE_PREFIX = b"\x01"


def leaf_hash(data: bytes) -> bytes:
    """MTH({d}) = SHA-256(0x00 || d): the hash of one entry's bytes."""
    return hashlib.sha256(_LEAF_PREFIX + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """SHA-256(0x01 || left || right): an interior node."""
    return hashlib.sha256(_NODE_PREFIX + left + right).digest()


def _split(n: int) -> int:
    """The largest power of two smaller than n (n >= 2): RFC 9162's k."""
    return 1 << ((n - 1).bit_length() - 1)


# --- reference definitions over a list of leaf hashes (RFC 9162 2.1.1, 2.1.3.1, 2.1.4.1) ---

def root_hash(leaf_hashes: Sequence[bytes]) -> bytes:
    """MTH(D[n]) for the tree whose leaves have these hashes."""
    n = len(leaf_hashes)
    if n == 0:
        return EMPTY_ROOT
    if n == 1:
        return bytes(leaf_hashes[0])
    k = _split(n)
    return node_hash(root_hash(leaf_hashes[:k]), root_hash(leaf_hashes[k:]))


def inclusion_path(leaf_hashes: Sequence[bytes], index: int) -> list[bytes]:
    """PATH(m, D[n]): the audit path of leaf `index` in the tree of all `leaf_hashes`."""
    n = len(leaf_hashes)
    if not 0 <= index < n:
        raise ValueError(f"leaf index {index} is outside a tree of size {n}")
    if n == 1:
        return []
    k = _split(n)
    if index < k:
        return inclusion_path(leaf_hashes[:k], index) + [root_hash(leaf_hashes[k:])]
    return inclusion_path(leaf_hashes[k:], index - k) + [root_hash(leaf_hashes[:k])]


def consistency_path(leaf_hashes: Sequence[bytes], old_size: int) -> list[bytes]:
    """PROOF(m, D[n]) with m = old_size, n = len(leaf_hashes); empty when m is 0 or n."""
    n = len(leaf_hashes)
    if not 0 <= old_size <= n:
        raise ValueError(f"old size {old_size} is outside 0..{n}")
    if old_size in (0, n):
        return []
    return _subproof(leaf_hashes, old_size, True)


def _subproof(leaves: Sequence[bytes], m: int, whole: bool) -> list[bytes]:
    n = len(leaves)
    if m == n:
        return [] if whole else [root_hash(leaves)]
    k = _split(n)
    if m <= k:
        return _subproof(leaves[:k], m, whole) + [root_hash(leaves[k:])]
    return _subproof(leaves[k:], m - k, False) + [root_hash(leaves[:k])]


# --- verification (RFC 9162 2.1.3.2 and 2.1.4.2) ---

def _is_hash(value: object) -> bool:
    return isinstance(value, bytes | bytearray) and len(value) == HASH_SIZE


def verify_inclusion(
    leaf: bytes, index: int, tree_size: int, path: Sequence[bytes], root: bytes
) -> bool:
    """Whether `path` proves that `leaf` (a leaf hash) is leaf `index` of the tree `root` of
    `tree_size` leaves."""
    if not (0 <= index < tree_size and _is_hash(leaf) and _is_hash(root)):
        return False
    fn, sn, r = index, tree_size - 1, bytes(leaf)
    for p in path:
        if sn == 0 or not _is_hash(p):
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while fn and not fn & 1:
                fn >>= 1
                sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == root


def verify_consistency(
    old_size: int, new_size: int, old_root: bytes, new_root: bytes, path: Sequence[bytes]
) -> bool:
    """Whether `path` proves that the tree `old_root` of `old_size` leaves is a prefix of the tree
    `new_root` of `new_size` leaves.

    Outside the RFC's 0 < old_size < new_size: equal sizes need an empty path and equal roots;
    an old size of 0 (the empty tree, a prefix of every tree) needs an empty path.
    """
    if not (0 <= old_size <= new_size and _is_hash(old_root) and _is_hash(new_root)):
        return False
    if old_size == 0:
        return not path
    if old_size == new_size:
        return not path and old_root == new_root
    if not path or not all(_is_hash(p) for p in path):
        return False
    nodes = list(path)
    if old_size & (old_size - 1) == 0:  # a power of two: the old root is itself a node
        nodes.insert(0, bytes(old_root))
    fn, sn = old_size - 1, new_size - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = nodes[0]
    for c in nodes[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            while fn and not fn & 1:
                fn >>= 1
                sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    return fr == old_root and sr == new_root and sn == 0


# --- the incremental tree ---

class MerkleTree:
    """An append-only RFC 9162 tree that answers for its current size and every earlier one.

    Level h holds, packed in one bytearray, the hash of every complete subtree of 2**h leaves
    that exists so far (level 0 the leaf hashes): about 2n hashes, 64 bytes a leaf. Appending
    adds a leaf and the complete subtrees it closes (one node hash amortised). The hash of any
    range the RFC recursion asks for is either one stored node or, at the right edge of a tree
    of size n, a fold of at most log2(n) stored nodes, so roots and proofs cost O(log n).
    """

    __slots__ = ("_levels", "_size")

    def __init__(self, leaf_hashes: Iterable[bytes] = ()) -> None:
        self._levels: list[bytearray] = [bytearray()]
        self._size = 0
        for leaf in leaf_hashes:
            self.append(leaf)

    @property
    def size(self) -> int:
        return self._size

    def __len__(self) -> int:
        return self._size

    @property
    def nbytes(self) -> int:
        """Bytes of hashes held (about 64 a leaf)."""
        return sum(len(level) for level in self._levels)

    def append(self, leaf: bytes) -> int:
        """Add a leaf hash (see `leaf_hash`); return its index."""
        if len(leaf) != HASH_SIZE:
            raise ValueError(f"a leaf hash is {HASH_SIZE} bytes, not {len(leaf)}")
        index = self._size
        levels = self._levels
        levels[0] += leaf
        self._size = count = index + 1
        height = 0
        # A new complete subtree of height h+1 closes while the count is even at height h.
        while count & 1 == 0:
            # the last two nodes of this level, left then right, are the new node's children
            pair = levels[height][-2 * HASH_SIZE:]
            height += 1
            if height == len(levels):
                levels.append(bytearray())
            levels[height] += hashlib.sha256(_NODE_PREFIX + pair).digest()
            count >>= 1
        return index

    def leaf(self, index: int) -> bytes:
        """The leaf hash at `index`."""
        if not 0 <= index < self._size:
            raise IndexError(f"leaf index {index} is outside a tree of size {self._size}")
        return self._node(0, index)

    def root(self, size: int | None = None) -> bytes:
        """MTH of the first `size` leaves (default: all)."""
        n = self._check_size(size)
        return self._range(0, n) if n else EMPTY_ROOT

    def inclusion_proof(self, index: int, size: int | None = None) -> list[bytes]:
        """PATH(index, D[size]) (default size: the current one)."""
        n = self._check_size(size)
        if not 0 <= index < n:
            raise ValueError(f"leaf index {index} is outside a tree of size {n}")
        path: list[bytes] = []
        start = 0
        # Walk down from the root; the sibling of each step is appended, then reversed so the
        # path runs leaf to root as the RFC writes it.
        while n - start > 1:
            k = _split(n - start)
            if index < start + k:
                path.append(self._range(start + k, n))
                n = start + k
            else:
                path.append(self._range(start, start + k))
                start += k
        path.reverse()
        return path

    def consistency_proof(self, old_size: int, new_size: int | None = None) -> list[bytes]:
        """PROOF(old_size, D[new_size]) (default new size: the current one)."""
        n = self._check_size(new_size)
        if not 0 <= old_size <= n:
            raise ValueError(f"old size {old_size} is outside 0..{n}")
        if old_size in (0, n):
            return []
        path: list[bytes] = []
        start, m, whole = 0, old_size, True
        while True:
            if m == n - start:
                if not whole:
                    path.append(self._range(start, n))
                break
            k = _split(n - start)
            if m <= k:
                path.append(self._range(start + k, n))
                n = start + k
            else:
                path.append(self._range(start, start + k))
                start, m, whole = start + k, m - k, False
        path.reverse()
        return path

    def _check_size(self, size: int | None) -> int:
        if size is None:
            return self._size
        if not 0 <= size <= self._size:
            raise ValueError(f"size {size} is outside 0..{self._size}")
        return size

    def _node(self, height: int, position: int) -> bytes:
        offset = position * HASH_SIZE
        return bytes(self._levels[height][offset:offset + HASH_SIZE])

    def _range(self, start: int, end: int) -> bytes:
        """MTH(D[start:end]) for a range the RFC recursion produces: `start` is a multiple of a
        power of two at least end - start, so the range splits into complete subtrees whose
        sizes are the binary digits of end - start, largest first."""
        width = end - start
        if width & (width - 1) == 0:
            height = width.bit_length() - 1
            return self._node(height, start >> height)
        nodes: list[bytes] = []
        while width:
            height = width.bit_length() - 1
            nodes.append(self._node(height, start >> height))
            start += 1 << height
            width -= 1 << height
        result = nodes[-1]
        for node in reversed(nodes[:-1]):
            result = node_hash(node, result)
        return result
