"""Injectable clocks: the same code runs live (SystemClock) and in fast time (ManualClock)."""

from __future__ import annotations

import time
from typing import Protocol


class Clock(Protocol):
    def now_s(self) -> float: ...


class SystemClock:
    def now_s(self) -> float:
        return time.time()


class ManualClock:
    """A clock that moves only when told to; it never goes backwards."""

    def __init__(self, start_s: float) -> None:
        self._now_s = start_s

    def now_s(self) -> float:
        return self._now_s

    def set(self, now_s: float) -> None:
        self._now_s = max(self._now_s, now_s)

    def advance(self, seconds: float) -> None:
        self._now_s += max(0.0, seconds)
