"""The marker of a collection's record, and one orphan search per run (SPEC §9, §13.1).

Each record of a collection carries a marker naming the repository, the manifest and the key:
the dataset's marker (:mod:`zenodo_publish.sync.marker`) followed by ``#<key>``, put by the sync
engine where it puts any record's marker (a related identifier). A record whose record file
never reached git (a crash, a lost commit) is found by it, and only by the run of the same
manifest and key.

Looking for such records one key at a time would cost two searches per record, against a limit
of 30 searches a minute. :class:`SharedSearch` wraps the backend so that the first marker search
of a run fetches every record of the collection at once (drafts and published); each record's
own marker search is then answered from that once. Any later search for the same marker (the
engine's recovery after a lost answer to a create) goes to Zenodo again.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from zenodo_publish.sync.marker import make_marker, marker_query
from zenodo_publish.zenodo.backend import (
    Backend,
    ProgressCallback,
    RemoteFile,
    RemoteRecord,
    UploadSpec,
)


def collection_marker(repository_url: str, manifest: Path, repository_root: Path) -> str:
    """What every record marker of the collection starts with: the dataset's own marker (the
    repository URL, plus the manifest's path unless it is ``zenodo.yaml`` at the root), then
    ``#``. A record's marker adds its key: ``https://github.com/o/r#lake-geneva``."""
    dataset = make_marker(repository_url, manifest, repository_root)
    if dataset is None:
        raise ValueError("a collection marker needs the repository URL")
    return f"{dataset.identifier}#"


def record_marker(prefix: str, key: str) -> str:
    return prefix + key


def _identifiers(record: RemoteRecord) -> set[str]:
    found: set[str] = set()
    metadata = record.metadata
    for name in ("related_identifiers", "related"):
        items = metadata.get(name)
        if isinstance(items, list):
            found.update(
                str(item["identifier"])
                for item in items
                if isinstance(item, dict) and "identifier" in item
            )
    return found


class SharedSearch:
    """A :class:`Backend` whose record-marker searches share one search of the collection.

    Every other call goes straight to the wrapped backend; a method added to the Backend
    protocol needs its pass-through here (mypy says so)."""

    def __init__(self, backend: Backend, prefix: str) -> None:
        self._backend = backend
        self._prefix = prefix
        self._lock = threading.Lock()
        self._hits: list[RemoteRecord] | None = None
        self._served: set[tuple[str, str]] = set()
        self.searches = 0
        self.name = backend.name
        self.record_shows_open_draft = backend.record_shows_open_draft
        self.upload_overwrites = backend.upload_overwrites

    def _cached(self, kind: str, query: str) -> list[RemoteRecord] | None:
        marker = self._marker_in(query)
        if marker is None:
            return None
        with self._lock:
            if (kind, marker) in self._served:
                return None
            self._served.add((kind, marker))
            if self._hits is None:
                # One search (all versions, drafts and records) serves every record's locate.
                self._hits = self._backend.find_own(f'"{self._prefix}"')
                self.searches += 1
            mine = [hit for hit in self._hits if marker in _identifiers(hit)]
            if kind == "drafts":
                return [hit for hit in mine if hit.is_draft and not hit.is_published]
            if kind == "records":
                return [hit for hit in mine if hit.is_published]
            return mine

    def _marker_in(self, query: str) -> str | None:
        """The record marker a ``marker_query`` searches for, when it is one of ours."""
        head = marker_query("")[:-1]  # the query up to its opening quote
        if query.startswith(head + self._prefix) and query.endswith('"'):
            return query[len(head) : -1]
        return None

    # --- the searches ------------------------------------------------------------------------

    def find_own(self, query: str) -> list[RemoteRecord]:
        cached = self._cached("own", query)
        return cached if cached is not None else self._backend.find_own(query)

    def find_drafts(self, query: str) -> list[RemoteRecord]:
        cached = self._cached("drafts", query)
        return cached if cached is not None else self._backend.find_drafts(query)

    def find_records(self, query: str) -> list[RemoteRecord]:
        cached = self._cached("records", query)
        return cached if cached is not None else self._backend.find_records(query)

    # --- everything else goes straight through -----------------------------------------------

    def read(self, record_id: str) -> RemoteRecord | None:
        return self._backend.read(record_id)

    def read_record_with_versions(self, record_id: str) -> RemoteRecord | None:
        return self._backend.read_record_with_versions(record_id)

    def open_new_version_draft(self, published: RemoteRecord) -> RemoteRecord | None:
        # The backend's own search of one concept, not the collection's marker search.
        return self._backend.open_new_version_draft(published)

    def read_draft(self, record_id: str) -> RemoteRecord | None:
        return self._backend.read_draft(record_id)

    def read_record(self, record_id: str) -> RemoteRecord | None:
        return self._backend.read_record(record_id)

    def read_latest(self, record_id: str) -> RemoteRecord:
        return self._backend.read_latest(record_id)

    def list_versions(self, record_id: str) -> list[RemoteRecord]:
        return self._backend.list_versions(record_id)

    def create_draft(self, body: dict[str, Any]) -> RemoteRecord:
        return self._backend.create_draft(body)

    def update_draft(self, record_id: str, body: dict[str, Any]) -> RemoteRecord:
        return self._backend.update_draft(record_id, body)

    def edit(self, record_id: str) -> RemoteRecord:
        return self._backend.edit(record_id)

    def new_version(self, record_id: str, *, import_files: bool = True) -> RemoteRecord:
        return self._backend.new_version(record_id, import_files=import_files)

    def import_files(self, draft_id: str) -> Mapping[str, RemoteFile]:
        return self._backend.import_files(draft_id)

    def delete_file(self, draft_id: str, key: str) -> None:
        self._backend.delete_file(draft_id, key)

    def upload_files(
        self,
        draft_id: str,
        files: Sequence[UploadSpec],
        *,
        parallel: int = 1,
        progress: ProgressCallback | None = None,
    ) -> list[RemoteFile]:
        return self._backend.upload_files(draft_id, files, parallel=parallel, progress=progress)

    def discard(self, record_id: str) -> None:
        self._backend.discard(record_id)

    def publish(self, draft_id: str) -> RemoteRecord:
        return self._backend.publish(draft_id)

    def reserve_doi(self, draft_id: str) -> RemoteRecord:
        return self._backend.reserve_doi(draft_id)
