"""``zenodo-publish status``: every record of a collection, from the record folder (offline)."""

from __future__ import annotations

import argparse
import json
import sys

from zenodo_publish.commands._manifest_options import add_manifest_arguments

HELP = "list every record of a collection: key, state, record, version, DOI, concept, files"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_manifest_arguments(parser)
    parser.add_argument(
        "--endpoint", help="sandbox, production or an InvenioRDM API URL (overrides the manifest)"
    )
    form = parser.add_mutually_exclusive_group()
    form.add_argument("--json", action="store_true", help="print JSON")
    form.add_argument(
        "--markdown", action="store_true", help="print Markdown (for $GITHUB_STEP_SUMMARY)"
    )


def run(args: argparse.Namespace) -> int:
    from zenodo_publish.collection.manifest import load_collection
    from zenodo_publish.collection.status import (
        as_json,
        collection_status,
        render_markdown,
        render_text,
    )
    from zenodo_publish.manifest import parse_endpoint

    collection = load_collection(args.manifest, repo_root=args.repo_root)
    endpoint = parse_endpoint(args.endpoint) if args.endpoint else collection.first.endpoint
    rows = collection_status(collection, endpoint.api_url)
    if args.json:
        json.dump(as_json(rows, endpoint.api_url), sys.stdout, indent=2, sort_keys=True)
        sys.stdout.write("\n")
    elif args.markdown:
        sys.stdout.write(render_markdown(rows, endpoint.api_url))
    else:
        print(render_text(rows, endpoint.api_url))
    return 0
