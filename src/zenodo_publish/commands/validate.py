"""``zenodo-publish validate``: check the manifest, its metadata sources and the file selection.

No network and no file contents are read (archives are not built): this is the check a pull
request or an editor runs. Exit 0 with a short summary, or 1 with every problem as
``file:line:col: json.path: message (what to do)``.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys

from zenodo_publish.commands._manifest_options import add_manifest_arguments
from zenodo_publish.errors import ManifestError
from zenodo_publish.humanize import human_size, plural
from zenodo_publish.manifest import inspect_manifest, select_files
from zenodo_publish.manifest.files import SelectedArchive, SelectedFile

HELP = "check the manifest, its metadata sources and the files it selects (offline)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_manifest_arguments(parser)
    parser.add_argument(
        "--json",
        action="store_true",
        help="print the result as JSON: valid, problems (file, line, column, json_path, "
        "message, hint), and for a valid manifest its metadata and files",
    )


def run(args: argparse.Namespace) -> int:
    from zenodo_publish.collection.manifest import is_collection, load_collection

    if is_collection(args.manifest):
        collection = load_collection(
            args.manifest, repo_root=args.repo_root, check_files=lambda keys: keys
        )
        first = collection.first
        if getattr(args, "json", False):
            _print_json(
                {
                    "valid": True,
                    "manifest": collection.display_name,
                    "records": list(collection.keys),
                    "endpoint": first.endpoint.api_url,
                    "api": first.api,
                    "problems": [],
                }
            )
            return 0
        print(
            f"{collection.display_name} is valid: a collection of {len(collection.records)} records"
        )
        shown = ", ".join(collection.keys[:5]) + (", ..." if len(collection.keys) > 5 else "")
        print(f"  records:  {shown}")
        print(f"  record files: {collection.record_folder.as_posix()}/<key>.json")
        print(f"  endpoint: {first.endpoint.name} ({first.endpoint.api_url}), api {first.api}")
        return 0
    manifest, problems = inspect_manifest(args.manifest, repo_root=args.repo_root, check_files=True)
    if manifest is None:
        if getattr(args, "json", False):
            _print_json(
                {
                    "valid": False,
                    "manifest": str(args.manifest),
                    "problems": [dataclasses.asdict(p) for p in problems],
                }
            )
            return ManifestError.exit_code
        raise ManifestError(problems)
    selected, _ = select_files(manifest.files)
    files = [item for item in selected if isinstance(item, SelectedFile)]
    archives = [item for item in selected if isinstance(item, SelectedArchive)]
    md = manifest.metadata.metadata
    if getattr(args, "json", False):
        _print_json(
            {
                "valid": True,
                "manifest": manifest.display_name,
                "endpoint": manifest.endpoint.api_url,
                "api": manifest.api,
                "publish": {"on": manifest.publish.on, "tags": manifest.publish.tags},
                "metadata": dataclasses.asdict(md),
                "provenance": dict(manifest.metadata.provenance),
                "files": [{"name": f.name, "size": f.size} for f in files],
                "archives": [{"name": a.name, "folder": a.folder} for a in archives],
                "problems": [],
            }
        )
        return 0
    total = human_size(sum(f.size for f in files))
    what = f"{plural(len(files), 'file')} ({total})"
    if archives:
        what += f" + {plural(len(archives), 'archive')}"
    print(f"{manifest.display_name} is valid")
    print(f"  record:   {md.title!r} ({md.resource_type}), {plural(len(md.creators), 'creator')}")
    print(f"  files:    {what}")
    print(f"  endpoint: {manifest.endpoint.name} ({manifest.endpoint.api_url}), api {manifest.api}")
    print(
        f"  publish:  {manifest.publish.on}"
        + (f" (tags {manifest.publish.tags})" if manifest.publish.on == "tags" else "")
    )
    return 0


def _print_json(document: dict[str, object]) -> None:
    json.dump(document, sys.stdout, indent=2, sort_keys=True, ensure_ascii=False)
    sys.stdout.write("\n")
