"""Options shared by the commands that talk to Zenodo (plan, sync, publish, discard)."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from zenodo_publish import tokens
from zenodo_publish.childenv import child_environment
from zenodo_publish.commands._collection import add_selection_arguments, run_collection_command
from zenodo_publish.commands._manifest_options import add_manifest_arguments
from zenodo_publish.errors import UsageError
from zenodo_publish.escape import for_terminal
from zenodo_publish.humanize import human_size
from zenodo_publish.sync.result import RunResult
from zenodo_publish.tokens import TOKEN_ENV

if TYPE_CHECKING:
    from zenodo_publish.manifest import Endpoint, Manifest
    from zenodo_publish.sync.record_file import RecordEntry
    from zenodo_publish.zenodo import Backend

if TYPE_CHECKING:
    from zenodo_publish.mirror.run import MirrorResult


def add_engine_arguments(parser: argparse.ArgumentParser, *, dry_run: bool = True) -> None:
    add_manifest_arguments(parser)
    parser.add_argument(
        "--token-file",
        type=Path,
        help=f"file holding the Zenodo token (default: ${TOKEN_ENV}, then the manifest's "
        "path_token)",
    )
    parser.add_argument(
        "--endpoint", help="sandbox, production or an InvenioRDM API URL (overrides the manifest)"
    )
    parser.add_argument("--api", choices=("rdm", "legacy"), help="overrides the manifest")
    parser.add_argument(
        "--parallel",
        type=parallel_count,
        default=4,
        metavar="N",
        help="upload up to N files at once (1-16, default 4)",
    )
    parser.add_argument(
        "--set-version",
        metavar="VERSION",
        help="version to record (as a release tag would; a leading v is dropped)",
    )
    parser.add_argument(
        "--allow-lower-version",
        action="store_true",
        help="allow a version lower than the latest published one (refused by default: "
        "versions never go backwards)",
    )
    parser.add_argument(
        "--repository-url",
        help="URL that marks this repository's records (default: the manifest's "
        "code_repository, then git's origin)",
    )
    if dry_run:
        parser.add_argument(
            "--dry-run", action="store_true", help="show what would happen; change nothing"
        )
    parser.add_argument(
        "--no-mirrors",
        action="store_true",
        help="leave the manifest's S3 mirrors alone (by default they follow Zenodo)",
    )
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    add_selection_arguments(parser)


@dataclass(frozen=True)
class NamedRecord:
    """The record this repository's record file names for the endpoint, and a backend to it."""

    manifest: Manifest
    endpoint: Endpoint
    entry: RecordEntry
    backend: Backend


def named_record(args: argparse.Namespace, *, action: str, hint: str) -> NamedRecord:
    """For commands that act on the record the record file names (discard, versions): a
    UsageError naming what to do when there is no such record or no token."""
    from zenodo_publish.manifest import load_manifest, parse_endpoint
    from zenodo_publish.sync.record_file import read_entry
    from zenodo_publish.zenodo import make_backend  # the HTTP stack only when it is used

    manifest = load_manifest(args.manifest, repo_root=args.repo_root)
    endpoint = parse_endpoint(args.endpoint) if args.endpoint else manifest.endpoint
    entry = read_entry(
        manifest.repo_root / manifest.record_file, endpoint.api_url, root=manifest.repo_root
    )
    if entry is None:
        raise UsageError(
            f"{manifest.record_file} holds no record for {endpoint.api_url}; nothing to {action}",
            hint=hint,
        )
    token = resolve_token(args, manifest)
    if not token:
        raise UsageError(f"a Zenodo token is needed to {action}", hint="set ZENODO_TOKEN")
    backend = make_backend(endpoint, args.api or manifest.api, token)
    return NamedRecord(manifest, endpoint, entry, backend)


def add_force_upload_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--force-upload",
        nargs="*",
        metavar="NAME",
        help="upload these files again even when Zenodo's md5 matches (no NAME: every file)",
    )


def parallel_count(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if not 1 <= value <= 16:
        raise argparse.ArgumentTypeError("must be between 1 and 16")
    return value


def resolve_token(args: argparse.Namespace, manifest: Manifest) -> str | None:
    """The token from --token-file, $ZENODO_TOKEN, or the manifest's path_token, in that order
    (the rules are in :mod:`zenodo_publish.tokens`). Registered as a secret before anything
    else happens with it. Refused when only the manifest sends it to a site other than Zenodo."""
    token = tokens.resolve_token(args.token_file, manifest.token_file, manifest.repo_root)
    if token:
        refusal = tokens.manifest_endpoint_refusal(
            manifest.endpoint, named_by_user=bool(getattr(args, "endpoint", None))
        )
        if refusal is not None:
            raise refusal
    return token


def version_from(args: argparse.Namespace) -> str | None:
    version: str | None = args.set_version
    if version and version[:1] in ("v", "V") and version[1:2].isdigit():
        return version[1:]
    return version


def repository_url(args: argparse.Namespace, manifest: Manifest) -> str | None:
    """The repository that marks this run's records: ``--repository-url``, else the manifest's
    code repository, else the git checkout's ``origin``."""
    return (
        args.repository_url
        or manifest.code_repository
        or repository_url_from_git(manifest.repo_root)
    )


def repository_url_from_git(repo_root: Path) -> str | None:
    """``origin``'s URL in https form, without credentials; None outside a git checkout."""
    try:
        completed = subprocess.run(
            ["git", "-C", str(repo_root), "remote", "get-url", "origin"],
            capture_output=True,
            text=True,
            check=False,
            env=child_environment(),
        )
    except OSError:
        return None
    url = completed.stdout.strip()
    if completed.returncode != 0 or not url:
        return None
    return normalise_repository_url(url)


def repository_root_from_git(folder: Path) -> Path | None:
    """The top folder of the git checkout holding ``folder``; None outside a checkout."""
    try:
        completed = subprocess.run(
            ["git", "-C", str(folder), "rev-parse", "--show-toplevel"],
            capture_output=True,
            text=True,
            check=False,
            env=child_environment(),
        )
    except OSError:
        return None
    top = completed.stdout.strip()
    return Path(top) if completed.returncode == 0 and top else None


def normalise_repository_url(url: str) -> str | None:
    if url.startswith("git@") and ":" in url:
        host, _, path = url[4:].partition(":")
        url = f"https://{host}/{path}"
    if not url.startswith(("https://", "http://")):
        return None
    scheme, _, rest = url.partition("://")
    rest = rest.rsplit("@", 1)[-1] if "@" in rest.split("/", 1)[0] else rest
    return f"https://{rest.removesuffix('.git').rstrip('/')}" if scheme else None


def print_result(result: RunResult, *, as_json: bool, mirrors: MirrorResult | None = None) -> None:
    if as_json:
        document = asdict(result)
        document.update(
            files_uploaded=result.files_uploaded,
            files_skipped=result.files_skipped,
            files_deleted=result.files_deleted,
        )
        if mirrors is not None:
            document["mirrors"] = mirrors.as_json()
        json.dump(document, sys.stdout, indent=2, sort_keys=True)
        sys.stdout.write("\n")
        return
    if result.mode == "plan":
        print(for_terminal(render_plan(result)))
        return
    ids = result.ids
    lines = []
    if result.dry_run:
        lines.append("dry run: nothing was changed")
    lines.append(
        f"files: {result.files_uploaded} uploaded, {result.files_skipped} unchanged, "
        f"{result.files_deleted} deleted"
        if not result.dry_run
        else f"files: {result.count('upload', 'replace')} to upload, {result.count('skip')} "
        f"unchanged, {result.count('delete')} to delete"
    )
    if ids.record_id:
        lines.append(f"record: {ids.record_id} ({ids.state})  {ids.record_url or ''}".rstrip())
    if ids.doi:
        lines.append(f"DOI: {ids.doi}  https://doi.org/{ids.doi}")
    if ids.concept_doi:
        lines.append(f"concept DOI: {ids.concept_doi}  https://doi.org/{ids.concept_doi}")
    if result.published:
        lines.append("published")
    for message in result.messages:
        lines.append(f"note: {message}")
    print(for_terminal("\n".join(lines)))


def run_engine(args: argparse.Namespace, *, mode: str, may_publish: bool) -> int:
    """Build the request from the flags, run the engine, print the result."""
    # Imported here: `zenodo-publish --help` should not pay for the engine's imports.
    from zenodo_publish.collection.manifest import is_collection
    from zenodo_publish.manifest import load_manifest
    from zenodo_publish.sync.engine import SyncRequest, run
    from zenodo_publish.sync.report import StreamReporter

    manifest_path: Path = args.manifest
    if is_collection(manifest_path):
        return run_collection_command(args, mode=mode, may_publish=may_publish)
    manifest = load_manifest(manifest_path, repo_root=args.repo_root)
    token = resolve_token(args, manifest)
    request = SyncRequest(
        mode=mode,  # type: ignore[arg-type]
        manifest_path=manifest_path,
        repo_root=args.repo_root,
        token=token,
        endpoint=args.endpoint,
        api=args.api,
        may_publish=may_publish,
        version=version_from(args),
        dry_run=getattr(args, "dry_run", False),
        parallel=args.parallel,
        repository_url=repository_url(args, manifest),
        force_upload=_force_upload(args),
        repository_root=repository_root_from_git(manifest.repo_root),
        allow_lower_version=getattr(args, "allow_lower_version", False),
    )
    result = run(request, reporter=StreamReporter())
    if not (manifest.mirrors and mode in ("plan", "sync", "publish") and not args.no_mirrors):
        print_result(result, as_json=args.json)
        return 0
    # SPEC §10: mirrors follow Zenodo in the same run. Zenodo's result is printed whatever the
    # mirrors do, so a mirror failure (exit code 7) never hides the record or its DOI.
    from zenodo_publish.mirror.run import mirror_manifest

    if not args.json:
        print_result(result, as_json=False)
    mirrors = None
    try:
        mirrors = mirror_manifest(
            manifest,
            dry_run=mode == "plan" or request.dry_run,
            reporter=StreamReporter(),
        )
    finally:
        if args.json:
            print_result(result, as_json=True, mirrors=mirrors)
        elif mirrors is not None:
            print("\n".join(mirrors.lines()))
    mirrors.raise_for_failure()
    return 0


def _force_upload(args: argparse.Namespace) -> tuple[str, ...] | None:
    names: list[str] | None = getattr(args, "force_upload", None)
    return None if names is None else tuple(names)


def render_plan(result: RunResult) -> str:
    """The live plan as a person reads it: what happens to each file and field, and why."""
    plan = result.plan
    target = f"record {plan['record_id']}" if plan.get("record_id") else "a new record"
    lines = [f"plan: {plan['action']} on {target} ({plan['api']} API, {plan['endpoint']})"]
    for entry in plan["files"]:
        size = human_size(entry["size"]) if entry.get("size") is not None else ""
        source = f"  <- {entry['source']}" if entry.get("source") else ""
        lines.append(
            f"  {entry['action']:<8} {entry['name']:<40} {size:>9}  {entry['reason']}{source}"
        )
    changes = plan.get("metadata_changes") or []
    if plan["action"] == "create":
        lines.append("metadata: all of it (a new record)")
    elif changes:
        fields = ", ".join(f"{c['field']} [{c['source']}]" for c in changes)
        lines.append(f"metadata: {fields}")
    else:
        lines.append("metadata: unchanged")
    lines.append(f"publish: {'yes' if plan.get('publish') else 'no'}")
    for request in plan.get("communities") or []:
        lines.append(
            f"community: {request['request']} request to {request['community']} "
            f"({request['reason']})"
        )
    for note in plan.get("notes") or []:
        lines.append(f"note: {note}")
    return "\n".join(lines)
