"""``zenodo-publish versions``: every published version of the record's concept (id, version,
DOI, publication date, file count), newest first, marking the one the record file names.

Read-only. The concept is the one of the record the record file names for the endpoint, so it
lists this repository's record and no other.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict, dataclass
from typing import Any

from zenodo_publish.commands._engine_options import add_engine_arguments, named_record

HELP = "list every published version of this repository's record (--json)"


@dataclass(frozen=True)
class VersionRow:
    record_id: str
    version: str | None
    doi: str | None
    publication_date: str | None
    files: int | None
    is_latest: bool | None
    in_record_file: bool


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_engine_arguments(parser, dry_run=False)


def run(args: argparse.Namespace) -> int:
    named = named_record(
        args,
        action="list",
        hint="run `zenodo-publish sync` first, or pass the endpoint the record lives on",
    )
    backend, entry, endpoint = named.backend, named.entry, named.endpoint
    rows = [
        VersionRow(
            record_id=r.id,
            version=r.version,
            doi=r.doi,
            publication_date=_text(r.metadata.get("publication_date")),
            files=_file_count(r.raw, len(r.files)),
            is_latest=r.is_latest,
            in_record_file=r.id == entry.record_id,
        )
        for r in backend.list_versions(entry.record_id)
    ]
    named_draft = not any(row.in_record_file for row in rows)
    if args.json:
        document = {
            "endpoint": endpoint.api_url,
            "concept_id": entry.concept_id,
            "concept_doi": entry.concept_doi,
            "record_file_names": entry.record_id,
            "record_file_state": entry.state,
            "versions": [asdict(row) for row in rows],
        }
        json.dump(document, sys.stdout, indent=2, sort_keys=True)
        sys.stdout.write("\n")
        return 0
    print(render(rows, entry.concept_doi, entry.record_id if named_draft else None))
    return 0


def render(rows: list[VersionRow], concept_doi: str | None, draft_id: str | None) -> str:
    lines = [f"concept DOI: {concept_doi or '(none yet)'}"]
    if not rows:
        lines.append("no published version yet")
    header = f"  {'id':<10} {'version':<12} {'DOI':<28} {'date':<10} {'files':>5}"
    if rows:
        lines.append(header)
    for row in rows:
        mark = "*" if row.in_record_file else " "
        latest = "  (latest)" if row.is_latest else ""
        lines.append(
            f"{mark} {row.record_id:<10} {row.version or '-':<12} {row.doi or '-':<28} "
            f"{row.publication_date or '-':<10} {row.files if row.files is not None else '-':>5}"
            f"{latest}"
        )
    if draft_id is not None:
        lines.append(f"the record file names draft {draft_id} (not published)")
    elif rows:
        lines.append("(* = the version the record file names)")
    return "\n".join(lines)


def _text(value: Any) -> str | None:
    return str(value) if value not in (None, "") else None


def _file_count(raw: dict[str, Any], listed: int) -> int | None:
    files = raw.get("files")
    if isinstance(files, dict) and isinstance(files.get("count"), int):
        return int(files["count"])
    if isinstance(files, list):  # legacy deposits list their files
        return len(files)
    return listed or None
