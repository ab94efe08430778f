"""Append-only, hash-chained audit log (pure part: hashing and verification).

Modules: `chain` (the hash chain), `merkle` (the RFC 9162 transparency-log tree and its proofs),
`canonical` (RFC 8785 canonical JSON), `signing` (Ed25519 party keys and request signatures,
signed tree heads, receipts, purpose commitments). Import the last three from their modules.
"""

from .chain import GENESIS_HASH, LedgerEntry, Verification, canonical_json, next_entry, verify_chain

__all__ = ["GENESIS_HASH", "LedgerEntry", "Verification", "canonical_json", "next_entry", "verify_chain"]
