"""Catalog files: ``{catalog: out/catalog.yaml}`` uploads every file the catalog names.

Format (also in the schema's description): a YAML list of file paths, or a mapping whose
``files:`` key holds that list. Paths are relative to the catalog's own folder, name files (no
globs, no folders) and stay inside the repository. Files are uploaded in the catalog's order.
Typical producer: a pipeline step that writes the list of its outputs.
"""

from __future__ import annotations

import posixpath
from pathlib import Path, PurePosixPath

from zenodo_publish.errors import ManifestError, Problem
from zenodo_publish.manifest.loader import PathKey, escape_problem, load_yaml_file
from zenodo_publish.manifest.rules import FileRule


def read_catalog(
    root: Path, relative: str, rule: FileRule
) -> tuple[list[tuple[str, FileRule]], list[Problem]]:
    """``(repository-relative file, rule pointing at its catalog line)`` for each entry."""
    path = root / relative
    if not path.is_file():
        return [], [rule.problem(f"catalog {relative} does not exist", "fix the path")]
    escape = escape_problem(path, root, file=relative)
    if escape is not None:
        return [], [rule.problem(f"catalog {escape.message}", escape.hint)]
    try:
        loaded = load_yaml_file(path, file=relative)
    except ManifestError as error:
        return [], error.problems
    data = loaded.data
    base: PathKey = ()
    if isinstance(data, dict) and set(data) == {"files"}:
        data, base = data["files"], ("files",)
    if not isinstance(data, list) or not data:
        hint = "write a YAML list of paths, or files: followed by that list"
        return [], [loaded.problem(base, "a catalog must hold a non-empty list of files", hint)]
    folder = PurePosixPath(relative).parent
    entries: list[tuple[str, FileRule]] = []
    problems: list[Problem] = []
    for index, item in enumerate(data):
        item_path = (*base, index)
        if not isinstance(item, str) or not item.strip():
            problems.append(loaded.problem(item_path, "a catalog entry must be a file path"))
            continue
        pure = PurePosixPath(item.strip())
        entry = posixpath.normpath((folder / pure).as_posix())
        if pure.is_absolute() or entry == ".." or entry.startswith("../"):
            problems.append(
                loaded.problem(
                    item_path, f"{item} leaves the repository", "name a file inside the repository"
                )
            )
            continue
        entry_rule = FileRule("path", item, None, relative, item_path, loaded.mark(item_path))
        if not (root / entry).is_file():
            problems.append(entry_rule.problem(f"{entry} does not exist", "fix the catalog"))
            continue
        entries.append((entry, entry_rule))
    return entries, problems
