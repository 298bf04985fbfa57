"""``plan``, ``sync`` and ``publish`` of a collection manifest (``records:``, SPEC §9)."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path


def add_selection_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--records",
        metavar="KEY,...",
        help="collections: only these records (keys separated by commas)",
    )
    parser.add_argument(
        "--shard",
        metavar="I/N",
        help="collections: only the records of shard I of N (the keys split evenly by hash)",
    )


def run_collection_command(args: argparse.Namespace, *, mode: str, may_publish: bool) -> int:
    # Imported here: `zenodo-publish --help` should not pay for the engine's imports.
    from zenodo_publish.collection.manifest import load_collection
    from zenodo_publish.collection.report import as_json, render_text
    from zenodo_publish.collection.run import CollectionRequest, run_collection
    from zenodo_publish.collection.selection import chosen, parse_keys, parse_shard, select
    from zenodo_publish.commands._engine_options import (
        repository_url,
        resolve_token,
        version_from,
    )
    from zenodo_publish.errors import RecordsFailed
    from zenodo_publish.sync.report import StreamReporter

    manifest_path: Path = args.manifest
    wanted = parse_keys(args.records) if args.records else None
    shard = parse_shard(args.shard) if args.shard else None

    def check_files(keys: Sequence[str]) -> tuple[str, ...]:
        # The files of the records this run takes; every record's metadata is checked.
        return chosen(keys, wanted=wanted, shard=shard)

    collection = load_collection(manifest_path, repo_root=args.repo_root, check_files=check_files)
    select(collection.keys, wanted=wanted, shard=shard)  # unknown keys are an error here
    first = collection.first
    token = resolve_token(args, first)
    request = CollectionRequest(
        mode=mode,  # type: ignore[arg-type]
        token=token,
        endpoint=args.endpoint,
        api=args.api,
        may_publish=may_publish,
        version=version_from(args),
        dry_run=getattr(args, "dry_run", False),
        parallel=args.parallel,
        repository_url=repository_url(args, first),
        records=wanted,
        shard=shard,
    )
    result = run_collection(collection, request, reporter=StreamReporter())
    mirrors = None
    if first.mirrors and mode in ("plan", "sync", "publish") and not args.no_mirrors:
        # SPEC §10: each record that went through is mirrored under prefix/<key>/.
        from zenodo_publish.mirror.run import mirror_records

        by_key = {record.key: record.manifest for record in collection.records}
        mirrors = mirror_records(
            [(o.key, by_key[o.key]) for o in result.outcomes if o.ok],
            dry_run=mode == "plan" or request.dry_run,
            reporter=StreamReporter(),
        )
    if args.json:
        document = as_json(result)
        if mirrors is not None:
            document["mirrors"] = mirrors.as_json()
        json.dump(document, sys.stdout, indent=2, sort_keys=True)
        sys.stdout.write("\n")
    else:
        print(render_text(result))
        if mirrors is not None:
            print("\n".join(mirrors.lines()))
    if result.failed:
        reasons = [(o.key, o.error or "") for o in result.outcomes if not o.ok]
        raise RecordsFailed(reasons, total=len(result.outcomes))
    if mirrors is not None:
        mirrors.raise_for_failure()
    return 0
