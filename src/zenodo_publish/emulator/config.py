"""Emulator configuration and the injectable clock.

Everything time-dependent in the emulator (timestamps, ``publication_date`` defaults, rate-limit
windows, embargo checks) reads :class:`Clock`, so tests can freeze and advance time instead of
sleeping. Latency faults call ``EmulatorConfig.sleep`` for the same reason.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from typing import Any

SANDBOX = "sandbox"
PRODUCTION = "production"

#: DOI prefixes per flavour (zenodo-api.md §1.1).
DOI_PREFIXES = {SANDBOX: "10.5072", PRODUCTION: "10.5281"}

GB = 1_000_000_000


class Clock:
    """Wall clock plus an offset, optionally frozen.

    ``Clock()`` follows real time; ``Clock(frozen_at=1.7e9)`` stands still until advanced.
    """

    def __init__(self, frozen_at: float | None = None) -> None:
        self._lock = threading.Lock()
        self._initial = frozen_at
        self._frozen_at = frozen_at
        self._offset = 0.0

    def restore(self) -> None:
        """Back to how the clock was created (used by the emulator's reset)."""
        with self._lock:
            self._frozen_at = self._initial
            self._offset = 0.0

    def now(self) -> float:
        with self._lock:
            if self._frozen_at is not None:
                return self._frozen_at
            return time.time() + self._offset

    def advance(self, seconds: float) -> float:
        with self._lock:
            if self._frozen_at is not None:
                self._frozen_at += seconds
            else:
                self._offset += seconds
        return self.now()

    def freeze(self, at: float | None = None) -> float:
        current = self.now()
        with self._lock:
            self._frozen_at = current if at is None else at
        return self.now()

    def unfreeze(self) -> float:
        with self._lock:
            if self._frozen_at is not None:
                self._offset = self._frozen_at - time.time()
            self._frozen_at = None
        return self.now()

    @property
    def frozen(self) -> bool:
        return self._frozen_at is not None


_LIMIT_RE = re.compile(
    r"^\s*(\d+)\s*(?:/|per)\s*(\d+)?\s*(second|minute|hour|day)s?\s*$", re.IGNORECASE
)
_UNIT_SECONDS = {"second": 1, "minute": 60, "hour": 3600, "day": 86400}


@dataclass(frozen=True)
class RateLimit:
    """One flask-limiter style limit such as ``100 per 1 minute``."""

    amount: int
    multiples: int
    unit: str

    @property
    def window(self) -> int:
        return self.multiples * _UNIT_SECONDS[self.unit]

    def __str__(self) -> str:
        # flask-limiter renders limits this way, and Zenodo's 429 message is this string.
        return f"{self.amount} per {self.multiples} {self.unit}"


def parse_limits(text: str) -> tuple[RateLimit, ...]:
    """Parse ``"5000 per hour;100 per minute"`` (flask-limiter syntax). ``""`` means no limit."""
    limits: list[RateLimit] = []
    for part in text.split(";"):
        if not part.strip():
            continue
        match = _LIMIT_RE.match(part)
        if match is None:
            raise ValueError(f"not a rate limit: {part!r} (expected e.g. '100 per minute')")
        limits.append(
            RateLimit(int(match.group(1)), int(match.group(2) or 1), match.group(3).lower())
        )
    return tuple(limits)


@dataclass
class EmulatorConfig:
    """What an emulator instance does. Every field can also be changed at run time through
    ``PATCH /_emulator/config`` (except the callables and ``data_dir``)."""

    flavour: str = SANDBOX
    #: Files per draft (RDM_RECORDS_MAX_FILES_COUNT).
    max_files: int = 100
    #: Bucket quota per draft, bytes (RDM_FILES_DEFAULT_QUOTA_SIZE).
    quota_bytes: int = 50 * GB
    #: Largest single file, bytes (RDM_FILES_DEFAULT_MAX_FILE_SIZE).
    max_file_bytes: int = 50 * GB
    #: Longest file key (FILES_REST_OBJECT_KEY_MAX_LEN).
    max_key_length: int = 255
    #: Flask's MAX_CONTENT_LENGTH for the legacy multipart upload; None = no limit.
    multipart_max_bytes: int | None = None
    rate_limit_enabled: bool = True
    rate_limit_user: str = "5000 per hour;100 per minute"
    rate_limit_guest: str = "8000 per hour;133 per minute"
    rate_limit_search: str = "30 per minute"
    #: What a rate-limit window counts: ``token`` (each token's requests together, wherever
    #: they come from: shards of one collection on several runners share one budget) or
    #: ``useragent_ip`` (flask-limiter's default key, User-Agent + client IP).
    rate_limit_key: str = "token"
    #: Bytes per second one connection may send in a request body (None: unthrottled), to
    #: stand in for a runner's network in benchmarks of parallel uploads.
    upload_bandwidth: int | None = None
    #: Seconds before a new or changed draft shows up in search results (index refresh).
    index_delay: float = 0.0
    #: Largest page size for authenticated / anonymous searches.
    max_page_size: int = 100
    max_page_size_guest: int = 25
    data_dir: str | None = None
    clock: Clock = field(default_factory=Clock)
    sleep: Callable[[float], None] = time.sleep

    def __post_init__(self) -> None:
        self.validate()

    @property
    def doi_prefix(self) -> str:
        return DOI_PREFIXES[self.flavour]

    def validate(self) -> None:
        if self.flavour not in DOI_PREFIXES:
            raise ValueError(f"flavour must be {SANDBOX!r} or {PRODUCTION!r}")
        for name in ("rate_limit_user", "rate_limit_guest", "rate_limit_search"):
            parse_limits(getattr(self, name))
        if self.rate_limit_key not in ("token", "useragent_ip"):
            raise ValueError("rate_limit_key must be 'token' or 'useragent_ip'")
        if self.upload_bandwidth is not None and self.upload_bandwidth <= 0:
            raise ValueError("upload_bandwidth must be a positive number of bytes per second")
        for name in ("max_files", "quota_bytes", "max_file_bytes", "max_key_length"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} must not be negative")

    def public(self) -> dict[str, Any]:
        """The settable, JSON-serialisable part (for the control API)."""
        return {f.name: getattr(self, f.name) for f in fields(self) if f.name in SETTABLE}

    def update(self, changes: dict[str, Any]) -> None:
        unknown = set(changes) - SETTABLE
        if unknown:
            raise ValueError(f"unknown or read-only settings: {sorted(unknown)}")
        previous = self.public()
        for key, value in changes.items():
            setattr(self, key, value)
        try:
            self.validate()
        except ValueError:
            for key, value in previous.items():
                setattr(self, key, value)
            raise


SETTABLE = frozenset(
    {
        "flavour",
        "max_files",
        "quota_bytes",
        "max_file_bytes",
        "max_key_length",
        "multipart_max_bytes",
        "rate_limit_enabled",
        "rate_limit_user",
        "rate_limit_guest",
        "rate_limit_search",
        "rate_limit_key",
        "upload_bandwidth",
        "index_delay",
        "max_page_size",
        "max_page_size_guest",
    }
)
