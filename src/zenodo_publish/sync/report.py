"""How the engine tells a person what it is doing: phases, notices and upload progress.

The CLI prints plain lines to stderr; the GitHub Action wraps phases in ``::group::``. The engine
only knows this small interface, so it never prints by itself.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Protocol, TextIO

from zenodo_publish.escape import for_terminal
from zenodo_publish.humanize import human_duration, human_rate, human_size
from zenodo_publish.redact import redact

#: Files smaller than this get no progress lines: they finish before a person could read one.
PROGRESS_MIN_BYTES = 8 * 1024 * 1024


class Reporter(Protocol):
    def phase(self, title: str) -> AbstractContextManager[None]: ...
    def info(self, message: str) -> None: ...
    def progress(self, name: str, sent: int, total: int) -> None: ...


class StreamReporter:
    """Plain lines on a stream (stderr by default), secrets masked, progress every 10 % with
    the rate and the time left. ``clock`` (seconds, monotonic) is injectable for tests."""

    def __init__(
        self,
        stream: TextIO | None = None,
        *,
        quiet: bool = False,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._stream = stream if stream is not None else sys.stderr
        self._quiet = quiet
        self._clock = clock
        self._lock = threading.Lock()
        self._last_decile: dict[str, int] = {}
        #: name -> (clock, bytes sent) when the current attempt of that upload started
        self._started: dict[str, tuple[float, int]] = {}

    @contextmanager
    def phase(self, title: str) -> Iterator[None]:
        self.info(f"== {title}")
        yield

    def info(self, message: str) -> None:
        if self._quiet:
            return
        with self._lock:
            print(for_terminal(redact(message)), file=self._stream, flush=True)

    def progress(self, name: str, sent: int, total: int) -> None:
        if total < PROGRESS_MIN_BYTES:
            return
        now = self._clock()
        decile = min(10, sent * 10 // total)
        with self._lock:
            if sent == 0 or name not in self._started:
                # The (re)start of an upload: the baseline for its rate; nothing to show yet.
                self._started[name] = (now, sent)
                self._last_decile[name] = decile
                if sent == 0:
                    return
            if self._last_decile.get(name, -1) >= decile:
                return
            self._last_decile[name] = decile
            since, base = self._started[name]
        self.info(
            progress_line(name, sent, total, elapsed=now - since, sent_in_elapsed=sent - base)
        )


class NullReporter:
    @contextmanager
    def phase(self, title: str) -> Iterator[None]:
        yield

    def info(self, message: str) -> None:
        return None

    def progress(self, name: str, sent: int, total: int) -> None:
        return None


def progress_line(name: str, sent: int, total: int, *, elapsed: float, sent_in_elapsed: int) -> str:
    """``   big.bin:  40% of 2.0 GiB, 48.0 MiB/s, 25 s left`` (and ``in 42 s`` when done)."""
    percent = min(100, sent * 100 // total) if total else 100
    line = f"   {name}: {percent:3d}% of {human_size(total)}"
    if elapsed <= 0 or sent_in_elapsed <= 0:
        return line
    rate = sent_in_elapsed / elapsed
    if sent >= total:
        return f"{line} in {human_duration(elapsed)} ({human_rate(rate)})"
    return f"{line}, {human_rate(rate)}, {human_duration((total - sent) / rate)} left"
