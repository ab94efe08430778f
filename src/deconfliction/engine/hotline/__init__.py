"""Notifications, read-back acknowledgements, deadlines and escalation (pure)."""

from .disclosure import conflict_extents, disclosed_extent
from .engine import (
    acknowledge,
    conflict_notices,
    escalate_due,
    late_notice_notices,
    nonconformance_notices,
    notice_id,
    superseded_by,
)

__all__ = ["acknowledge", "conflict_extents", "conflict_notices", "disclosed_extent", "escalate_due", "late_notice_notices", "nonconformance_notices", "notice_id", "superseded_by"]
