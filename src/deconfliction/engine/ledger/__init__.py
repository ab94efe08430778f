"""Append-only, hash-chained audit log (pure part: hashing and verification)."""

from .chain import GENESIS_HASH, LedgerEntry, Verification, canonical_json, next_entry, verify_chain

__all__ = ["GENESIS_HASH", "LedgerEntry", "Verification", "canonical_json", "next_entry", "verify_chain"]
