"""Client-side pacing from Zenodo's rate-limit headers, shared by every thread of one session.

Zenodo sends ``X-RateLimit-Limit``, ``X-RateLimit-Remaining`` and ``X-RateLimit-Reset`` (absolute
epoch seconds) on every response (zenodo-api.md §3). While plenty of budget remains, requests go
out at full speed. Once the remaining budget is low, the time to the reset is divided by what is
left, and request starts are spaced by that interval, so a sync normally never sees a 429. The
limiter counts requests as they start, so parallel upload threads do not all spend the last slot.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass


def _header_int(headers: Mapping[str, str], name: str) -> int | None:
    value = headers.get(name)
    if value is None:
        return None
    try:
        return int(float(value.strip()))
    except ValueError:
        return None


@dataclass
class _Budget:
    limit: int | None
    remaining: int
    reset: float


class RatePacer:
    """Decides how long to wait before the next request starts.

    ``low_water`` is the fraction of the limit below which pacing starts (at least
    ``min_low_water`` requests). ``clock`` returns epoch seconds; it is injectable for tests.
    """

    def __init__(
        self,
        clock: Callable[[], float],
        *,
        low_water: float = 0.2,
        min_low_water: int = 5,
    ) -> None:
        self._clock = clock
        self._low_water = low_water
        self._min_low_water = min_low_water
        self._lock = threading.Lock()
        self._budget: _Budget | None = None
        self._next_start = 0.0

    def _threshold(self, limit: int | None) -> int:
        if limit is None:
            return self._min_low_water
        return max(self._min_low_water, math.ceil(limit * self._low_water))

    def reserve(self) -> float:
        """Seconds to wait before starting a request; counts the request against the budget."""
        with self._lock:
            now = self._clock()
            budget = self._budget
            if budget is None or budget.reset <= now:
                # No information, or the window has reset: nothing is known to be scarce.
                self._budget = None
                return 0.0
            if budget.remaining <= 0:
                # Spent: the next slot opens at the reset. Later requests queue behind it.
                start = max(budget.reset, self._next_start)
                self._next_start = start + self._spacing(budget, start)
                return start - now
            if budget.remaining > self._threshold(budget.limit):
                budget.remaining -= 1
                return 0.0
            interval = (budget.reset - now) / budget.remaining
            start = max(now, self._next_start)
            self._next_start = start + interval
            budget.remaining -= 1
            return start - now

    def _spacing(self, budget: _Budget, start: float) -> float:
        # After a reset the window refills; without a fresh header, assume a modest pace.
        limit = budget.limit or 60
        return 60.0 / limit

    def observe(self, headers: Mapping[str, str]) -> None:
        """Learn the budget from a response's headers."""
        remaining = _header_int(headers, "X-RateLimit-Remaining")
        reset = _header_int(headers, "X-RateLimit-Reset")
        if remaining is None or reset is None:
            return
        limit = _header_int(headers, "X-RateLimit-Limit")
        with self._lock:
            known = self._budget
            if known is not None and reset < known.reset:
                # An answer that overtook a newer one: its numbers are stale.
                return
            if known is not None and reset == known.reset:
                known.remaining = min(known.remaining, remaining)
                known.limit = limit if limit is not None else known.limit
                return
            self._budget = _Budget(limit=limit, remaining=max(remaining, 0), reset=float(reset))

    def penalise(self, until: float) -> None:
        """A 429 arrived: no request may start before ``until`` (epoch seconds)."""
        with self._lock:
            self._next_start = max(self._next_start, until)
            if self._budget is not None:
                self._budget.remaining = 0
                self._budget.reset = max(self._budget.reset, until)
            else:
                self._budget = _Budget(limit=None, remaining=0, reset=until)
