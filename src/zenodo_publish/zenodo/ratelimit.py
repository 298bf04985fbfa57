"""Client-side pacing from Zenodo's rate-limit headers, shared by every thread of one session.

Zenodo (flask-limiter, moving-window strategy) sends ``X-RateLimit-Limit``,
``X-RateLimit-Remaining`` and ``X-RateLimit-Reset`` on every response (zenodo-api.md §3). In a
moving window each counted request leaves the window one window-length after it was made; the
reset header is the moment the oldest one leaves (rounded up to the next second). So:

* A response says how many requests remain *as of when the server counted it*. Requests that
  were in flight at that moment may or may not have been counted, so they are subtracted: the
  budget is ``remaining - (other requests in flight)``, and every request that starts spends one.
* Answers can overtake each other between threads. The reset time grows with the window's
  oldest request, so an answer with an earlier reset is stale and ignored; within one reset
  time the remaining count only falls, so an answer with a lower count is the newer one (its
  estimate replaces the last) and one with a higher count is older (ignored).
* When the budget is spent, nothing is known about the window but that its oldest request
  leaves at the reset. At the reset one request goes out alone (a probe); its answer tells how
  many requests have left the window meanwhile, and the others go on from there. Waiting for
  the reset (not spacing requests evenly as for a fixed window) is what a moving window needs.
* A 429 (:meth:`RatePacer.penalise`) holds every thread back until the server's retry time.

Several processes on one token (the N shards of a collection, :meth:`RatePacer.share`) see the
same window but not each other's requests, so each would take the whole remaining budget for
itself. With N clients each one spends a fair share, ``(remaining - kept) // N`` after every
answer, its own requests in flight included, where ``kept = (N - 1) * k`` and k is the number of
requests this client had out when the answer came (the answered one included, so at least 1):

* The others run the same program with the same settings, so each has about k requests out
  that the count has not seen; N clients that read one count then spend at most all of it but
  what the others still had out. With k = 1 the N - 1 kept back pay for the others' blind
  requests: a first request (sent alone, before any answer says what the others left) and a
  probe at the reset (made without knowing what freed).
* When the share is spent, each client probes at the reset, as above, so N probes meet the
  oldest request leaving and the N - 1 kept back. A probe whose answer still leaves no share
  (the window freed less than N) means the clients probe faster than the window frees: the
  client waits N seconds past the next reset before the next probe, then 2N, 4N (at most 60 s),
  so that together they probe about once a second or less, and back to the reset as soon as an
  answer leaves a share again. A moving window that frees at least one request a second (Zenodo:
  100 a minute) then pays for every probe.
* What this cannot see: a window filled in one burst frees nothing until that burst leaves it,
  and clients that started seconds apart probe in different rounds, so more blind probes can
  meet that stall than N - 1 pay for; such a probe waits out its 429 (Retry-After). The
  simulations in tests/zenodo/test_zenodo_ratelimit.py show no 429 for clients that start
  within half a second of each other (a matrix's shards started together, bench row b); in
  sweeps with starts up to a minute apart about one run in fifty met one or a few. Answers
  that take longer than 0.2 s each way are staler than what is kept back covers: in the
  simulations a few runs in a thousand with up to 0.5 s met a 429.

Use: ``wait = pacer.acquire()``; sleep ``wait`` and ask again while it is positive; 0 means
the request may start and now counts as in flight; after it, :meth:`RatePacer.release` with the
response's headers (or ``None`` when no response came).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass

#: How often a thread that waits behind a probe looks again (seconds).
PROBE_POLL = 0.05
#: The longest a client sharing the token waits past a reset between probes that found the
#: window still full (seconds).
MAX_PROBE_BACKOFF = 60.0


def _header_int(headers: Mapping[str, str], name: str) -> int | None:
    value = headers.get(name)
    if value is None:
        return None
    try:
        return int(float(value.strip()))
    except ValueError:
        return None


def _owner(owner: object | None) -> object:
    return threading.get_ident() if owner is None else owner


@dataclass
class _Window:
    limit: int | None
    #: Requests that may still start before the reset, in flight ones already subtracted.
    available: int
    #: Epoch seconds when the window's oldest counted request leaves it.
    reset: float
    #: The server's remaining count in the newest answer for this reset time.
    remaining: int


class RatePacer:
    """Decides when the next request may start. ``clock`` returns epoch seconds; it is
    injectable for tests (with a fake clock nothing here depends on wall time)."""

    def __init__(self, clock: Callable[[], float], *, clients: int = 1) -> None:
        self._clock = clock
        #: Processes that share the token's budget, this one included.
        self._clients = max(1, clients)
        self._lock = threading.Lock()
        self._window: _Window | None = None
        self._in_flight = 0
        #: The thread whose request is the probe (each request acquires and releases in one
        #: thread), or None.
        self._probe: object | None = None
        self._not_before = 0.0
        #: Probes in a row whose answer left no share (several clients only).
        self._fruitless = 0

    def share(self, clients: int) -> None:
        """``clients`` processes (this one included) share the token's budget from now on."""
        with self._lock:
            self._clients = max(1, clients)

    @property
    def clients(self) -> int:
        with self._lock:
            return self._clients

    @property
    def in_flight(self) -> int:
        with self._lock:
            return self._in_flight

    def acquire(self, owner: object | None = None) -> float:
        """0.0 when a request may start now (it then counts as in flight until
        :meth:`release`); otherwise the seconds to wait before asking again. ``owner`` names
        who releases the request later (default: this thread)."""
        with self._lock:
            now = self._clock()
            if now < self._not_before:
                return self._not_before - now
            window = self._window
            if window is None and self._clients > 1:
                # The others may have spent the budget: the first answer says what is left.
                if self._in_flight:
                    return PROBE_POLL
                self._in_flight += 1
                return 0.0
            if window is None or window.available > 0:
                if window is not None:
                    window.available -= 1
                self._in_flight += 1
                return 0.0
            due = window.reset + self._backoff()
            if now < due:
                return due - now
            if self._probe is not None:
                # One request is finding out how much the window has freed; wait for its answer.
                return PROBE_POLL
            self._probe = _owner(owner)
            self._in_flight += 1
            return 0.0

    def _backoff(self) -> float:
        """Seconds past the reset before the next probe (0 for a client on its own)."""
        if self._clients == 1 or not self._fruitless:
            return 0.0
        return float(min(self._clients * 2 ** (self._fruitless - 1), MAX_PROBE_BACKOFF))

    def release(self, headers: Mapping[str, str] | None, owner: object | None = None) -> None:
        """A request that :meth:`acquire` let start has ended; ``headers`` of its response,
        or None when none came (the request may still have been counted)."""
        with self._lock:
            self._in_flight = max(0, self._in_flight - 1)
            probe = self._probe == _owner(owner)
            if probe:
                self._probe = None
            if headers is None:
                return
            remaining = _header_int(headers, "X-RateLimit-Remaining")
            reset = _header_int(headers, "X-RateLimit-Reset")
            if remaining is None or reset is None:
                return
            limit = _header_int(headers, "X-RateLimit-Limit")
            self._observe(limit, remaining, float(reset))
            if self._clients > 1:
                if self._share(remaining) > 0:
                    self._fruitless = 0
                elif probe:
                    self._fruitless += 1

    def _observe(self, limit: int | None, remaining: int, reset: float) -> None:
        # In-flight requests may not have been counted when this answer was made.
        available = self._share(remaining) - self._in_flight
        known = self._window
        if known is not None and reset < known.reset and self._clock() < known.reset:
            # An answer that overtook a newer one: the window has moved on since.
            return
        if known is not None and reset == known.reset:
            if remaining < known.remaining:
                # Counted later than the last answer: its estimate is the better one.
                known.available, known.remaining = available, remaining
            elif remaining == known.remaining:
                known.available = min(known.available, available)
            known.limit = limit if limit is not None else known.limit
            return
        self._window = _Window(limit, available, reset, remaining)

    def _share(self, remaining: int) -> int:
        """This client's part of the server's remaining count."""
        if self._clients == 1:
            return max(remaining, 0)
        return max(0, remaining - self._kept_back()) // self._clients

    def _kept_back(self) -> int:
        """What the other clients may have out that the count has not seen: as many requests
        as this one had out when the answer came (the answered one included), at least one
        blind request each."""
        return (self._clients - 1) * (self._in_flight + 1)

    def penalise(self, until: float) -> None:
        """A 429 arrived: no request may start before ``until`` (epoch seconds), and after it
        one probe finds out what the window allows."""
        with self._lock:
            self._not_before = max(self._not_before, until)
            if self._window is not None:
                self._window.available = min(self._window.available, 0)
                self._window.remaining = 0
            else:
                self._window = _Window(limit=None, available=0, reset=until, remaining=0)
