"""Writing the DOIs into CITATION.cff with a minimal, line-based edit.

A YAML round-trip would reflow the file, drop comments and reorder keys; researchers format
CITATION.cff by hand. So only two things change, and every other byte stays:

* the top-level ``doi:`` line gets the version DOI (its quoting, spacing and trailing comment
  are kept); without one, ``doi:`` is inserted after the top-level ``version:`` line, or at the
  end of the file;
* the concept DOI goes into ``identifiers:`` as a ``type: doi`` entry: an entry of ours (its
  description names the concept DOI) gets the new value; none, and one is appended to the list
  with the list's own indentation; no ``identifiers:`` key, and the block is appended at the end.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

CONCEPT_DESCRIPTION = "The concept DOI: every version of this work (Zenodo)"

_TOP_KEY = re.compile(r"^(?P<key>[A-Za-z_][\w-]*)\s*:")
_DOI_LINE = re.compile(
    r"^doi(?P<gap>\s*:\s*)(?P<value>\"[^\"]*\"|'[^']*'|[^#\s][^#]*?)?(?P<trail>\s*(?:#.*)?)$"
)
_ITEM = re.compile(r"^(?P<indent>\s*)-(?P<gap>\s+)")
_VALUE = re.compile(
    r"^(?P<lead>\s*(?:-\s+)?value\s*:\s*)(?P<value>\"[^\"]*\"|'[^']*'|[^#\s][^#]*?)(?P<trail>\s*(?:#.*)?)$"
)


class CffEditError(Exception):
    """The file's shape leaves no safe line to edit (e.g. identifiers in flow style)."""


@dataclass(frozen=True)
class _Block:
    start: int  # index of the "identifiers:" line
    end: int  # index after the last line of the block


def _newline(text: str) -> str:
    return "\r\n" if "\r\n" in text else "\n"


def _quoted_like(old: str | None, value: str) -> str:
    if old and old[0] in "\"'":
        return f"{old[0]}{value}{old[0]}"
    return value


def set_dois(text: str, version_doi: str, concept_doi: str | None) -> str:
    """``text`` with the version DOI in ``doi:`` and the concept DOI in ``identifiers``."""
    nl = _newline(text)
    lines = text.split(nl)
    _set_version_doi(lines, version_doi)
    if concept_doi:
        _set_concept_doi(lines, concept_doi)
    return nl.join(lines)


def _top_level(lines: list[str], key: str) -> int | None:
    for index, line in enumerate(lines):
        match = _TOP_KEY.match(line)
        if match and match.group("key") == key:
            return index
    return None


def _set_version_doi(lines: list[str], doi: str) -> None:
    index = _top_level(lines, "doi")
    if index is not None:
        match = _DOI_LINE.match(lines[index])
        if match is None:
            raise CffEditError(f"line {index + 1}: cannot read the doi: line")
        old = match.group("value")
        gap = match.group("gap") if old else match.group("gap").rstrip() + " "
        lines[index] = f"doi{gap}{_quoted_like(old, doi)}{match.group('trail')}"
        return
    after = _top_level(lines, "version")
    if after is None:
        _append(lines, [f"doi: {doi}"])
    else:
        lines.insert(after + 1, f"doi: {doi}")


def _append(lines: list[str], new: list[str]) -> None:
    """Add lines at the end, keeping the file's final newline (or its lack of one)."""
    if lines and lines[-1] == "":
        lines[-1:] = [*new, ""]
    else:
        lines.extend(new)


def _identifiers_block(lines: list[str]) -> _Block | None:
    start = _top_level(lines, "identifiers")
    if start is None:
        return None
    end = start + 1
    last_content = start + 1
    while end < len(lines):
        line = lines[end]
        if _TOP_KEY.match(line):
            break
        if line.strip() and not line.lstrip().startswith("#"):
            last_content = end + 1
        end += 1
    return _Block(start, last_content)


def _set_concept_doi(lines: list[str], doi: str) -> None:
    block = _identifiers_block(lines)
    if block is None:
        _append(
            lines,
            [
                "identifiers:",
                "  - type: doi",
                f"    value: {doi}",
                f'    description: "{CONCEPT_DESCRIPTION}"',
            ],
        )
        return
    head = lines[block.start]
    if head.split(":", 1)[1].split("#", 1)[0].strip():
        raise CffEditError(
            f"line {block.start + 1}: identifiers is written on one line (flow style)"
        )
    items = _items(lines, block)
    for first, last in items:
        body = lines[first:last]
        if any(doi in line for line in body if _VALUE.match(line)):
            return  # the concept DOI is there already
        if any(CONCEPT_DESCRIPTION in line for line in body):
            for offset, line in enumerate(body):
                match = _VALUE.match(line)
                if match:
                    old = match.group("value")
                    lines[first + offset] = (
                        f"{match.group('lead')}{_quoted_like(old, doi)}{match.group('trail')}"
                    )
                    return
    if items:
        dash = _ITEM.match(lines[items[0][0]])
        assert dash is not None
        indent, gap = dash.group("indent"), dash.group("gap")
    else:
        indent, gap = "  ", " "
    inner = indent + " " * (1 + len(gap))
    new = [
        f"{indent}-{gap}type: doi",
        f"{inner}value: {doi}",
        f'{inner}description: "{CONCEPT_DESCRIPTION}"',
    ]
    lines[block.end : block.end] = new


def _items(lines: list[str], block: _Block) -> list[tuple[int, int]]:
    """(first line, end) of each list item in the block."""
    starts = [i for i in range(block.start + 1, block.end) if _ITEM.match(lines[i])]
    if not starts:
        return []
    indents = {i: _dash_indent(lines[i]) for i in starts}
    starts = [i for i in starts if indents[i] == indents[starts[0]]]
    bounds = [*starts, block.end]
    return [(bounds[i], bounds[i + 1]) for i in range(len(starts))]


def _dash_indent(line: str) -> int:
    match = _ITEM.match(line)
    return len(match.group("indent")) if match else -1
