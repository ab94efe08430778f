"""The domain: parties, declarations, conflicts, notices, tracks. Values only, no I/O."""

from .conflicts import Advice, Conflict, LateNotice, VolumeOverlap
from .declarations import Declaration, DeclarationKind, OperationState, Party
from .notices import Notice, NoticeReason, NoticeState
from .tracks import Nonconformance, NonconformanceReason, TrackState

__all__ = [
    "Advice", "Conflict", "Declaration", "DeclarationKind", "LateNotice", "Nonconformance",
    "NonconformanceReason", "Notice", "NoticeReason", "NoticeState", "OperationState", "Party",
    "TrackState", "VolumeOverlap",
]
