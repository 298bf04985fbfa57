"""One canonical metadata model, its converters to the two Zenodo APIs, and comparison.

Typical use by the sync engine::

    body = to_rdm_payload(md)
    changed = metadata_differences(body, draft_json)        # [] when nothing to write
"""

from __future__ import annotations

from typing import Any, Literal

from zenodo_publish.metadata.legacy import legacy_problems, normalise_legacy, to_legacy_payload
from zenodo_publish.metadata.model import (
    METADATA_FIELDS,
    Affiliation,
    Award,
    DateEntry,
    Funding,
    Location,
    Metadata,
    Person,
    RelatedIdentifier,
    ResolvedMetadata,
    Subject,
)
from zenodo_publish.metadata.rdm import normalise_rdm, to_rdm_payload

__all__ = [
    "METADATA_FIELDS",
    "Affiliation",
    "Award",
    "DateEntry",
    "Funding",
    "Location",
    "Metadata",
    "Person",
    "RelatedIdentifier",
    "ResolvedMetadata",
    "Subject",
    "legacy_problems",
    "metadata_differences",
    "normalise_legacy",
    "normalise_rdm",
    "to_legacy_payload",
    "to_rdm_payload",
]


def _top_level(normalised: dict[str, Any], *, with_body_fields: bool) -> dict[str, Any]:
    """Metadata fields as top-level names; a body's ``access`` and ``custom_fields`` too."""
    metadata = normalised.get("metadata")
    if not isinstance(metadata, dict):
        return normalised
    flat = dict(metadata)
    if with_body_fields:
        flat["access"] = normalised.get("access", {"record": "public", "files": "public"})
        flat["custom_fields"] = normalised.get("custom_fields", {})
    return flat


def _is_body(data: dict[str, Any]) -> bool:
    return isinstance(data.get("metadata"), dict)


def metadata_differences(
    local: dict[str, Any], remote: dict[str, Any], *, api: Literal["rdm", "legacy"] = "rdm"
) -> list[str]:
    """Sorted names of the top-level metadata fields that differ after normalisation.

    Both arguments are RDM bodies or metadata dicts (``api="rdm"``), or legacy deposition
    metadata, bare or wrapped in ``{"metadata": ...}`` (``api="legacy"``). When both are RDM
    bodies, ``access`` and ``custom_fields`` are compared as two more fields.
    """
    if api == "legacy":
        ours, theirs = normalise_legacy(local), normalise_legacy(remote)
    else:
        both_bodies = _is_body(local) and _is_body(remote)
        ours = _top_level(normalise_rdm(local), with_body_fields=both_bodies)
        theirs = _top_level(normalise_rdm(remote), with_body_fields=both_bodies)
    return sorted(k for k in ours.keys() | theirs.keys() if ours.get(k) != theirs.get(k))
