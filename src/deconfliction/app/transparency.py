"""The transparency log over the ledger: an RFC 9162 Merkle tree whose leaves are the ledger's
entries, with tree heads signed by this service's log key.

A leaf is `leaf_hash(entry hash)`: an entry's chain hash already commits to every field of the
entry and to its predecessor, so hashing it again as the leaf makes the tree commit to the whole
ledger; leaf index = seq - 1. Each write over /v1 is answered with a receipt for its last entry
(leaf index, inclusion path, signed tree head), and any party can ask for the proof that a later
head extends an earlier one (`consistency`). A party that keeps the heads it was shown catches a
rewritten or truncated log, or a fork shown to it alone, whatever the operator does to its own
database: the operator cannot sign a head consistent with both histories. The CLI keeps them with
`--receipts DIR`; the map console keeps them in the browser and checks them there
(`console/js/logwatch.js`, `console/js/transparency.js`).
"""

from __future__ import annotations

import time
from collections.abc import Iterable

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ..engine.ledger.inquiry import ledger_leaf
from ..engine.ledger.merkle import MerkleTree
from ..engine.ledger.signing import Receipt, SignedTreeHead, encode_public_key, key_id, sign_tree_head
from ..errors import InvalidInput

__all__ = ["TransparencyLog", "ledger_leaf"]


class TransparencyLog:
    def __init__(self, key: Ed25519PrivateKey, entry_hashes: Iterable[str] = ()) -> None:
        self.key = key
        self.public_key = key.public_key()
        self.kid = key_id(self.public_key)
        self.tree = MerkleTree(ledger_leaf(h) for h in entry_hashes)
        self._head: SignedTreeHead | None = None  # signed once per size: every receipt of a batch shares it

    @property
    def size(self) -> int:
        return self.tree.size

    def appended(self, entries: Iterable[tuple[int, str]]) -> None:
        """Entries (seq, hash) just committed, in order (those already read from the store are skipped)."""
        for seq, entry_hash in entries:
            if seq <= self.tree.size:
                continue
            if seq != self.tree.size + 1:
                raise RuntimeError(f"ledger entry {seq} committed where {self.tree.size + 1} was expected")
            self.tree.append(ledger_leaf(entry_hash))

    def extend(self, entry_hashes: Iterable[str]) -> None:
        """The hashes of the entries after the tree's size, in order (read from the store: in a pool,
        other servers append to the one ledger too)."""
        for entry_hash in entry_hashes:
            self.tree.append(ledger_leaf(entry_hash))

    def head(self) -> SignedTreeHead:
        head = self._head
        if head is None or head.tree_size != self.tree.size:
            head = self._head = sign_tree_head(self.key, tree_size=self.tree.size, root_hash=self.tree.root(),
                                               timestamp_ms=int(time.time() * 1000), kid=self.kid)
        return head

    def receipt(self, seq: int) -> Receipt:
        """Entry `seq` is in the tree the current signed head commits to."""
        head = self.head()
        return Receipt(seq - 1, tuple(self.tree.inclusion_proof(seq - 1, head.tree_size)), head)

    def consistency(self, old_size: int, new_size: int) -> list[bytes]:
        if not 0 <= old_size <= new_size:
            raise InvalidInput("from", f"from ({old_size}) must be between 0 and to ({new_size})")
        if new_size > self.tree.size:
            raise InvalidInput("to", f"the log holds {self.tree.size} entries, not {new_size}")
        return self.tree.consistency_proof(old_size, new_size)

    def key_json(self) -> dict[str, str]:
        return {"alg": "Ed25519", "kid": self.kid, "public_key": encode_public_key(self.public_key)}
