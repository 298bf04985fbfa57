"""Combining two runs' changes to one record file when git's line merge cannot (SPEC §13).

Two runs of one repository can overlap (a release run and a push run have concurrency groups
of their own): both rewrite the same endpoint's entry, and the one that commits second finds
the lines it changed changed on the branch too. The entries describe states of one concept on
Zenodo, which only moves forward, so the later state can be told apart from the earlier one:

* the same record, published on one side and a draft on the other: the record was published
  (a draft never goes back to being one);
* otherwise the side whose latest published version is newer (by version string, else by
  numeric id, which grows with time on Zenodo);
* the same latest published version: the side naming an open draft of the concept, which the
  record file must carry (§13.5), over the side naming the published version itself.

Anything else (other concepts, two different drafts, an undecidable order) stays a conflict:
the caller reports it and nothing is guessed.
"""

from __future__ import annotations

import json
from typing import Any

from zenodo_publish.sync import versions
from zenodo_publish.sync.record_file import render_json

Entry = dict[str, Any]


def merge_record_files(base: bytes | None, ours: bytes, theirs: bytes) -> bytes | None:
    """The record file combining ``ours`` and ``theirs`` (both changed from ``base``), or
    None when some endpoint's entries cannot be ordered."""
    documents = [_document(raw) for raw in (base or b"{}", ours, theirs)]
    if any(d is None for d in documents):
        return None
    old, mine, other = (d or {} for d in documents)
    merged: dict[str, Any] = {}
    for endpoint in sorted({*mine, *other}):
        was, a, b = old.get(endpoint), mine.get(endpoint), other.get(endpoint)
        if a == b or b == was:
            chosen = a
        elif a == was:
            chosen = b
        else:
            chosen = later_entry(a, b)
            if chosen is None:
                return None
        if chosen is not None:
            merged[endpoint] = chosen
    return render_json(merged).encode("utf-8")


def later_entry(a: Any, b: Any) -> Entry | None:
    """Which of two entries for one endpoint describes the later state of its concept."""
    if not (isinstance(a, dict) and isinstance(b, dict)):
        return None
    concept = a.get("concept_id")
    if not isinstance(concept, str) or concept != b.get("concept_id"):
        return None
    if a.get("record_id") == b.get("record_id"):
        states = {a.get("state"), b.get("state")}
        if states == {"published", "draft"}:
            return a if a.get("state") == "published" else b
        return None
    latest_a, latest_b = _latest_published(a), _latest_published(b)
    if latest_a is None or latest_b is None:
        # A side that never saw a publish against one that did: the publish came later.
        if latest_a is None and latest_b is not None:
            return b
        if latest_b is None and latest_a is not None:
            return a
        return None
    if latest_a.get("record_id") == latest_b.get("record_id"):
        draft_a = a.get("state") == "draft" and a.get("record_id") != latest_a.get("record_id")
        draft_b = b.get("state") == "draft" and b.get("record_id") != latest_b.get("record_id")
        if draft_a != draft_b:
            return a if draft_a else b
        return None
    order = _newer(latest_a, latest_b)
    if order is None:
        return None
    return a if order > 0 else b


def _latest_published(entry: Entry) -> Entry | None:
    latest = entry.get("latest_published")
    if isinstance(latest, dict) and isinstance(latest.get("record_id"), str):
        return latest
    if entry.get("state") == "published" and isinstance(entry.get("record_id"), str):
        return entry  # written before latest_published existed: the entry is the published one
    return None


def _newer(a: Entry, b: Entry) -> int | None:
    """>0 when ``a`` is the newer published version, <0 when ``b`` is; None: cannot tell."""
    order = versions.compare(_text(a.get("version")), _text(b.get("version")))
    if order:
        return order
    id_a, id_b = _text(a.get("record_id")), _text(b.get("record_id"))
    if id_a and id_b and id_a.isdigit() and id_b.isdigit() and id_a != id_b:
        return 1 if int(id_a) > int(id_b) else -1
    return None


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _document(raw: bytes) -> dict[str, Any] | None:
    try:
        document = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        return None
    return document if isinstance(document, dict) else None


__all__ = ["later_entry", "merge_record_files"]
