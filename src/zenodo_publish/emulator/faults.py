"""Fault injection: latency, error answers, dropped uploads, commit-then-504 (SPEC §7).

A fault matches on an HTTP method and a path regex and fires for the next ``count`` matching
requests. ``when="before"`` answers without touching state; ``when="after"`` lets the request
do its work (a publish commits) and then replaces the answer, as a gateway timeout does.
``drop_after_bytes`` reads that many bytes of the request body, then closes the socket; a request
without a body (GET, DELETE, a POST with none) is dropped before it is processed.
"""

from __future__ import annotations

import random
import re
import threading
import uuid
from dataclasses import asdict, dataclass, field
from typing import Any

from zenodo_publish.emulator.state import JSON

STATUSES = (413, 429, 500, 502, 503, 504)
HTML_REASONS = {
    413: "413 Request Entity Too Large",
    502: "502 Bad Gateway",
    503: "503 Service Temporarily Unavailable",
    504: "504 Gateway Time-out",
    500: "500 Internal Server Error",
    429: "429 Too Many Requests",
}
JSON_MESSAGES = {
    413: "The data value transmitted exceeds the capacity limit.",
    500: "Internal server error.",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}


def gateway_html(status: int) -> str:
    """An nginx-style error page, what Zenodo's gateway answers for 502/504 (§2.1)."""
    title = HTML_REASONS[status]
    return (
        f"<html>\r\n<head><title>{title}</title></head>\r\n<body>\r\n"
        f"<center><h1>{title}</h1></center>\r\n<hr><center>nginx</center>\r\n"
        "</body>\r\n</html>\r\n"
    )


@dataclass
class Fault:
    id: int
    path: str
    method: str = "*"
    count: int = 1
    status: int | None = None
    when: str = "before"
    format: str = ""
    drop_after_bytes: int | None = None
    fired: int = 0
    _regex: re.Pattern[str] = field(default=re.compile(""), repr=False)

    def matches(self, method: str, path: str) -> bool:
        return (self.method in ("*", method)) and self._regex.search(path) is not None

    def public(self) -> JSON:
        data = asdict(self)
        del data["_regex"]
        return data


@dataclass
class Latency:
    fixed: float = 0.0
    min: float = 0.0
    max: float = 0.0
    seed: int | None = None
    method: str = "*"
    path: str = ""

    def public(self) -> JSON:
        return asdict(self)


def _number(spec: JSON, key: str, default: float) -> float:
    value = spec.get(key, default)
    if not isinstance(value, (int, float)) or isinstance(value, bool) or value < 0:
        raise ValueError(f"{key} must be a non-negative number")
    return float(value)


class Faults:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        with self._lock:
            self._faults: list[Fault] = []
            self._next_id = 1
            self.latency = Latency()
            self._rng = random.Random(0)

    def add(self, spec: Any) -> Fault:
        if not isinstance(spec, dict):
            raise ValueError("a fault is a JSON object")
        known = {"method", "path", "count", "status", "when", "format", "drop_after_bytes"}
        if set(spec) - known:
            raise ValueError(f"unknown fault fields: {sorted(set(spec) - known)}")
        status, drop = spec.get("status"), spec.get("drop_after_bytes")
        if (status is None) == (drop is None):
            raise ValueError("give exactly one of status or drop_after_bytes")
        if status is not None and status not in STATUSES:
            raise ValueError(f"status must be one of {STATUSES}")
        if drop is not None and (not isinstance(drop, int) or drop < 0):
            raise ValueError("drop_after_bytes must be a non-negative integer")
        when = spec.get("when", "before")
        if when not in ("before", "after") or (drop is not None and when != "before"):
            raise ValueError("when must be 'before' or 'after' (drops are always 'before')")
        fmt = spec.get("format") or ("html" if status in (502, 503, 504) else "json")
        if fmt not in ("json", "html"):
            raise ValueError("format must be 'json' or 'html'")
        count = spec.get("count", 1)
        if not isinstance(count, int) or count < 1:
            raise ValueError("count must be a positive integer")
        path = str(spec.get("path", ""))
        with self._lock:
            fault = Fault(
                id=self._next_id,
                path=path,
                method=str(spec.get("method", "*")).upper(),
                count=count,
                status=status,
                when=when,
                format=fmt,
                drop_after_bytes=drop,
                _regex=re.compile(path),
            )
            self._next_id += 1
            self._faults.append(fault)
            return fault

    def list(self) -> list[JSON]:
        with self._lock:
            return [f.public() for f in self._faults]

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()

    def take(self, method: str, path: str) -> Fault | None:
        """The first fault matching this request, with one use consumed."""
        with self._lock:
            for fault in self._faults:
                if fault.matches(method, path):
                    fault.count -= 1
                    fault.fired += 1
                    if fault.count == 0:
                        self._faults.remove(fault)
                    return fault
            return None

    def set_latency(self, spec: Any) -> Latency:
        if not isinstance(spec, dict):
            raise ValueError("latency is a JSON object")
        latency = Latency(
            fixed=_number(spec, "fixed", 0.0),
            min=_number(spec, "min", 0.0),
            max=_number(spec, "max", 0.0),
            seed=spec.get("seed"),
            method=str(spec.get("method", "*")).upper(),
            path=str(spec.get("path", "")),
        )
        if latency.max < latency.min:
            raise ValueError("max must not be smaller than min")
        re.compile(latency.path)
        with self._lock:
            self.latency = latency
            self._rng = random.Random(latency.seed)
        return latency

    def delay_for(self, method: str, path: str) -> float:
        with self._lock:
            lat = self.latency
            if lat.method not in ("*", method) or not re.search(lat.path, path):
                return 0.0
            extra = self._rng.uniform(lat.min, lat.max) if lat.max > 0 else 0.0
            return lat.fixed + extra


def error_id() -> str:
    return str(uuid.uuid4())
