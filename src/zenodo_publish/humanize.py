"""Numbers as people read them: sizes, counts with their noun, durations, rates.

One place for these, so the log, the CLI and the step summary say "1 file, 54 B" alike.
Sizes use decimal units (1 kB = 1000 B), as Zenodo states its limits (50 GB) and sizes.
"""

from __future__ import annotations

from typing import Final

_SIZE_UNITS: Final = ("B", "kB", "MB", "GB", "TB")


def human_size(size: int | float) -> str:
    """``54 B``, ``1.5 kB``, ``2.0 GB``."""
    value = float(size)
    for unit in _SIZE_UNITS:
        if abs(value) < 1000 or unit == _SIZE_UNITS[-1]:
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1000
    raise AssertionError("unreachable")


def plural(count: int, noun: str, plural_form: str | None = None) -> str:
    """``1 problem``, ``2 problems``, ``0 files``; ``plural_form`` for irregular nouns."""
    if count == 1:
        return f"1 {noun}"
    return f"{count} {plural_form or noun + 's'}"


def human_duration(seconds: float) -> str:
    """``0 s``, ``45 s``, ``3 min 05 s``, ``2 h 07 min``."""
    total = max(0, round(seconds))
    if total < 60:
        return f"{total} s"
    minutes, secs = divmod(total, 60)
    if minutes < 60:
        return f"{minutes} min {secs:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"


def human_rate(bytes_per_second: float) -> str:
    """``12.3 MB/s``."""
    return f"{human_size(bytes_per_second)}/s"
