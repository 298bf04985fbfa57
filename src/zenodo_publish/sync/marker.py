"""The dataset marker (SPEC §5.1, §13.1): how a run recognises a draft it left behind.

Every record the engine creates carries one related identifier that names the dataset: the
repository URL and, for any manifest other than ``zenodo.yaml`` at the repository's root, the
manifest's path in it (``https://github.com/o/r/blob/HEAD/lakes/zenodo.yaml``). Two datasets of
one repository therefore never find each other's drafts, and a single-dataset repository keeps
the plain repository URL that readers of the record expect. The search matches the identifier
exactly, so ``.../o/r`` does not find ``.../o/r/blob/HEAD/x.yaml``.

Files named by another record file of the repository are refused even when their marker
matches (records made before the manifest path was part of the marker carry the bare URL).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from urllib.parse import quote

from zenodo_publish import paths

#: The manifest at this path (relative to the repository root) is marked by the bare URL.
DEFAULT_MANIFEST = "zenodo.yaml"
#: Folders never searched for other record files.
_SKIPPED_DIRS = frozenset({".git", "node_modules", ".venv", "venv", "__pycache__", ".tox"})
#: How many directory entries the search for other record files looks at, at most.
_WALK_LIMIT = 20_000


def marker_query(identifier: str) -> str:
    """The search that finds records carrying the marker ``identifier`` (exact match)."""
    return f'metadata.related_identifiers.identifier:"{identifier}"'


@dataclass(frozen=True)
class DatasetMarker:
    """The marker of one dataset: ``identifier`` goes into every record the engine creates.
    Collections (SPEC §9) give each record's identifier themselves."""

    identifier: str

    @property
    def query(self) -> str:
        return marker_query(self.identifier)


def make_marker(
    repository_url: str | None, manifest: Path, repository_root: Path
) -> DatasetMarker | None:
    """The marker of the manifest at ``manifest`` in the checkout at ``repository_root``;
    None without a repository URL (nothing identifies the dataset across machines)."""
    if not repository_url:
        return None
    try:
        relative = manifest.resolve().relative_to(repository_root.resolve())
    except ValueError:
        relative = Path(manifest.name)
    url = repository_url.rstrip("/")
    path = PurePosixPath(relative).as_posix()
    if path == DEFAULT_MANIFEST:
        return DatasetMarker(url)
    return DatasetMarker(f"{url}/blob/HEAD/{quote(path, safe='/')}")


def record_ids_named_elsewhere(
    repository_root: Path, own_record_file: Path, endpoint_url: str
) -> frozenset[str]:
    """Record and concept ids that other record files of the repository name for
    ``endpoint_url``: records of other datasets, which this run must never adopt."""
    own = own_record_file.resolve()
    names = {own.name, ".zenodo-record.json"}
    found: set[str] = set()
    seen = 0
    for folder, dirs, files in os.walk(repository_root):
        dirs[:] = sorted(d for d in dirs if d not in _SKIPPED_DIRS)
        seen += len(dirs) + len(files)
        if seen > _WALK_LIMIT:
            break
        for name in files:
            if name not in names and not name.endswith("zenodo-record.json"):
                continue
            path = Path(folder) / name
            if path.resolve() == own or path.is_symlink():
                continue
            found.update(_ids_in(path, endpoint_url))
    return frozenset(found)


def _ids_in(path: Path, endpoint_url: str) -> set[str]:
    try:
        document = json.loads(paths.read_text(path, root=path.parent))
    except (OSError, ValueError, paths.UnsafePath):
        return set()
    entry = document.get(endpoint_url) if isinstance(document, dict) else None
    if not isinstance(entry, dict):
        return set()
    ids = {entry.get("record_id"), entry.get("concept_id")}
    latest = entry.get("latest_published")
    if isinstance(latest, dict):
        ids.add(latest.get("record_id"))
    return {str(i) for i in ids if isinstance(i, (str, int)) and not isinstance(i, bool)}
