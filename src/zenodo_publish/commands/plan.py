"""``zenodo-publish plan``: what would be sent to Zenodo.

Without flags it reads Zenodo (never writes) and shows what ``sync`` would do: each file's
upload, replacement, deletion or skip, the metadata fields that differ with their sources, and
whether it would publish. ``--offline`` resolves everything locally instead: the metadata with
the source of each field, the body the chosen API would receive, and the file table.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import tempfile
from pathlib import Path
from typing import Any

from zenodo_publish.commands._engine_options import add_engine_arguments, run_engine
from zenodo_publish.humanize import human_size
from zenodo_publish.manifest import LocalState, Manifest, load_manifest, resolve_files
from zenodo_publish.metadata import METADATA_FIELDS, to_legacy_payload, to_rdm_payload

HELP = "show the resolved metadata (with sources) and the files that would be uploaded"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_engine_arguments(parser, dry_run=False)
    parser.add_argument(
        "--offline", action="store_true", help="resolve locally only; do not contact Zenodo"
    )
    parser.add_argument(
        "--publish", action="store_true", help="plan a publishing run (as `publish` would)"
    )


def _plain(value: Any) -> Any:
    """Model values as JSON data: dataclasses as mappings without their empty fields."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        fields = {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
        return {k: v for k, v in fields.items() if v not in (None, "", [], {})}
    if isinstance(value, tuple | list):
        if value and all(isinstance(v, tuple) and len(v) == 2 for v in value):
            return {str(k): _plain(v) for k, v in value}  # (scheme, id) pairs
        return [_plain(v) for v in value]
    return value


def offline_plan(manifest: Manifest, local: LocalState) -> dict[str, Any]:
    """Everything that can be known without the server, as JSON-ready data."""
    md = manifest.metadata.metadata
    provenance = manifest.metadata.provenance
    metadata = {
        name: {"value": _plain(getattr(md, name)), "source": provenance[name]}
        for name in METADATA_FIELDS
        if name in provenance
    }
    payload = to_legacy_payload(md) if manifest.api == "legacy" else to_rdm_payload(md)
    plan: dict[str, Any] = {
        "endpoint": manifest.endpoint.api_url,
        "endpoint_name": manifest.endpoint.name,
        "api": manifest.api,
        "record_file": manifest.record_file.as_posix(),
        "publish": {"on": manifest.publish.on, "tags": manifest.publish.tags},
        "metadata": metadata,
        "payload": payload,
        "files": [
            {"name": f.name, "size": f.size, "md5": f.md5, "source": f.origin} for f in local.files
        ],
        "total_size": local.total_size,
    }
    if manifest.mirrors:
        plan["mirrors"] = _offline_mirrors(manifest, local)
    return plan


def _offline_mirrors(manifest: Manifest, local: LocalState) -> list[dict[str, Any]]:
    """Where each mirror would put each file (the bucket is not read offline)."""
    from zenodo_publish.mirror.objects import mirror_objects

    return [
        {
            "s3": target.url,
            "manifest": target.place,
            "layout": target.layout,
            "delete": target.delete,
            "objects": [
                target.key_prefix() + obj.key
                for obj in mirror_objects(local, manifest.files, target)
            ],
        }
        for target in manifest.mirrors
    ]


def _summary(value: Any) -> str:
    if isinstance(value, list):
        parts = [_summary(v) for v in value]
        text = "; ".join(parts)
    elif isinstance(value, dict) and "identifier" in value:
        text = f"{value.get('relation_type')} {value.get('scheme')}:{value['identifier']}"
    elif isinstance(value, dict) and "funder" in value:
        funder = value["funder"]
        text = str(funder.get("name") or f"ror:{funder.get('ror')}")
        award = value.get("award") or {}
        if award:
            text += f" ({award.get('id') or award.get('number') or award.get('title')})"
    elif isinstance(value, dict):
        person = value.get("family_name") or value.get("name")
        if person:
            given = value.get("given_name")
            text = f"{person}, {given}" if given else str(person)
        else:
            text = ", ".join(f"{k}={_summary(v)}" for k, v in value.items())
    else:
        text = " ".join(str(value).split())
    return text if len(text) <= 70 else text[:67] + "..."


def render_text(plan: dict[str, Any]) -> str:
    lines = [
        f"endpoint: {plan['endpoint_name']} ({plan['endpoint']}), api {plan['api']}, "
        f"record file {plan['record_file']}",
        f"publish: {plan['publish']['on']}"
        + (f" (tags {plan['publish']['tags']})" if plan["publish"]["on"] == "tags" else ""),
        "metadata:",
    ]
    for name, entry in plan["metadata"].items():
        lines.append(f"  {name:<17} {_summary(entry['value']):<72} [{entry['source']}]")
    files = plan["files"]
    lines.append(f"files ({len(files)}, {human_size(plan['total_size'])}):")
    width = max([len(f["name"]) for f in files] + [4])
    lines.append(f"  {'name':<{width}}  {'size':>12}  {'md5':<32}  source")
    for f in files:
        lines.append(f"  {f['name']:<{width}}  {f['size']:>12}  {f['md5']}  {f['source']}")
    for mirror in plan.get("mirrors") or []:
        lines.append(
            f"mirror {mirror['s3']} ({mirror['manifest']}, layout {mirror['layout']}"
            + (", delete" if mirror["delete"] else "")
            + "):"
        )
        lines.extend(f"  {key}" for key in mirror["objects"])
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    if not args.offline:
        return run_engine(args, mode="plan", may_publish=args.publish)
    manifest = load_manifest(args.manifest, repo_root=args.repo_root)
    with tempfile.TemporaryDirectory(prefix="zenodo-publish-plan-") as build_dir:
        local = resolve_files(manifest, build_dir=Path(build_dir))
        plan = offline_plan(manifest, local)
    print(json.dumps(plan, indent=2, ensure_ascii=False) if args.json else render_text(plan))
    return 0
