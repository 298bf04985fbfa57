"""``zenodo-publish mirror``: the manifest's files to its S3-compatible mirrors only (SPEC §10).

No Zenodo token and no record are needed: a manifest may have mirrors and no Zenodo record yet.
``sync`` runs the same mirrors after Zenodo.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING

from zenodo_publish.commands._collection import add_selection_arguments
from zenodo_publish.commands._engine_options import parallel_count
from zenodo_publish.commands._manifest_options import add_manifest_arguments
from zenodo_publish.errors import UsageError

if TYPE_CHECKING:
    from zenodo_publish.mirror.run import MirrorResult

HELP = "upload the selected files to the manifest's S3 mirrors (only what changed)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_manifest_arguments(parser)
    parser.add_argument(
        "--dry-run", action="store_true", help="list the buckets and show what would change"
    )
    parser.add_argument(
        "--force-upload", action="store_true", help="upload every file even when its md5 matches"
    )
    parser.add_argument(
        "--parallel",
        type=parallel_count,
        default=10,
        metavar="N",
        help="send up to N requests at once, files and parts together (1-16, default 10, "
        "as the aws CLI)",
    )
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    add_selection_arguments(parser)


def run(args: argparse.Namespace) -> int:
    from zenodo_publish.collection.manifest import is_collection
    from zenodo_publish.manifest import load_manifest
    from zenodo_publish.mirror.run import mirror_manifest
    from zenodo_publish.sync.report import StreamReporter

    if is_collection(args.manifest, repo_root=args.repo_root):
        return _mirror_collection(args)
    manifest = load_manifest(args.manifest, repo_root=args.repo_root)
    if not manifest.mirrors:
        raise UsageError(
            f"{manifest.display_name} has no mirrors:",
            hint="add mirrors: [{s3: s3://bucket/prefix}] to the manifest",
        )
    result = mirror_manifest(
        manifest,
        dry_run=args.dry_run,
        force=args.force_upload,
        parallel=args.parallel,
        reporter=StreamReporter(),
    )
    print_mirror_result(result, as_json=args.json)
    result.raise_for_failure()
    return 0


def _mirror_collection(args: argparse.Namespace) -> int:
    """Every record of a collection (or those --records/--shard select) under prefix/<key>/."""
    from zenodo_publish.collection.manifest import load_collection
    from zenodo_publish.collection.selection import chosen, parse_keys, parse_shard, select
    from zenodo_publish.mirror.run import mirror_records
    from zenodo_publish.sync.report import StreamReporter

    wanted = parse_keys(args.records) if args.records else None
    shard = parse_shard(args.shard) if args.shard else None
    collection = load_collection(
        args.manifest,
        repo_root=args.repo_root,
        check_files=lambda keys: chosen(keys, wanted=wanted, shard=shard),
    )
    keys = select(collection.keys, wanted=wanted, shard=shard)
    if not collection.first.mirrors:
        raise UsageError(
            f"{collection.display_name} has no mirrors:",
            hint="add mirrors: [{s3: s3://bucket/prefix}] to the manifest",
        )
    by_key = {record.key: record.manifest for record in collection.records}
    result = mirror_records(
        [(key, by_key[key]) for key in keys],
        dry_run=args.dry_run,
        parallel=args.parallel,
        reporter=StreamReporter(),
    )
    print_mirror_result(result, as_json=args.json)
    result.raise_for_failure()
    return 0


def print_mirror_result(result: MirrorResult, *, as_json: bool) -> None:
    if as_json:
        json.dump(result.as_json(), sys.stdout, indent=2, sort_keys=True)
        sys.stdout.write("\n")
    else:
        print("\n".join(result.lines()))
