"""Glob patterns over repository-relative POSIX paths.

``*`` and ``?`` stay inside one path segment, ``**`` spans any number of folders, ``[...]``
is a character class. A pattern without a ``/`` in ``exclude`` also matches a base name at any
depth, like .gitignore. (``glob.translate`` would do this but needs Python 3.13.)
"""

from __future__ import annotations

import re
from functools import cache

GLOB_CHARS = frozenset("*?[")


def has_glob(text: str) -> bool:
    return any(char in GLOB_CHARS for char in text)


def _segment(segment: str) -> str:
    out: list[str] = []
    index = 0
    while index < len(segment):
        char = segment[index]
        if char == "*":
            out.append("[^/]*")
        elif char == "?":
            out.append("[^/]")
        elif char == "[":
            end = segment.find("]", index + 2)
            if end == -1:
                out.append(re.escape(char))
            else:
                body = segment[index + 1 : end]
                if body.startswith("!"):
                    body = "^" + body[1:]
                out.append("[" + body.replace("\\", "\\\\") + "]")
                index = end
        else:
            out.append(re.escape(char))
        index += 1
    return "".join(out)


@cache
def compile_glob(pattern: str) -> re.Pattern[str]:
    segments = pattern.strip("/").split("/")
    parts: list[str] = []
    for position, segment in enumerate(segments):
        last = position == len(segments) - 1
        if segment == "**":
            parts.append(".*" if last else "(?:[^/]+/)*")
        else:
            parts.append(_segment(segment) + ("" if last else "/"))
    return re.compile("".join(parts) + r"\Z")


def glob_matches(pattern: str, relative_path: str) -> bool:
    return compile_glob(pattern).match(relative_path) is not None


def excluded(relative_path: str, patterns: tuple[str, ...]) -> bool:
    base = relative_path.rsplit("/", 1)[-1]
    for pattern in patterns:
        if glob_matches(pattern, relative_path):
            return True
        if "/" not in pattern.strip("/") and glob_matches(pattern, base):
            return True
    return False


def literal_base(pattern: str) -> str:
    """The folder part of a pattern before its first wildcard ("" for the repository root)."""
    literal: list[str] = []
    for segment in pattern.strip("/").split("/")[:-1]:
        if has_glob(segment):
            break
        literal.append(segment)
    return "/".join(literal)
