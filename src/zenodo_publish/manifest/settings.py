"""Typed settings built from a valid manifest: :func:`load_manifest` and what it returns."""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, cast
from urllib.parse import urlsplit

from zenodo_publish.errors import ManifestError, Problem, UsageError
from zenodo_publish.manifest.files import select_files
from zenodo_publish.manifest.loader import LoadedYaml, PathKey, load_yaml_file
from zenodo_publish.manifest.merge import merge_sources
from zenodo_publish.manifest.mirrors import MirrorTarget, read_mirrors
from zenodo_publish.manifest.rules import FileRule, FileSettings
from zenodo_publish.manifest.schema import schema_problems
from zenodo_publish.manifest.sources import SourceFields, citation_cff, zenodo_json
from zenodo_publish.manifest.sources.citation_cff import read_citation_cff
from zenodo_publish.manifest.sources.stepup import (
    file_rules,
    record_and_token_files,
)
from zenodo_publish.manifest.sources.zenodo_json import read_zenodo_json
from zenodo_publish.manifest.sources.zenodo_yaml import read_manifest_metadata
from zenodo_publish.manifest.vocabularies import check_zenodo_license
from zenodo_publish.metadata.legacy import legacy_problems
from zenodo_publish.metadata.model import ResolvedMetadata
from zenodo_publish.netaddr import is_loopback_host

SANDBOX_API = "https://sandbox.zenodo.org/api"
PRODUCTION_API = "https://zenodo.org/api"
#: Hosts that are Zenodo production or the sandbox, whatever the URL's spelling (SPEC §13.6).
PRODUCTION_HOSTS = frozenset({"zenodo.org", "www.zenodo.org"})
SANDBOX_HOSTS = frozenset({"sandbox.zenodo.org"})
_DEFAULT_PORTS = {"https": 443, "http": 80}

EndpointName = Literal["sandbox", "production", "custom"]


@dataclass(frozen=True)
class Endpoint:
    name: EndpointName
    api_url: str  # no trailing slash, e.g. "https://sandbox.zenodo.org/api"

    @property
    def is_production(self) -> bool:
        return self.name == "production"


def parse_endpoint(value: str) -> Endpoint:
    """``sandbox``, ``production`` or an http(s) URL ending in ``/api``. Plain http is allowed
    only for loopback hosts (the local emulator): a token must never cross a network in clear."""
    text = value.strip()
    if text == "sandbox":
        return Endpoint("sandbox", SANDBOX_API)
    if text == "production":
        return Endpoint("production", PRODUCTION_API)
    hint = "write sandbox, production, or the API's URL such as https://zenodo.org/api"
    try:
        parts = urlsplit(text.rstrip("/"))
        # Case, a trailing dot and the default port do not change the host (SPEC §13.6).
        host = (parts.hostname or "").rstrip(".")
        port = parts.port
    except ValueError:
        raise UsageError(f"endpoint {value!r} is not a URL", hint=hint) from None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https") or not host or parts.query or parts.fragment:
        raise UsageError(f"endpoint {value!r} is not sandbox, production or a URL", hint=hint)
    if scheme == "http" and not is_loopback_host(host):
        raise UsageError(
            f"endpoint {value!r} uses plain http",
            hint="use https; plain http is only allowed for a local emulator on loopback",
        )
    if not parts.path.endswith("/api"):
        raise UsageError(f"endpoint {value!r} does not end in /api", hint=hint)
    if port == _DEFAULT_PORTS[scheme]:
        port = None
    shown_host = f"[{host}]" if ":" in host else host
    netloc = shown_host + (f":{port}" if port is not None else "")
    url = f"{scheme}://{netloc}{parts.path}"
    if host in PRODUCTION_HOSTS:
        return Endpoint("production", PRODUCTION_API if parts.path == "/api" else url)
    if host in SANDBOX_HOSTS:
        return Endpoint("sandbox", SANDBOX_API if parts.path == "/api" else url)
    return Endpoint("custom", url)


PublishOn = Literal["never", "tags", "always"]


@dataclass(frozen=True)
class PublishPolicy:
    on: PublishOn = "never"
    tags: str = "v*"  # fnmatch pattern
    #: Whether pre-releases (GitHub's flag, or a pre-release version) may publish (SPEC §13.4).
    prereleases: bool = False

    def tag_publishes(self, tag: str) -> bool:
        return self.on == "always" or (self.on == "tags" and fnmatch.fnmatchcase(tag, self.tags))


@dataclass(frozen=True)
class Manifest:
    path: Path  # the manifest file, absolute
    repo_root: Path  # absolute
    endpoint: Endpoint
    api: Literal["rdm", "legacy"]
    record_file: Path  # repository-relative; .txt means StepUp's one-line format
    token_file: str | None  # StepUp's path_token as written (see zenodo_publish.tokens)
    code_repository: str | None
    metadata: ResolvedMetadata
    publish: PublishPolicy
    files: FileSettings
    metadata_from: tuple[str, ...] = ()
    mirrors: tuple[MirrorTarget, ...] = ()
    raw: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def record_file_is_stepup(self) -> bool:
        return self.record_file.suffix == ".txt"

    @property
    def file_rules(self) -> tuple[FileRule, ...]:
        return self.files.rules

    @property
    def exclude(self) -> tuple[str, ...]:
        return self.files.exclude

    @property
    def display_name(self) -> str:
        return self.files.display_name


def _display_name(path: Path, repo_root: Path) -> str:
    try:
        return path.resolve().relative_to(repo_root.resolve()).as_posix()
    except ValueError:
        return str(path)


def _endpoint(loaded: LoadedYaml, problems: list[Problem]) -> Endpoint:
    value = loaded.get(("endpoint",))
    if not isinstance(value, str):
        return Endpoint(
            "sandbox", SANDBOX_API
        )  # StepUp's default too: never production by accident
    try:
        return parse_endpoint(value)
    except UsageError as error:
        problems.append(loaded.problem(("endpoint",), error.message, error.hint))
        return Endpoint("sandbox", SANDBOX_API)


def _publish(loaded: LoadedYaml) -> PublishPolicy:
    value = loaded.get(("publish",))
    if isinstance(value, str) and value in ("never", "tags", "always"):
        return PublishPolicy(on=cast(PublishOn, value))
    if isinstance(value, dict):
        on = value.get("on", "never")
        tags = value.get("tags", "v*")
        prereleases = value.get("prereleases", False) is True
        if on in ("never", "tags", "always") and isinstance(tags, str):
            return PublishPolicy(on=cast(PublishOn, on), tags=tags, prereleases=prereleases)
    return PublishPolicy()


def _metadata_sources(
    loaded: LoadedYaml, repo_root: Path, problems: list[Problem]
) -> tuple[list[SourceFields], tuple[str, ...]]:
    own, checker = read_manifest_metadata(loaded, repo_root)
    problems.extend(checker.problems)
    sources = [own]
    # A wrongly typed metadata_from (a number, a mapping) is the schema's problem, not a crash.
    listed = loaded.get(("metadata_from",))
    names = tuple(n for n in listed if isinstance(n, str)) if isinstance(listed, list) else ()
    readers = {
        "CITATION.cff": (read_citation_cff, citation_cff.KEYS),
        ".zenodo.json": (read_zenodo_json, zenodo_json.KEYS),
    }
    for name in dict.fromkeys(names):
        if name not in readers:
            continue  # the schema reports unknown sources
        reader, keys = readers[name]
        fields, found = reader(repo_root)
        fields.mark_failed(found, keys)
        sources.append(fields)
        problems.extend(found)
    return sources, names


def _zenodo_license_problems(resolved: ResolvedMetadata, loaded: LoadedYaml) -> list[Problem]:
    """Zenodo refuses licence ids outside its own list (400 at the first save): say so now, at
    the place the licence came from."""
    license_id = resolved.metadata.license
    issue = check_zenodo_license(license_id) if license_id else None
    if issue is None:
        return []
    source = resolved.provenance.get("license", "zenodo.yaml")
    if source == "zenodo.yaml":
        return [loaded.problem(("metadata", "license"), issue.message, issue.hint)]
    return [Problem(issue.message, source, json_path="$.license", hint=issue.hint)]


def inspect_manifest(
    path: Path, *, repo_root: Path | None = None, check_files: bool = False
) -> tuple[Manifest | None, list[Problem]]:
    """Load and check everything; return the manifest (when valid) and every problem found.
    With ``check_files``, the file selection is checked too (no file is read)."""
    root = (repo_root or path.parent).resolve()
    display = _display_name(path, root)
    try:
        # A manifest inside the repository must stay there (no symlink out); one named outside it
        # on the command line is the user's own choice.
        within = path.absolute().parent.resolve().is_relative_to(root)
        loaded = load_yaml_file(path, file=display, root=root if within else None)
    except ManifestError as error:
        return None, error.problems
    return inspect_loaded(path, loaded, root, check_files=check_files)


def inspect_loaded(
    path: Path, loaded: LoadedYaml, root: Path, *, check_files: bool = False
) -> tuple[Manifest | None, list[Problem]]:
    """:func:`inspect_manifest` for a document already parsed (a collection builds one such
    document per record, with the places of its values kept)."""
    display = loaded.file
    if not isinstance(loaded.data, dict):
        what = "empty" if loaded.data is None else "not a mapping of keys"
        return None, [
            loaded.problem(
                (), f"the manifest is {what}", "start with endpoint:, metadata: and files:"
            )
        ]
    if "records" in loaded.data:
        return None, [
            loaded.problem(
                ("records",),
                "this manifest describes a collection (records:), not one record",
                "use validate, plan, sync, publish or status, which handle collections",
                at_key=True,
            )
        ]
    problems = schema_problems(loaded)
    endpoint = _endpoint(loaded, problems)
    record_file, token_file = record_and_token_files(loaded, root, problems)
    files = FileSettings(root, display, *file_rules(loaded, problems))
    mirrors, mirror_problems = read_mirrors(loaded)
    problems.extend(mirror_problems)
    sources, names = _metadata_sources(loaded, root, problems)
    resolved, missing = merge_sources(sources, loaded, metadata_from=names)
    reported = {p.json_path for p in problems}
    problems.extend(
        p
        for p in missing
        if not any(r.startswith(p.json_path) or p.json_path.startswith(r + ".") for r in reported)
    )
    api: Literal["rdm", "legacy"] = "legacy" if loaded.get(("api",)) == "legacy" else "rdm"
    if resolved is not None and api == "legacy":
        for name, message, hint in legacy_problems(resolved.metadata):
            field, _, index = name.partition("[")
            where: PathKey = ("metadata", field)
            if index:
                where = (*where, int(index.rstrip("]")))
            problems.append(loaded.problem(where, message, hint))
    if resolved is not None and endpoint.name in ("sandbox", "production"):
        problems.extend(_zenodo_license_problems(resolved, loaded))
    if check_files:
        problems.extend(select_files(files)[1])
    if problems or resolved is None:
        # The manifest's own problems first, then those in other files; each in file order.
        return None, sorted(
            problems, key=lambda p: (p.file != display, p.file, p.line or 0, p.column or 0)
        )
    manifest = Manifest(
        path=path.resolve(),
        repo_root=root,
        endpoint=endpoint,
        api=api,
        record_file=record_file,
        token_file=token_file,
        code_repository=resolved.metadata.code_repository,
        metadata=resolved,
        publish=_publish(loaded),
        files=files,
        metadata_from=names,
        mirrors=mirrors,
        raw=loaded.data,
    )
    return manifest, []


def load_manifest(path: Path, *, repo_root: Path | None = None) -> Manifest:
    """The typed manifest. ``repo_root`` defaults to the manifest's folder. Raises
    ManifestError listing every problem (files are checked later, by resolve_files)."""
    manifest, problems = inspect_manifest(path, repo_root=repo_root)
    if manifest is None:
        raise ManifestError(problems)
    return manifest
