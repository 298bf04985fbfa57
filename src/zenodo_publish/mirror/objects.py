"""Which objects a mirror holds: the files of the same LocalState as Zenodo, under keys chosen by
the target's layout, plus each catalog file itself, marked to go last.

- ``flat``: the names Zenodo gets.
- ``tree``: repository paths; a catalog's files relative to the catalog's folder (that is how a
  reader of the catalog finds them), the catalog next to them; an archive under its name.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from zenodo_publish.checksum import md5_and_size
from zenodo_publish.errors import ManifestError, Problem
from zenodo_publish.manifest.catalog import read_catalog
from zenodo_publish.manifest.files import LocalState
from zenodo_publish.manifest.mirrors import Layout, MirrorTarget
from zenodo_publish.manifest.rules import FileSettings


@dataclass(frozen=True)
class MirrorObject:
    """One object a target should hold. ``key`` is relative to the target's key prefix;
    ``last`` marks a catalog, uploaded after every file it names."""

    key: str
    size: int
    md5: str
    source: Path
    origin: str
    last: bool = False


@dataclass(frozen=True)
class _Catalog:
    path: str  # repository-relative
    entries: frozenset[str]  # repository-relative paths it names

    @property
    def folder(self) -> str:
        parent = PurePosixPath(self.path).parent.as_posix()
        return "" if parent == "." else parent


def _catalogs(files: FileSettings) -> list[_Catalog]:
    found: list[_Catalog] = []
    for rule in files.rules:
        if rule.kind != "catalog":
            continue
        path = posixpath.normpath(rule.pattern.replace("\\", "/"))
        entries, problems = read_catalog(files.repo_root.resolve(), path, rule)
        if not problems:  # a bad catalog was refused when the files were resolved
            found.append(_Catalog(path, frozenset(entry for entry, _ in entries)))
    return found


def _tree_key(origin: str, catalogs: list[_Catalog]) -> str | None:
    for catalog in catalogs:
        if origin in catalog.entries:
            relative = posixpath.relpath(origin, catalog.folder or ".")
            return None if relative.startswith("../") else relative
    return origin


def mirror_objects(
    local: LocalState, files: FileSettings, target: MirrorTarget
) -> list[MirrorObject]:
    """Every object ``target`` should hold, in upload order (catalogs last). Raises
    ManifestError, naming the mirror's line, when two files would get one key or a catalog
    names a file outside its folder under the tree layout."""
    layout: Layout = target.layout
    catalogs = _catalogs(files)
    problems: list[str] = []
    objects: list[MirrorObject] = []
    catalog_paths = {c.path for c in catalogs}
    for item in local.files:
        if item.origin in catalog_paths:
            continue  # the catalog is added below, last, whatever rule also selected it
        if layout == "flat" or item.origin.startswith("archive of "):
            key: str | None = item.name
        else:
            key = _tree_key(item.origin, catalogs)
        if key is None:
            problems.append(
                f"{item.origin} is outside its catalog's folder, so layout: tree has no key for "
                "it (use layout: flat, or move the catalog up)"
            )
            continue
        objects.append(MirrorObject(key, item.size, item.md5, item.source, item.origin))
    root = files.repo_root.resolve()
    for catalog in catalogs:
        md5, size = md5_and_size(root / catalog.path)
        # Both layouts: the catalog sits where the names it holds are relative to.
        key = PurePosixPath(catalog.path).name
        objects.append(MirrorObject(key, size, md5, root / catalog.path, catalog.path, last=True))
    seen: dict[str, MirrorObject] = {}
    for obj in objects:
        earlier = seen.setdefault(obj.key, obj)
        if earlier is not obj:
            problems.append(f"{earlier.origin} and {obj.origin} would both be stored as {obj.key}")
    if problems:
        raise ManifestError(
            Problem(
                f"mirror {target.url}: {message}",
                target.place.rsplit(":", 1)[0],
                _line(target.place),
                None,
                f"$.mirrors[{target.index}]",
                "a mirror stores every selected file under its own key",
            )
            for message in problems
        )
    return objects


def _line(place: str) -> int | None:
    tail = place.rsplit(":", 1)[-1]
    return int(tail) if tail.isdigit() else None
