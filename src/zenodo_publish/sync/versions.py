"""Version strings (SPEC §13.3, §13.4): comparison and pre-release detection, one place.

PEP 440 through :mod:`packaging` (which also reads semver-style ``2.0.0-rc.1``). A version
string that is not one (``2024-05-01``, ``draft``) compares with nothing: no refusal is built
on a guess.
"""

from __future__ import annotations

from packaging.version import InvalidVersion, Version


def parse(text: str | None) -> Version | None:
    if not text:
        return None
    try:
        return Version(text.strip())
    except InvalidVersion:
        return None


def compare(left: str | None, right: str | None) -> int | None:
    """-1, 0 or 1 as ``left`` is lower, equal or higher; None when either is not a version."""
    a, b = parse(left), parse(right)
    if a is None or b is None:
        return None
    return (a > b) - (a < b)


def is_prerelease(text: str | None) -> bool:
    """``2.0.0-rc1``, ``2.0.0b1``, ``1.0.dev3``: versions a release marks as not final."""
    parsed = parse(text)
    return parsed is not None and (parsed.is_prerelease or parsed.is_devrelease)
