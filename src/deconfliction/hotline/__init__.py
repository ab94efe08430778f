"""Notifications, read-back acknowledgements, deadlines and escalation (pure)."""

from .engine import acknowledge, conflict_notices, escalate_due, late_notice_notices, notice_id, superseded_by

__all__ = ["acknowledge", "conflict_notices", "escalate_due", "late_notice_notices", "notice_id", "superseded_by"]
