"""Metadata sources: the manifest's ``metadata:``, CITATION.cff and .zenodo.json.

Each source reads its file into canonical field values (``title``, ``creators``, ... the names
of :class:`zenodo_publish.metadata.Metadata`) and reports problems with their place in that file.
:func:`zenodo_publish.manifest.merge.merge_sources` then applies the precedence.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING, Any

from zenodo_publish.errors import Problem
from zenodo_publish.manifest.loader import LoadedYaml, PathKey
from zenodo_publish.manifest.vocabularies import Issue

if TYPE_CHECKING:
    from markdown_it import MarkdownIt


@dataclass
class SourceFields:
    """What one source says: canonical field values, and the path each came from."""

    label: str  # provenance label: "zenodo.yaml", "CITATION.cff", ".zenodo.json"
    values: dict[str, Any] = field(default_factory=dict)
    paths: dict[str, PathKey] = field(default_factory=dict)
    #: Fields this source tried to give but could not (already reported as problems).
    failed: set[str] = field(default_factory=set)

    def mark_failed(self, problems: list[Problem], keys: dict[str, str]) -> None:
        """Fields whose source key (``keys``: key in the file -> field) has a problem."""
        for problem in problems:
            if problem.json_path == "$":
                self.failed.update(keys.values())
            for key, name in keys.items():
                if re.match(rf"\$\.{re.escape(key)}(\.|\[|$)", problem.json_path):
                    self.failed.add(name)

    def set(self, name: str, value: Any, path: PathKey) -> None:
        self.values[name] = value
        self.paths[name] = path


class Checker:
    """Collects problems for one loaded file."""

    def __init__(self, loaded: LoadedYaml) -> None:
        self.loaded = loaded
        self.problems: list[Problem] = []

    def fail(
        self, path: PathKey, message: str, hint: str | None = None, *, at_key: bool = False
    ) -> None:
        self.problems.append(self.loaded.problem(path, message, hint, at_key=at_key))

    def issue(self, path: PathKey, issue: Issue | None) -> bool:
        """Record ``issue`` (if any); True when the value was fine."""
        if issue is None:
            return True
        self.fail(path, issue.message, issue.hint)
        return False

    def text(self, path: PathKey) -> str | None:
        """The string at ``path``; None when absent or not a string (the schema says why)."""
        value = self.loaded.get(path)
        return value if isinstance(value, str) else None

    def items(self, path: PathKey) -> list[tuple[PathKey, Any]]:
        value = self.loaded.get(path)
        if not isinstance(value, list):
            return []
        return [((*path, index), item) for index, item in enumerate(value)]

    def strings(self, path: PathKey) -> tuple[str, ...]:
        return tuple(item for _, item in self.items(path) if isinstance(item, str))


@cache
def _markdown() -> MarkdownIt:
    # Imported on first use: only a Markdown description needs it, not every command's start.
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark").enable("table").enable("strikethrough")


#: Text of only these characters, each line starting with a letter, has no Markdown syntax.
_PLAIN_CHARACTERS = re.compile(r"[^\W_]|[ ,.;:'()?/]")


def plain_paragraphs(text: str) -> str | None:
    """The HTML CommonMark gives for ``text`` when it is plain sentences (paragraphs split by
    empty lines, no markup at all), without loading the renderer; None for anything else."""
    paragraphs: list[list[str]] = [[]]
    for line in text.split("\n"):
        if not line:
            if paragraphs[-1]:
                paragraphs.append([])
            continue
        if not line[0].isalpha() or line != line.strip() or "  " in line:
            return None
        if not all(_PLAIN_CHARACTERS.fullmatch(ch) for ch in line):
            return None
        paragraphs[-1].append(line)
    return "".join(f"<p>{chr(10).join(lines)}</p>\n" for lines in paragraphs if lines)


def markdown_to_html(text: str) -> str:
    plain = plain_paragraphs(text)
    if plain is not None:
        return plain
    return str(_markdown().render(text))


def looks_like_html(text: str) -> bool:
    return text.lstrip().startswith("<")


def as_html(text: str) -> str:
    """Descriptions may be written in HTML or Markdown; Zenodo takes HTML."""
    return text.strip() if looks_like_html(text) else markdown_to_html(text).strip()
