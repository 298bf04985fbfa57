"""Catalog files: ``{catalog: out/catalog.yaml}`` uploads every file the catalog names.

Two forms (also in the schema's description):

- **flat**: a YAML list of file paths, or a mapping whose only key ``files:`` holds that list;
  files are uploaded in the catalog's order.
- **cartloader's nested catalog** (``catalog.yaml`` as cartloader's ``write_catalog_for_assets``
  writes it: ``id``, ``title``, ``assets: {sge: ..., factors: [...], basemap: {sge: ...}}``):
  every text value names a file, except the values of identifier keys (``id``, ``title``,
  ``name``, ``model_id``, ``cells_id``, ...; the same list cartloader's upload_aws skips, plus
  ``description``, which is prose). The files fall into cartloader's three groups, decided by
  the dotted key path (list items count as ``item_<n>``), as its uploaders decide them:

  - ``basics``: SGE basemaps (``assets.basemap.sge.*``) and every other required output, plus
    the catalog itself (a reader needs it to find the rest);
  - ``basemaps``: the other basemaps (``assets.basemap.<not sge>``, e.g. histology);
  - ``optional``: UMAP outputs (keys ending in ``umap.tsv``, ``umap.png``, ``umap.ind_png``,
    ``umap.pmtiles``) and ``alias`` files.

  ``*.default`` keys under a basemap name the default basemap, not a file. ``groups: [basics,
  basemaps, optional]`` chooses groups and their order (default: all three, in that order).

Paths are relative to the catalog's own folder, name files (no globs, no folders) and stay inside
the repository. A file named twice is uploaded once, where it first appears.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterator
from pathlib import Path, PurePosixPath
from typing import Any

from zenodo_publish import paths
from zenodo_publish.errors import ManifestError, Problem
from zenodo_publish.manifest.loader import LoadedYaml, PathKey, escape_problem, load_yaml_file
from zenodo_publish.manifest.rules import FileRule

GROUPS = ("basics", "basemaps", "optional")
#: Keys whose values identify or describe an asset rather than name a file.
IDENTIFIER_KEYS = frozenset(
    {
        "id",
        "title",
        "name",
        "description",
        "model_id",
        "proj_id",
        "decode_id",
        "cells_id",
        "cell_id",
        "square_id",
        "raw_pixel_col",
        "analysis",
        "analysis_type",
    }
)
_UMAP_ENDINGS = ("umap.tsv", "umap.png", "umap.ind_png", "umap.pmtiles")

Entries = list[tuple[str, FileRule]]


def read_catalog(root: Path, relative: str, rule: FileRule) -> tuple[Entries, list[Problem]]:
    """``(repository-relative file, rule pointing at its catalog line)`` for each entry."""
    path = root / relative
    try:
        paths.check_name(relative, what="the catalog")
    except paths.UnsafePath as error:
        return [], [rule.problem(error.message, error.hint)]
    if not (path.exists() or path.is_symlink()):
        return [], [rule.problem(f"catalog {relative} does not exist", "fix the path")]
    escape = escape_problem(path, root, file=relative)
    if escape is not None:
        return [], [rule.problem(f"catalog {escape.message}", escape.hint)]
    try:
        loaded = load_yaml_file(path, file=relative, root=root)
    except ManifestError as error:
        return [], error.problems
    data = loaded.data
    if isinstance(data, dict) and set(data) != {"files"}:
        return _nested(root, relative, rule, loaded)
    if rule.groups:
        return [], [
            rule.problem(
                "groups: applies to cartloader's nested catalogs; this catalog is a plain list",
                "remove groups:",
            )
        ]
    base: PathKey = ()
    if isinstance(data, dict):
        data, base = data["files"], ("files",)
    if not isinstance(data, list) or not data:
        hint = "write a YAML list of paths, or files: followed by that list"
        return [], [loaded.problem(base, "a catalog must hold a non-empty list of files", hint)]
    entries: Entries = []
    problems: list[Problem] = []
    for index, item in enumerate(data):
        item_path = (*base, index)
        if not isinstance(item, str) or not item.strip():
            problems.append(loaded.problem(item_path, "a catalog entry must be a file path"))
            continue
        _add(root, relative, loaded, item_path, item, entries, problems)
    return entries, problems


def group_of(dotted: str) -> str | None:
    """cartloader's group of the value at ``dotted`` (``assets.basemap.sge.mono-dark``), or
    None when the value is not a file."""
    last = dotted.rsplit(".", 1)[-1]
    if dotted.startswith("assets.basemap"):
        if dotted.endswith("default"):
            return None
        return "basics" if dotted.startswith("assets.basemap.sge") else "basemaps"
    if last in IDENTIFIER_KEYS:
        return None
    if dotted.endswith(_UMAP_ENDINGS) or last == "alias":
        return "optional"
    return "basics"


def _walk(value: Any, path: PathKey, dotted: str) -> Iterator[tuple[PathKey, str, Any]]:
    if isinstance(value, dict):
        for key, child in value.items():
            yield from _walk(child, (*path, key), f"{dotted}.{key}" if dotted else str(key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            name = f"item_{index}"
            yield from _walk(child, (*path, index), f"{dotted}.{name}" if dotted else name)
    else:
        yield path, dotted, value


def _nested(
    root: Path, relative: str, rule: FileRule, loaded: LoadedYaml
) -> tuple[Entries, list[Problem]]:
    grouped: dict[str, list[tuple[PathKey, str]]] = {group: [] for group in GROUPS}
    for path, dotted, value in _walk(loaded.data, (), ""):
        group = group_of(dotted)
        # Numbers, booleans and empty values are settings, never files.
        if group is not None and isinstance(value, str) and value.strip():
            grouped[group].append((path, value))
    if not any(grouped.values()):
        hint = "a cartloader catalog names its files under assets:"
        return [], [loaded.problem((), "the catalog names no files", hint)]
    entries: Entries = []
    problems: list[Problem] = []
    for group in rule.groups or GROUPS:
        for path, value in grouped[group]:
            _add(root, relative, loaded, path, value, entries, problems)
        if group == "basics":
            catalog_rule = FileRule("path", relative, None, rule.file, rule.path, rule.mark)
            entries.append((posixpath.normpath(relative), catalog_rule))
    seen: set[str] = set()
    unique: Entries = []
    for entry, entry_rule in entries:
        if entry not in seen:
            seen.add(entry)
            unique.append((entry, entry_rule))
    return unique, problems


def _add(
    root: Path,
    relative: str,
    loaded: LoadedYaml,
    item_path: PathKey,
    item: str,
    entries: Entries,
    problems: list[Problem],
) -> None:
    try:
        paths.check_name(item, what="the entry")
    except paths.UnsafePath as error:
        problems.append(loaded.problem(item_path, error.message, error.hint))
        return
    folder = PurePosixPath(relative).parent
    pure = PurePosixPath(item.strip())
    entry = posixpath.normpath((folder / pure).as_posix())
    if pure.is_absolute() or entry == ".." or entry.startswith("../"):
        problems.append(
            loaded.problem(
                item_path, f"{item} leaves the repository", "name a file inside the repository"
            )
        )
        return
    entry_rule = FileRule("path", item, None, relative, item_path, loaded.mark(item_path))
    if not (root / entry).is_file():
        problems.append(entry_rule.problem(f"{entry} does not exist", "fix the catalog"))
        return
    entries.append((entry, entry_rule))
