"""``zenodo-publish discard``: delete this repository's open draft (and only that one).

The draft is the one the record file names for the endpoint, so a discard can never reach a
record of another repository. A new-version draft gives way to the latest published version;
a draft that was never published disappears from the record file.
"""

from __future__ import annotations

import argparse
import json
import sys

from zenodo_publish.commands._engine_options import add_engine_arguments, named_record
from zenodo_publish.sync.record_file import RecordEntry, remove_entry, write_entry

HELP = "discard this repository's open Zenodo draft (the one the record file names)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_engine_arguments(parser, dry_run=False)


def run(args: argparse.Namespace) -> int:
    named = named_record(
        args,
        action="discard",
        hint="discard only touches the draft this repository's record file names",
    )
    backend, entry, endpoint = named.backend, named.entry, named.endpoint
    record_path = named.manifest.repo_root / named.manifest.record_file
    draft = backend.read_draft(entry.record_id)
    if draft is None:
        _say(args, {"discarded": None, "record_id": entry.record_id}, "no open draft; nothing done")
        return 0
    backend.discard(draft.id)
    outcome: dict[str, object] = {"discarded": draft.id}
    if draft.is_published:
        # An edit draft: the published record stays what the record file names.
        outcome["record_id"] = draft.id
    else:
        latest = backend.find_records(f"parent.id:{draft.concept_id}") if draft.concept_id else []
        if latest:
            record = latest[0]
            write_entry(
                record_path,
                endpoint.api_url,
                RecordEntry(
                    record_id=record.id,
                    concept_id=record.concept_id,
                    doi=record.doi,
                    concept_doi=record.concept_doi,
                    version=record.version,
                    state="published",
                    record_url=record.html_url,
                ),
                root=named.manifest.repo_root,
            )
            outcome["record_id"] = record.id
        else:
            remove_entry(record_path, endpoint.api_url, root=named.manifest.repo_root)
            outcome["record_id"] = None
    _say(args, outcome, f"discarded draft {draft.id}")
    return 0


def _say(args: argparse.Namespace, outcome: dict[str, object], text: str) -> None:
    if args.json:
        json.dump(outcome, sys.stdout, sort_keys=True)
        sys.stdout.write("\n")
    else:
        print(text)
