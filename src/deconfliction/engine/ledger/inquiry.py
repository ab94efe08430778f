"""What an inquiry checks in an exported ledger, with no access to the server: the hash chain,
every signed request against the key its party registered (and, when the parties hand their
keys to the inquiry, that the logged key is theirs), and every receipt or tree head the parties
kept against the transparency log the export rebuilds (a rewritten, truncated or forked log
cannot match a head the operator signed earlier).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from ...errors import InvalidInput, Unauthenticated
from .chain import LedgerEntry, verify_chain
from .merkle import MerkleTree, leaf_hash, verify_inclusion
from .signing import Receipt, RequestSignature, SignedTreeHead, encode_public_key, load_public_key, verify_request


@dataclass(frozen=True, slots=True)
class Finding:
    what: str  # "chain", "signature", "party key", "receipt", "tree head"
    where: str  # the entry, file or party it concerns
    problem: str


@dataclass(frozen=True, slots=True)
class InquiryReport:
    entries: int
    signatures_checked: int
    heads_checked: int
    findings: tuple[Finding, ...] = field(default=())

    @property
    def ok(self) -> bool:
        return not self.findings


def ledger_leaf(entry_hash_hex: str) -> bytes:
    """The transparency log's leaf for an entry: the leaf hash of its chain hash (hex), which
    already commits to every field of the entry and to its predecessor."""
    return leaf_hash(bytes.fromhex(entry_hash_hex))


def leaf_of(entry: LedgerEntry) -> bytes:
    return ledger_leaf(entry.hash)


def examine(entries: Sequence[LedgerEntry], *, heads: Iterable[tuple[str, SignedTreeHead | Receipt]] = (),
            log_key: Ed25519PublicKey | None = None, party_keys: Mapping[str, Ed25519PublicKey] | None = None
            ) -> InquiryReport:
    """Check an exported ledger. `heads`: (where it came from, a receipt or a signed tree head a
    party kept); `log_key`: the server's log key, to check their signatures; `party_keys`: keys
    the parties gave the inquiry themselves."""
    findings: list[Finding] = []
    chain = verify_chain(entries)
    if not chain.ok:
        findings.append(Finding("chain", f"entry {chain.first_bad_seq}", chain.reason))

    registered: dict[str, Ed25519PublicKey] = {}
    signatures = 0
    for entry in entries:
        if entry.kind == "party_key_registered":
            try:
                registered[entry.actor] = load_public_key(str(entry.payload.get("public_key", "")))
            except InvalidInput as error:
                findings.append(Finding("party key", f"entry {entry.seq}", error.message))
        elif entry.kind == "signed_request":
            signatures += 1
            key = registered.get(entry.actor)
            p = entry.payload
            if key is None:
                findings.append(Finding("signature", f"entry {entry.seq}", f"no key registered for {entry.actor} before it"))
                continue
            try:
                verify_request(RequestSignature.from_json(p.get("signature")), key, party=entry.actor,
                               method=str(p.get("method")), path=str(p.get("path")), body=p.get("body"),
                               now_s=float(p.get("signed_at_s", 0.0)))
            except (Unauthenticated, InvalidInput) as error:
                findings.append(Finding("signature", f"entry {entry.seq}", error.message))
    for party, given in (party_keys or {}).items():
        logged = registered.get(party)
        if logged is None or encode_public_key(logged) != encode_public_key(given):
            findings.append(Finding("party key", party, "the key the log holds for this party is not the one it gave"))

    tree = MerkleTree(leaf_of(e) for e in entries)
    checked = 0
    for where, held in heads:
        checked += 1
        head = held.tree_head if isinstance(held, Receipt) else held
        if log_key is not None and not head.verify(log_key):
            findings.append(Finding("tree head", where, "its signature does not verify with the log key"))
            continue
        if head.tree_size > tree.size:
            findings.append(Finding("tree head", where, f"signed for {head.tree_size} entries; the export holds "
                                                        f"{tree.size} (entries removed)"))
            continue
        if tree.root(head.tree_size) != head.root_hash:
            findings.append(Finding("tree head", where, f"the export's first {head.tree_size} entries are not the "
                                                        "ones this head was signed for (rewritten or forked)"))
            continue
        if isinstance(held, Receipt):
            index = held.leaf_index
            included = 0 <= index < head.tree_size and verify_inclusion(
                leaf_of(entries[index]), index, head.tree_size, held.inclusion_path, head.root_hash)
            if not included:
                findings.append(Finding("receipt", where, f"entry {index + 1} is not where the receipt says"))
    return InquiryReport(len(entries), signatures, checked, tuple(findings))
