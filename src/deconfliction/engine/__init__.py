"""Pure decisions: no I/O, no clock of their own, no globals.

strategic/  conflicts between declarations, priority, advice, the notice rule
hotline/    notices, read-back acknowledgements, escalation, need-to-know disclosure
f3548/      the ASTM F3548-21 registry's rules: OVNs and keys, subscriptions, availability
tactical/   live tracks: loss-of-separation prediction, conformance monitoring
ledger/     the hash chain of the audit log
"""
