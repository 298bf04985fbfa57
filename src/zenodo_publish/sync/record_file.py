"""The record file (SPEC §4): where the repository remembers its Zenodo record.

JSON form (default ``.zenodo-record.json``): one entry per endpoint, keyed by the API URL, so a
sandbox run and a production run never overwrite each other::

    {
      "https://sandbox.zenodo.org/api": {
        "record_id": "123", "concept_id": "122", "doi": null, "concept_doi": null,
        "version": "1.1.0", "state": "draft", "record_url": "https://sandbox.zenodo.org/uploads/123",
        "latest_published": {
          "record_id": "121", "doi": "10.5072/zenodo.121", "version": "1.0.0",
          "record_url": "https://sandbox.zenodo.org/records/121"
        }
      }
    }

The top-level fields describe the record the next run continues from (an open draft, else the
latest published version). ``latest_published`` is the concept's latest published version, kept
while a new-version or edit draft is open so the citable DOI never leaves the repository; it is
absent before the first publish.

A path ending in ``.txt`` is StepUp RepRep's form: the record id alone, for the manifest's
endpoint. Writes are atomic (temporary file + rename) and byte-stable (sorted keys, fixed
indentation), so an unchanged record never makes a git diff.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from zenodo_publish.errors import ManifestError, Problem
from zenodo_publish.sync.result import PublishedVersion, RecordIds

_FIELDS = ("record_id", "concept_id", "doi", "concept_doi", "version", "state", "record_url")
_PUBLISHED_FIELDS = ("record_id", "doi", "version", "record_url")


@dataclass(frozen=True)
class RecordEntry:
    record_id: str
    concept_id: str | None = None
    doi: str | None = None
    concept_doi: str | None = None
    version: str | None = None
    state: str = "draft"
    record_url: str | None = None
    #: Written only while a community review is pending or was declined (SPEC §11).
    review_state: str | None = None
    latest_published: PublishedVersion | None = None

    @classmethod
    def from_ids(cls, ids: RecordIds) -> RecordEntry:
        if ids.record_id is None:
            raise ValueError("a record entry needs a record id")
        return cls(
            record_id=ids.record_id,
            concept_id=ids.concept_id,
            doi=ids.doi,
            concept_doi=ids.concept_doi,
            version=ids.version,
            state=ids.state,
            record_url=ids.record_url,
            review_state=ids.review_state if ids.review_state != "accepted" else None,
            latest_published=ids.latest_published,
        )

    def as_json(self) -> dict[str, Any]:
        document: dict[str, Any] = {k: v for k, v in asdict(self).items() if k in _FIELDS}
        if self.review_state is not None:
            document["review_state"] = self.review_state
        if self.latest_published is not None:
            document["latest_published"] = asdict(self.latest_published)
        return document


def is_stepup_format(path: Path) -> bool:
    return path.suffix == ".txt"


def read_entry(path: Path, endpoint_url: str) -> RecordEntry | None:
    """The entry for ``endpoint_url``, or None when the file or the entry does not exist."""
    if not path.exists():
        return None
    text = path.read_text(encoding="utf-8")
    if is_stepup_format(path):
        record_id = text.strip()
        if not record_id:
            return None
        if not record_id.isdigit():
            raise _bad(path, f"expected a record id (digits), found {record_id[:40]!r}")
        return RecordEntry(record_id=record_id)
    document = _load_json(path, text)
    raw = document.get(endpoint_url)
    if raw is None or (isinstance(raw, dict) and _PENDING in raw and "record_id" not in raw):
        return None
    if not isinstance(raw, dict) or not isinstance(raw.get("record_id"), str):
        raise _bad(path, f"the entry for {endpoint_url} has no record_id string")
    values = {key: str(raw[key]) for key in (*_FIELDS, "review_state") if raw.get(key) is not None}
    return RecordEntry(**values, latest_published=_published(path, endpoint_url, raw))


def _published(path: Path, endpoint_url: str, raw: dict[str, Any]) -> PublishedVersion | None:
    latest = raw.get("latest_published")
    if latest is None:
        return None
    if not isinstance(latest, dict) or not isinstance(latest.get("record_id"), str):
        raise _bad(path, f"the entry for {endpoint_url} has a latest_published without record_id")
    values = {k: str(latest[k]) for k in _PUBLISHED_FIELDS if latest.get(k) is not None}
    return PublishedVersion(**values)


_PENDING = "creating"


def read_pending_create(path: Path, endpoint_url: str) -> frozenset[str] | None:
    """The ids of the same-titled drafts that existed when a create started that never wrote
    its record id (None: no create is pending). Used only without a dataset marker."""
    if not path.exists() or is_stepup_format(path):
        return None
    raw = _load_json(path, path.read_text(encoding="utf-8")).get(endpoint_url)
    if not isinstance(raw, dict) or "record_id" in raw:
        return None
    pending = raw.get(_PENDING)
    if not isinstance(pending, dict):
        return None
    before = pending.get("drafts_before")
    return (
        frozenset(str(i) for i in before if isinstance(i, str))
        if isinstance(before, list)
        else None
    )


def write_pending_create(path: Path, endpoint_url: str, drafts_before: frozenset[str]) -> bool:
    """Note, before a create without a marker, which drafts of the same title exist already:
    the draft a crashed create made is the one that is new (SPEC §5.8, §13.1)."""
    if is_stepup_format(path):
        return False
    old_text = path.read_text(encoding="utf-8") if path.exists() else None
    document = _load_json(path, old_text) if old_text else {}
    document[endpoint_url] = {_PENDING: {"drafts_before": sorted(drafts_before)}}
    return _write_text(path, old_text, document)


def write_entry(path: Path, endpoint_url: str, entry: RecordEntry) -> bool:
    """Store ``entry`` for ``endpoint_url``, keeping the other endpoints' entries.

    Returns whether the file's bytes changed.
    """
    old_text = path.read_text(encoding="utf-8") if path.exists() else None
    if is_stepup_format(path):
        return _write_text(path, old_text, entry.record_id + "\n")
    document = _load_json(path, old_text) if old_text else {}
    document[endpoint_url] = entry.as_json()
    return _write_text(path, old_text, document)


def _write_text(path: Path, old_text: str | None, content: str | dict[str, Any]) -> bool:
    """Write ``content`` (a JSON document, byte-stable) unless the bytes are unchanged."""
    if isinstance(content, dict):
        new_text = json.dumps(content, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    else:
        new_text = content
    if new_text == old_text:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    # Atomic replace: a crash mid-write must never leave a truncated record file behind.
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(new_text)
        # mkstemp creates 0600; the record file is an ordinary committed file, readable by all.
        Path(tmp_name).chmod(0o644)
        Path(tmp_name).replace(path)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise
    return True


def _load_json(path: Path, text: str) -> dict[str, Any]:
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        raise _bad(path, f"not valid JSON ({error.msg} at line {error.lineno})") from error
    if not isinstance(document, dict):
        raise _bad(path, "expected a JSON object keyed by endpoint URL")
    return document


def _bad(path: Path, message: str) -> ManifestError:
    return ManifestError(
        [Problem(message, file=str(path), json_path="$")],
        hint="fix or delete the record file; it is rewritten by the next sync",
    )


def remove_entry(path: Path, endpoint_url: str) -> bool:
    """Forget the record of ``endpoint_url`` (after its only draft was discarded)."""
    if not path.exists():
        return False
    if is_stepup_format(path):
        path.unlink()
        return True
    document = _load_json(path, path.read_text(encoding="utf-8"))
    if endpoint_url not in document:
        return False
    del document[endpoint_url]
    path.write_text(json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n")
    return True
