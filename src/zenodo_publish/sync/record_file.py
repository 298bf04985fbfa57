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
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from zenodo_publish import paths
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


def read_entry(path: Path, endpoint_url: str, *, root: Path | None = None) -> RecordEntry | None:
    """The entry for ``endpoint_url``, or None when the file or the entry does not exist.
    The file must be a regular file inside ``root`` (default: its own folder)."""
    text = _read(path, root)
    if text is None:
        return None
    if is_stepup_format(path):
        record_id = text.strip()
        if not record_id:
            return None
        if not record_id.isdigit():
            # Never quote the content: it could be anything the repository links to.
            raise _bad(path, "expected a record id (digits only) and found something else")
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


def read_pending_create(
    path: Path, endpoint_url: str, *, root: Path | None = None
) -> frozenset[str] | None:
    """The ids of the same-titled drafts that existed when a create started that never wrote
    its record id (None: no create is pending). Used only without a dataset marker."""
    if is_stepup_format(path):
        return None
    text = _read(path, root)
    if text is None:
        return None
    raw = _load_json(path, text).get(endpoint_url)
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


def write_pending_create(
    path: Path, endpoint_url: str, drafts_before: frozenset[str], *, root: Path | None = None
) -> bool:
    """Note, before a create without a marker, which drafts of the same title exist already:
    the draft a crashed create made is the one that is new (SPEC §5.8, §13.1)."""
    if is_stepup_format(path):
        return False
    old_text = _read(path, root)
    document = _load_json(path, old_text) if old_text else {}
    document[endpoint_url] = {_PENDING: {"drafts_before": sorted(drafts_before)}}
    return _write_text(path, root, old_text, document)


def _read(path: Path, root: Path | None) -> str | None:
    """The record file's text through :mod:`zenodo_publish.paths`; None when it is absent."""
    base = root if root is not None else path.parent
    if not path.exists() and not path.is_symlink():
        return None
    try:
        return paths.read_text(path, root=base)
    except FileNotFoundError:
        return None
    except paths.UnsafePath as error:
        raise _bad(path, error.message) from None
    except UnicodeDecodeError:
        raise _bad(path, "not UTF-8 text") from None
    except OSError as error:
        raise _bad(path, f"cannot read it: {error.strerror}") from None


def write_entry(
    path: Path, endpoint_url: str, entry: RecordEntry, *, root: Path | None = None
) -> bool:
    """Store ``entry`` for ``endpoint_url``, keeping the other endpoints' entries. Written only
    inside ``root`` (default: the file's own folder), never through a symlink.

    Returns whether the file's bytes changed.
    """
    old_text = _read(path, root)
    if is_stepup_format(path):
        return _write_text(path, root, old_text, entry.record_id + "\n")
    document = _load_json(path, old_text) if old_text else {}
    document[endpoint_url] = entry.as_json()
    return _write_text(path, root, old_text, document)


def _write_text(
    path: Path, root: Path | None, old_text: str | None, content: str | dict[str, Any]
) -> bool:
    """Write ``content`` (a JSON document, byte-stable) unless the bytes are unchanged."""
    new_text = render_json(content) if isinstance(content, dict) else content
    if new_text == old_text:
        return False
    _write(path, root, new_text)
    return True


def render_json(document: dict[str, Any]) -> str:
    """The record file's bytes: sorted keys, fixed indentation, so that an unchanged record
    never makes a git diff and a merged one reads like a written one."""
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def _write(path: Path, root: Path | None, text: str) -> None:
    # Atomic replace: a crash mid-write must never leave a truncated record file behind.
    base = root if root is not None else path.parent
    try:
        paths.write_text_inside(base, path.absolute().relative_to(base.absolute()), text)
    except ValueError:
        raise _bad(path, "the record file is outside the repository") from None
    except paths.UnsafePath as error:
        raise _bad(path, error.message) from None


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


def remove_entry(path: Path, endpoint_url: str, *, root: Path | None = None) -> bool:
    """Forget the record of ``endpoint_url`` (after its only draft was discarded)."""
    text = _read(path, root)
    if text is None:
        return False
    if is_stepup_format(path):
        path.unlink()
        return True
    document = _load_json(path, text)
    if endpoint_url not in document:
        return False
    del document[endpoint_url]
    _write(path, root, render_json(document))
    return True
