"""Locate (SPEC §5.1): find the record this repository syncs to, without creating anything.

Order: the record file's entry for this endpoint; else a record of this dataset found by its
marker (:mod:`.marker`: the repository URL and the manifest's path, which the engine puts in every
record it creates), which covers a run that crashed before the record file reached git; else
nothing (the plan creates one). A record that another record file of the repository names is
never adopted (SPEC §13.1).

Requests are spent only where the record file cannot answer: one search at most before a first
create (Zenodo allows 30 searches a minute), and when the record file says the record is
published, the record is read first; whether an edit draft is open is asked only when the plan
has something to change (:func:`confirm_no_open_draft`), so a no-op sync costs one GET (legacy:
two, the deposition and the record's RDM view, which tells whether it is the latest version and
whether a new version is open: see the engine's unnamed-draft check, SPEC §13.5).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

from zenodo_publish.errors import StateError
from zenodo_publish.sync.marker import DatasetMarker, marker_query
from zenodo_publish.sync.plan import Located
from zenodo_publish.sync.record_file import RecordEntry
from zenodo_publish.zenodo.backend import Backend, RemoteRecord

NO_MARKER_NOTE = (
    "no repository URL is known, so records carry no marker: a draft of an interrupted "
    "earlier run is found only from this checkout's record file; set code_repository in the "
    "manifest so that any checkout finds it"
)


def locate(
    backend: Backend,
    entry: RecordEntry | None,
    *,
    marker: DatasetMarker | None,
    record_file: str,
    named_elsewhere: Callable[[], frozenset[str]] = frozenset,
) -> Located:
    """``named_elsewhere`` gives the record and concept ids other record files of the
    repository name (only called when a record is found by its marker)."""
    if entry is not None:
        return _from_entry(backend, entry, record_file)
    if marker is None:
        return Located("none", notes=(NO_MARKER_NOTE,))
    return _from_marker(backend, marker, named_elsewhere)


def carries_marker(record: RemoteRecord, marker: DatasetMarker) -> bool:
    """Whether ``record``'s metadata names the marker (searches can match loosely)."""
    related = record.metadata.get("related_identifiers")
    if not isinstance(related, list):
        return False
    wanted = marker.identifier.lower()
    return any(
        isinstance(item, dict) and str(item.get("identifier", "")).lower() == wanted
        for item in related
    )


def is_foreign(record: RemoteRecord, named_elsewhere: frozenset[str]) -> bool:
    return record.id in named_elsewhere or (
        record.concept_id is not None and record.concept_id in named_elsewhere
    )


def _from_entry(backend: Backend, entry: RecordEntry, record_file: str) -> Located:
    if entry.state == "published":
        published = backend.read_record_with_versions(entry.record_id)
        if published is not None:
            located = _classify(backend, published)
            if (
                located.kind == "published"
                and located.record is published
                and not backend.record_shows_open_draft
            ):
                return dataclasses.replace(located, draft_unchecked=True)
            return located
    record = backend.read(entry.record_id)
    if record is None:
        raise StateError(
            f"{record_file} names record {entry.record_id}, which does not exist on this "
            "endpoint (a sandbox wipe, a deleted draft, or a token of another account)",
            hint=f"check the token's account; to start a new record remove this endpoint's "
            f"entry from {record_file}",
        )
    return _classify(backend, record)


def _from_marker(
    backend: Backend, marker: DatasetMarker, named_elsewhere: Callable[[], frozenset[str]]
) -> Located:
    query = marker.query
    # One search finds both an orphaned draft and a published record.
    hits = backend.find_own(query)
    candidates = [d for d in hits if not d.is_published]
    foreign = named_elsewhere() if candidates else frozenset()
    drafts = [d for d in candidates if not is_foreign(d, foreign)]
    if len(drafts) > 1:
        ids = ", ".join(d.id for d in drafts)
        raise StateError(
            f"several unpublished drafts carry this repository's marker ({ids}); "
            "zenodo-publish will not guess which one is yours",
            hint="discard the extra drafts on Zenodo (or `zenodo-publish discard`), "
            "or write the right id into the record file",
        )
    if drafts:
        draft = backend.read_draft(drafts[0].id)
        if draft is not None:
            note = f"adopted draft {draft.id}, left by an earlier run that did not finish"
            located = _classify(backend, draft)
            return Located(located.kind, located.record, (note, *located.notes))
    published = [h for h in hits if h.is_published]
    if published:
        foreign = named_elsewhere()
        published = [r for r in published if not is_foreign(r, foreign)]
    if published:
        latest = _newest(published)
        record = backend.read(latest.id)
        if record is not None:
            note = (
                f"found published record {record.id} of this dataset; the record file "
                "did not know it (an earlier run's commit did not reach git)"
            )
            located = _classify(backend, record)
            return Located(located.kind, located.record, (note, *located.notes))
    return Located("none")


def _newest(records: list[RemoteRecord]) -> RemoteRecord:
    """The latest version among published hits: the one Zenodo marks latest, else the highest
    version index, else the highest id (ids grow with time on both APIs)."""
    marked = [r for r in records if r.is_latest]
    candidates = marked or records
    return max(candidates, key=lambda r: (r.version_index or 0, _numeric(r.id)))


def _numeric(record_id: str) -> int:
    return int(record_id) if record_id.isdigit() else 0


def confirm_no_open_draft(backend: Backend, located: Located) -> Located:
    """When ``located`` came from the record file alone (no draft GET yet), ask whether an
    edit draft is open: before any change, a draft would be the place to work in."""
    if not located.draft_unchecked:
        return located
    draft = backend.read_draft(located.record.id)
    if draft is None:
        return dataclasses.replace(located, draft_unchecked=False)
    found = _classify(backend, draft)
    return dataclasses.replace(found, latest_version=located.latest_version)


def _classify(backend: Backend, record: RemoteRecord) -> Located:
    if record.is_draft and not record.is_published:
        return Located("draft", record)
    if record.is_draft:
        return Located("edit_draft", record)
    if record.is_latest is True:
        return Located("published", record)
    latest = backend.read_latest(record.id)
    if latest.id == record.id:
        return Located("published", record)
    draft = backend.read_draft(latest.id)
    current = draft if draft is not None else latest
    return Located(
        "edit_draft" if draft is not None else "published",
        current,
        (f"record {record.id} is not the latest version; continuing from {latest.id}",),
    )


__all__ = [
    "NO_MARKER_NOTE",
    "carries_marker",
    "confirm_no_open_draft",
    "is_foreign",
    "locate",
    "marker_query",
]
