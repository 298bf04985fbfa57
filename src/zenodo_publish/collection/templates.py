"""``{column}`` templates: a record's manifest values filled from its table row.

A string may hold placeholders (``"objects/{id}/*"``; ``{{`` and ``}}`` are literal braces); a
mapping ``{column: keywords, split: ";"}`` makes a list of the cell's non-empty parts. Lists
and mappings are filled item by item. A string that is exactly one placeholder of an empty cell,
or a split of an empty cell, is *absent*: the field is left out (so a shared default applies)
and list items are dropped.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

_TOKEN = re.compile(r"\{\{|\}\}|\{([^{}]*)\}")


class _Absent:
    """Marks a value left out because its cell is empty."""


ABSENT: Any = _Absent()


@dataclass
class Filled:
    """The filled value, the columns it read, and the placeholders naming no column."""

    value: Any
    columns: list[str] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)


def placeholders(template: Any) -> list[str]:
    """Every column a template names, in order (for checking against the table's header)."""
    if isinstance(template, str):
        return [m.group(1).strip() for m in _TOKEN.finditer(template) if m.group(1) is not None]
    if _is_column_spec(template):
        return [str(template["column"]).strip()]
    if isinstance(template, dict):
        return [name for value in template.values() for name in placeholders(value)]
    if isinstance(template, list):
        return [name for value in template for name in placeholders(value)]
    return []


def fill(template: Any, cells: Mapping[str, str]) -> Filled:
    out = Filled(None)
    out.value = _fill(template, cells, out)
    return out


def _is_column_spec(value: Any) -> bool:
    return isinstance(value, dict) and isinstance(value.get("column"), str)


def _fill(template: Any, cells: Mapping[str, str], out: Filled) -> Any:
    if isinstance(template, str):
        return _fill_text(template, cells, out)
    if _is_column_spec(template):
        text = _cell(str(template["column"]).strip(), cells, out)
        separator = template.get("split")
        if not isinstance(separator, str) or not separator:
            return text if text else ABSENT
        parts = [part.strip() for part in text.split(separator)]
        return [part for part in parts if part] or ABSENT
    if isinstance(template, dict):
        filled = {key: _fill(value, cells, out) for key, value in template.items()}
        return {key: value for key, value in filled.items() if value is not ABSENT}
    if isinstance(template, list):
        items = [_fill(item, cells, out) for item in template]
        return [item for item in items if item is not ABSENT]
    return template


def _fill_text(template: str, cells: Mapping[str, str], out: Filled) -> Any:
    matches = list(_TOKEN.finditer(template))
    whole = (
        len(matches) == 1
        and matches[0].group(1) is not None
        and matches[0].span() == (0, len(template))
    )
    pieces: list[str] = []
    position = 0
    for match in matches:
        pieces.append(template[position : match.start()])
        token = match.group(0)
        pieces.append(
            token[0] if match.group(1) is None else _cell(match.group(1).strip(), cells, out)
        )
        position = match.end()
    pieces.append(template[position:])
    text = "".join(pieces)
    if whole and not text:
        return ABSENT
    return text


def _cell(name: str, cells: Mapping[str, str], out: Filled) -> str:
    if name not in cells:
        if name not in out.unknown:
            out.unknown.append(name)
        return ""
    if name not in out.columns:
        out.columns.append(name)
    return cells[name]
