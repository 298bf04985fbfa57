"""``zenodo-publish status``: every record of a collection as the repository knows it (SPEC §9).

Read from the record folder (no network): key, state, record id, version, DOI, concept and the
files the manifest selects for it. Like the Heritage Data Processor's "drafts" and "published"
tabs, records are shown grouped: published ones by concept, then drafts, then records that are
not on Zenodo yet.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from zenodo_publish.collection.manifest import Collection
from zenodo_publish.manifest.files import select_files
from zenodo_publish.sync.record_file import read_entry

_GROUPS = (("published", "Published"), ("draft", "Drafts"), ("none", "Not on Zenodo yet"))


@dataclass(frozen=True)
class RecordStatus:
    key: str
    state: str  # published | draft | none
    record_id: str | None
    version: str | None
    doi: str | None
    concept_id: str | None
    concept_doi: str | None
    record_url: str | None
    files: tuple[str, ...]


def collection_status(collection: Collection, endpoint_url: str) -> list[RecordStatus]:
    found: list[RecordStatus] = []
    for record in collection.records:
        path = collection.repo_root / collection.record_file(record.key)
        entry = read_entry(path, endpoint_url, root=collection.repo_root)
        selected, _ = select_files(record.manifest.files)
        names = tuple(item.name for item in selected)
        if entry is None:
            found.append(
                RecordStatus(record.key, "none", None, None, None, None, None, None, names)
            )
            continue
        found.append(
            RecordStatus(
                key=record.key,
                state="published" if entry.state == "published" else "draft",
                record_id=entry.record_id,
                version=entry.version,
                doi=entry.doi,
                concept_id=entry.concept_id,
                concept_doi=entry.concept_doi,
                record_url=entry.record_url,
                files=names,
            )
        )
    return found


def _grouped(rows: list[RecordStatus]) -> list[tuple[str, list[RecordStatus]]]:
    groups = []
    for state, title in _GROUPS:
        members = [row for row in rows if row.state == state]
        members.sort(key=lambda row: (row.concept_id or "", row.key))
        if members:
            groups.append((title, members))
    return groups


def render_text(rows: list[RecordStatus], endpoint_url: str) -> str:
    lines = [f"{len(rows)} records on {endpoint_url}"]
    for title, members in _grouped(rows):
        lines += ["", f"{title} ({len(members)}):"]
        lines.append(
            f"  {'key':<24} {'record':<10} {'version':<10} {'concept':<10} {'files':>5}  DOI"
        )
        for row in members:
            lines.append(
                f"  {row.key:<24} {row.record_id or '-':<10} {row.version or '-':<10} "
                f"{row.concept_id or '-':<10} {len(row.files):>5}  {row.doi or '-'}"
            )
    return "\n".join(lines)


def render_markdown(rows: list[RecordStatus], endpoint_url: str) -> str:
    counts = {state: sum(1 for r in rows if r.state == state) for state, _ in _GROUPS}
    lines = [
        "### Zenodo Publish: collection status",
        "",
        f"{len(rows)} records on `{endpoint_url}`: {counts['published']} published, "
        f"{counts['draft']} drafts, {counts['none']} not on Zenodo yet.",
    ]
    for title, members in _grouped(rows):
        lines += ["", f"#### {title}", ""]
        lines += ["| key | record | version | DOI | concept | files |", "|---|---|---|---|---|---|"]
        for row in members:
            record = (
                f"[{row.record_id}]({row.record_url})" if row.record_url else row.record_id or ""
            )
            doi = f"[{row.doi}](https://doi.org/{row.doi})" if row.doi else ""
            concept = row.concept_doi or row.concept_id or ""
            cells = (f"`{row.key}`", record, row.version or "", doi, concept, str(len(row.files)))
            lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def as_json(rows: list[RecordStatus], endpoint_url: str) -> dict[str, Any]:
    return {"endpoint": endpoint_url, "records": [asdict(row) for row in rows]}
