"""Secrets registry: every secret the process learns is registered here first, and every text
that leaves the process (log lines, error messages, outputs, summaries) goes through
:func:`redact`. This is the last line of defence; code should not format secrets at all."""

from __future__ import annotations

import re
import threading

_MASK = "***"
_lock = threading.Lock()
_secrets: set[str] = set()
_pattern: re.Pattern[str] | None = None

#: A bearer token in a header dump or an access_token query parameter, whoever wrote it.
_TOKEN_SHAPES = re.compile(
    r"(?i)(authorization:\s*bearer\s+|access_token=|x-access-token:)([^\s&'\"@]+)"
)


def register_secret(value: str | None) -> None:
    """Remember ``value`` so that :func:`redact` hides it. Short values are ignored: masking a
    three-letter string would garble ordinary text and protects nothing."""
    global _pattern
    if not value or len(value) < 6:
        return
    with _lock:
        if value in _secrets:
            return
        _secrets.add(value)
        ordered = sorted(_secrets, key=len, reverse=True)
        _pattern = re.compile("|".join(re.escape(s) for s in ordered))


def redact(text: str) -> str:
    """``text`` with every registered secret and every token-shaped credential masked."""
    pattern = _pattern
    if pattern is not None:
        text = pattern.sub(_MASK, text)
    return _TOKEN_SHAPES.sub(lambda m: m.group(1) + _MASK, text)


def registered_secrets() -> frozenset[str]:
    with _lock:
        return frozenset(_secrets)


def clear_secrets() -> None:
    """Forget every secret (tests only)."""
    global _pattern
    with _lock:
        _secrets.clear()
        _pattern = None
