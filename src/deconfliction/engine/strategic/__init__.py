"""Strategic deconfliction: conflicts between declared volumes, priority, advice, notice rule."""

from .advice import advise, earliest_delay_s, nearest_altitude_shift_m, yielding_side
from .conflicts import DeclarationSet, can_conflict, conflict_between
from .notice_rule import late_notice

__all__ = [
    "DeclarationSet", "advise", "can_conflict", "conflict_between", "earliest_delay_s", "late_notice",
    "nearest_altitude_shift_m", "yielding_side",
]
