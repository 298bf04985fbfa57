"""Moving-window rate limiting with flask-limiter's headers (zenodo-api.md §3).

The caller picks the key (``app._rate_limit``): by default a token's requests share one window
wherever they come from, so shards of a collection on several runners share one budget as they
must assume on Zenodo (zenodo-api.md §3 leaves open whether production keys by User-Agent + IP,
flask-limiter's default, which ``rate_limit_key: useragent_ip`` reproduces). A refused request
does not count against the window, as in the ``limits`` library. Time comes from the injectable
clock.
"""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass

from zenodo_publish.emulator.config import Clock, RateLimit


@dataclass(frozen=True)
class Decision:
    allowed: bool
    limit: RateLimit
    remaining: int
    reset: float  # epoch seconds when the oldest counted hit leaves the window

    def headers(self, now: float) -> dict[str, str]:
        # flask-limiter adds one second to the window's reset time and truncates both values.
        reset_in = 1 + int(self.reset)
        return {
            "X-RateLimit-Limit": str(self.limit.amount),
            "X-RateLimit-Remaining": str(self.remaining),
            "X-RateLimit-Reset": str(reset_in),
            "Retry-After": str(max(0, int(reset_in - now))),
        }


class RateLimiter:
    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self._lock = threading.Lock()
        self._hits: dict[str, deque[float]] = {}

    def reset(self) -> None:
        with self._lock:
            self._hits.clear()

    def hit(self, key: str, limits: tuple[RateLimit, ...]) -> Decision | None:
        """Count one request for ``key``; None when no limits apply."""
        if not limits:
            return None
        now = self.clock.now()
        with self._lock:
            hits = self._hits.setdefault(key, deque())
            longest = max(limit.window for limit in limits)
            while hits and hits[0] <= now - longest:
                hits.popleft()
            counts = [self._count(hits, now, limit) for limit in limits]
            for limit, (count, oldest) in zip(limits, counts, strict=True):
                if count >= limit.amount:
                    return Decision(False, limit, 0, oldest + limit.window)
            hits.append(now)
            # Without a breach the headers describe the limit with the smallest window.
            index = min(range(len(limits)), key=lambda i: limits[i].window)
            limit = limits[index]
            count, oldest = self._count(hits, now, limit)
            return Decision(True, limit, max(0, limit.amount - count), oldest + limit.window)

    @staticmethod
    def _count(hits: deque[float], now: float, limit: RateLimit) -> tuple[int, float]:
        """(hits inside ``limit``'s window, time of the oldest of them or now)."""
        count = 0
        oldest = now
        for ts in reversed(hits):
            if ts <= now - limit.window:
                break
            count += 1
            oldest = ts
        return count, oldest
