"""The request log the control API serves: one entry per API request, control calls excluded."""

from __future__ import annotations

import threading
from dataclasses import asdict, dataclass

from zenodo_publish.emulator.state import JSON


@dataclass
class LogEntry:
    index: int
    time: float
    method: str
    path: str
    query: str
    status: int | None  # None when the connection was dropped
    bytes_in: int
    bytes_out: int
    user_agent: str
    user: int | None
    fault: str | None = None
    latency: float = 0.0
    dropped: bool = False


class RequestLog:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: list[LogEntry] = []
        #: Indexes keep counting across clears, so ``since`` stays meaningful.
        self._next = 0

    def append(self, **fields: object) -> LogEntry:
        with self._lock:
            entry = LogEntry(index=self._next, **fields)  # type: ignore[arg-type]
            self._next += 1
            self._entries.append(entry)
            return entry

    def since(self, index: int = 0) -> tuple[list[JSON], int]:
        with self._lock:
            return [asdict(e) for e in self._entries if e.index >= index], self._next

    def clear(self) -> int:
        with self._lock:
            self._entries.clear()
            return self._next
