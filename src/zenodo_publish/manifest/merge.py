"""Metadata precedence (SPEC §3): ``metadata:`` first, then ``metadata_from`` in the order given.

Precedence is per field: a field the manifest does not set is taken from the first source that
sets it, whole (a list of creators is never stitched together from two files). The provenance
says, for each field, which source won.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from zenodo_publish.errors import Problem
from zenodo_publish.manifest.loader import LoadedYaml
from zenodo_publish.manifest.sources import SourceFields
from zenodo_publish.metadata.model import METADATA_FIELDS, Metadata, ResolvedMetadata

REQUIRED = ("title", "resource_type", "creators")
DEFAULTS: dict[str, Any] = {"publisher": "Zenodo", "access_files": "public"}


def merge_sources(
    sources: Sequence[SourceFields], manifest: LoadedYaml, *, metadata_from: Sequence[str]
) -> tuple[ResolvedMetadata | None, list[Problem]]:
    values: dict[str, Any] = {}
    provenance: dict[str, str] = {}
    for name in METADATA_FIELDS:
        for source in sources:
            if name in source.values:
                values[name] = source.values[name]
                provenance[name] = source.label
                break
        else:
            if name in DEFAULTS:
                values[name] = DEFAULTS[name]
                provenance[name] = "default"
    failed = set().union(*(source.failed for source in sources))
    # A field a source tried to give but got wrong is already reported there.
    missing = [name for name in REQUIRED if name not in values and name not in failed]
    problems: list[Problem] = []
    for name in missing:
        hint = f"add metadata.{name}"
        if name == "resource_type" and "CITATION.cff" in metadata_from:
            hint += " (dataset, software, ...), or `type: dataset` or `type: software` to "
            hint += "CITATION.cff (without `type:` no resource type is assumed)"
        elif not metadata_from:
            hint += ", or take it from CITATION.cff with metadata_from: [CITATION.cff]"
        else:
            hint += " (no file of metadata_from has it either)"
        problems.append(manifest.problem(("metadata", name), f"no {name} for the record", hint))
    if problems or any(name not in values for name in REQUIRED):
        return None, problems
    return ResolvedMetadata(Metadata(**values), provenance), []
