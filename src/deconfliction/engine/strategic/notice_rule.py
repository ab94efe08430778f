"""The minimum-notice rule: an operation must be declared `min_notice_s` before it starts.

A warning under a minute before a strike, with no area given, is a known and deadly failure of
real hotlines; this rule makes such a declaration visible to everyone it affects. It applies to
every version: a change made at the last minute is itself late notice of the changed volumes.
"""

from __future__ import annotations

from ...model import Declaration, LateNotice


def late_notice(declaration: Declaration, min_notice_s: float) -> LateNotice | None:
    if not declaration.is_operation or min_notice_s <= 0:
        return None
    notice_s = declaration.start_s - declaration.declared_at_s
    if notice_s >= min_notice_s:
        return None
    return LateNotice(declaration.id, declaration.version, notice_s, min_notice_s)
