"""How the engine tells a person what it is doing: phases, notices and upload progress.

The CLI prints plain lines to stderr; the GitHub Action wraps phases in ``::group::``. The engine
only knows this small interface, so it never prints by itself.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Protocol, TextIO

from zenodo_publish.redact import redact

#: Files smaller than this get no progress lines: they finish before a person could read one.
PROGRESS_MIN_BYTES = 8 * 1024 * 1024


class Reporter(Protocol):
    def phase(self, title: str) -> AbstractContextManager[None]: ...
    def info(self, message: str) -> None: ...
    def progress(self, name: str, sent: int, total: int) -> None: ...


class StreamReporter:
    """Plain lines on a stream (stderr by default), secrets masked, progress every 10 %."""

    def __init__(self, stream: TextIO | None = None, *, quiet: bool = False) -> None:
        self._stream = stream if stream is not None else sys.stderr
        self._quiet = quiet
        self._lock = threading.Lock()
        self._last_decile: dict[str, int] = {}

    @contextmanager
    def phase(self, title: str) -> Iterator[None]:
        self.info(f"== {title}")
        yield

    def info(self, message: str) -> None:
        if self._quiet:
            return
        with self._lock:
            print(redact(message), file=self._stream, flush=True)

    def progress(self, name: str, sent: int, total: int) -> None:
        if total < PROGRESS_MIN_BYTES:
            return
        decile = min(10, sent * 10 // total)
        with self._lock:
            if self._last_decile.get(name, -1) >= decile:
                return
            self._last_decile[name] = decile
        self.info(f"   {name}: {decile * 10:3d}% of {_human(total)}")


class NullReporter:
    @contextmanager
    def phase(self, title: str) -> Iterator[None]:
        yield

    def info(self, message: str) -> None:
        return None

    def progress(self, name: str, sent: int, total: int) -> None:
        return None


def _human(size: int) -> str:
    value = float(size)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if value < 1024 or unit == "GiB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} GiB"
