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


#: Segment-match steps one pattern may take over one file selection. Matching costs at most
#: (segments of a path) x (segments of the pattern) steps per file, so this is far above any
#: real tree; past it the pattern is refused with a clear message instead of running for hours.
MAX_GLOB_WORK = 5_000_000

_ANY_SEGMENTS = "**"
_ONE_SEGMENT = re.compile(r"[^/]+")


class GlobTooCostly(Exception):
    def __init__(self, pattern: str, budget: int) -> None:
        super().__init__(f"matching {pattern} took more than {budget} steps")
        self.pattern = pattern
        self.budget = budget


def _segments(pattern: str) -> list[str]:
    """The pattern's segments, repeated ``**`` collapsed into one (``**/**`` means ``**``)."""
    out: list[str] = []
    for segment in pattern.strip("/").split("/"):
        if segment == _ANY_SEGMENTS and out and out[-1] == _ANY_SEGMENTS:
            continue
        out.append(segment)
    return out


class GlobMatcher:
    """A compiled pattern matched segment by segment, as a set of positions in the pattern (a
    Thompson-style simulation): linear in the path's length, whatever the pattern, where a
    backtracking regex is exponential in the number of ``**``. ``work`` counts the steps; past
    ``budget`` :class:`GlobTooCostly` is raised."""

    def __init__(self, pattern: str, *, budget: int = MAX_GLOB_WORK) -> None:
        self.pattern = pattern
        self.budget = budget
        self.work = 0
        segments = _segments(pattern)
        # A trailing ** needs at least one more segment (``data/**`` never matches ``data``).
        if segments[-1] == _ANY_SEGMENTS:
            segments[-1:] = ["*", _ANY_SEGMENTS]
        self._steps: list[re.Pattern[str] | None] = [
            None if segment == _ANY_SEGMENTS else re.compile(_segment(segment))
            for segment in segments
        ]
        self._start = self._closure({0})

    def _closure(self, states: set[int]) -> frozenset[int]:
        stack = list(states)
        while stack:
            state = stack.pop()
            if state < len(self._steps) and self._steps[state] is None and state + 1 not in states:
                states.add(state + 1)
                stack.append(state + 1)
        return frozenset(states)

    def matches(self, relative_path: str) -> bool:
        end = len(self._steps)
        states = self._start
        for segment in relative_path.split("/"):
            self.work += len(states)
            if self.work > self.budget:
                raise GlobTooCostly(self.pattern, self.budget)
            following: set[int] = set()
            for state in states:
                if state == end:
                    continue
                step = self._steps[state]
                if step is None:
                    if _ONE_SEGMENT.fullmatch(segment):
                        following.add(state)
                elif step.fullmatch(segment):
                    following.add(state + 1)
            if not following:
                return False
            states = self._closure(following)
        return end in states


@cache
def compile_glob(pattern: str) -> GlobMatcher:
    """A matcher without a work budget, for one-off checks (tests, single paths)."""
    return GlobMatcher(pattern, budget=2**62)


def glob_matches(pattern: str, relative_path: str) -> bool:
    return compile_glob(pattern).matches(relative_path)


class Excluder:
    """The ``exclude`` patterns of one selection, each compiled once with its own budget."""

    def __init__(self, patterns: tuple[str, ...], *, budget: int = MAX_GLOB_WORK) -> None:
        self._rules = [
            (GlobMatcher(pattern, budget=budget), "/" not in pattern.strip("/"))
            for pattern in patterns
        ]

    def __call__(self, relative_path: str) -> bool:
        base = relative_path.rsplit("/", 1)[-1]
        for matcher, base_too in self._rules:
            if matcher.matches(relative_path) or (base_too and matcher.matches(base)):
                return True
        return False


def excluded(relative_path: str, patterns: tuple[str, ...]) -> bool:
    return Excluder(patterns, budget=2**62)(relative_path)


def literal_base(pattern: str) -> str:
    """The folder part of a pattern before its first wildcard ("" for the repository root)."""
    literal: list[str] = []
    for segment in pattern.strip("/").split("/")[:-1]:
        if has_glob(segment):
            break
        literal.append(segment)
    return "/".join(literal)
