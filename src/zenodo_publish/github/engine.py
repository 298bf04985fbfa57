"""The seam between the action adapter and the sync engine.

The entrypoint decides *what* may happen (policy) and reports *what did* happen (outputs,
summary, commit-back); the engine does the work. It receives one :class:`EngineRequest` and
returns the :class:`~zenodo_publish.sync.result.RunResult` contract, so the adapter is tested with
a fake engine; :func:`sync_engine` is the real one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from zenodo_publish.errors import ManifestError, UsageError
from zenodo_publish.github.inputs import Api
from zenodo_publish.github.policy import ManifestPolicy, RunMode
from zenodo_publish.github.workflow import Workflow
from zenodo_publish.manifest import inspect_manifest, load_manifest
from zenodo_publish.sync.engine import BackendFactory, SyncRequest, run
from zenodo_publish.sync.report import StreamReporter
from zenodo_publish.sync.result import RunResult

if TYPE_CHECKING:
    from zenodo_publish.mirror.run import MirrorResult


@dataclass(frozen=True)
class EngineRequest:
    """One run of the engine, as the policy allowed it.

    ``mode`` ``publish`` means sync then publish; ``may_publish`` with ``plan`` means the plan
    should show the publish that a sync would do. ``version`` is the tag's version (``v`` removed)
    on tag and release runs, else ``None`` (the manifest's). ``endpoint``/``api`` are the inputs'
    overrides, ``None`` when not given. Paths are absolute.
    """

    mode: RunMode
    manifest_path: Path
    repo_root: Path
    zenodo_token: str | None = field(repr=False)
    endpoint: str | None
    api: Api | None
    may_publish: bool
    version: str | None
    dry_run: bool
    parallel_uploads: int
    #: ``$GITHUB_SERVER_URL/$GITHUB_REPOSITORY``: the marker of this repository's records.
    repository_url: str | None = None
    #: Files to upload again whatever their md5 (input ``force_upload``): None none, () all.
    force_upload: tuple[str, ...] | None = None
    #: Input ``allow_lower_version``: a version below the latest published one may be recorded.
    allow_lower_version: bool = False
    #: ``$GITHUB_WORKSPACE``: the manifest's path in it is part of the dataset's marker.
    repository_root: Path | None = None


Engine = Callable[[EngineRequest], RunResult]


class WorkflowReporter(StreamReporter):
    """The engine's progress inside the action's current ``::group::`` (groups do not nest on
    GitHub, so phases are plain headed lines)."""

    def __init__(self, log: Workflow) -> None:
        super().__init__()
        self._log = log
        self._depth = 0  # phases open; the outermost one holds the stop-commands block

    @contextmanager
    def phase(self, title: str) -> Iterator[None]:
        # A phase's lines carry names from the repository and answers from the server: one
        # stop-commands block around all of them, not one per line. Phases nest (the engine's
        # first phase encloses the others); inside a block a second ::stop-commands:: would
        # not be read as a command but shown as a stray line, so only the outermost opens one.
        self._log.echo(f"-- {title}")
        with self._log.untrusted() if self._depth == 0 else nullcontext():
            self._depth += 1
            try:
                yield
            finally:
                self._depth -= 1

    def info(self, message: str) -> None:
        if self._depth:
            self._log.echo(message)
        else:
            self._log.echo_untrusted(message)


def sync_engine(log: Workflow, *, backend_factory: BackendFactory | None = None) -> Engine:
    """The real engine, reporting into ``log`` (``backend_factory``: tests route it)."""

    def engine(request: EngineRequest) -> RunResult:
        sync_request = SyncRequest(
            mode=request.mode,
            manifest_path=request.manifest_path,
            repo_root=request.repo_root,
            token=request.zenodo_token,
            endpoint=request.endpoint,
            api=request.api,
            may_publish=request.may_publish,
            version=request.version,
            dry_run=request.dry_run,
            parallel=request.parallel_uploads,
            repository_url=request.repository_url,
            force_upload=request.force_upload,
            allow_lower_version=request.allow_lower_version,
            repository_root=request.repository_root,
            # Workflow runs of one repository can overlap (two pushes in a row).
            runs_may_race=True,
        )
        return run(sync_request, reporter=WorkflowReporter(log), backend_factory=backend_factory)

    return engine


def read_manifest_policy(manifest_path: Path, repo_root: Path) -> ManifestPolicy:
    """The manifest settings the trigger policy needs, from the full manifest layer (so a bad
    manifest is reported with every problem and its line before anything else happens)."""
    from zenodo_publish.collection.manifest import is_collection, load_collection

    if is_collection(manifest_path):
        # Every record shares the collection's endpoint and publish settings.
        manifest = load_collection(manifest_path, repo_root=repo_root).first
    else:
        # The file selection too, as `validate` does: every problem in one run, not the first.
        inspected, problems = inspect_manifest(manifest_path, repo_root=repo_root, check_files=True)
        if inspected is None or problems:
            raise ManifestError(problems)
        manifest = inspected
    return ManifestPolicy(
        publish_on=manifest.publish.on,
        publish_tags=manifest.publish.tags,
        publish_prereleases=manifest.publish.prereleases,
        endpoint=manifest.endpoint.name
        if manifest.endpoint.name != "custom"
        else manifest.endpoint.api_url,
    )


ReadSettings = Callable[[Path, Path], ManifestPolicy]


@dataclass(frozen=True)
class MirrorRequest:
    """The mirrors' part of a run (SPEC §10), after Zenodo's. ``required``: the ``mirrors``
    input is ``true``, so a manifest without ``mirrors:`` is an error, not a no-op."""

    manifest_path: Path
    repo_root: Path
    dry_run: bool
    required: bool = False
    #: A collection's records to mirror (those that went through), each under prefix/<key>/.
    records: tuple[str, ...] | None = None


Mirrorer = Callable[[MirrorRequest], "MirrorResult | None"]


def mirror_engine(log: Workflow) -> Mirrorer:
    """The real mirrors, reporting into ``log``; None when the manifest has no mirrors."""

    def mirrorer(request: MirrorRequest) -> MirrorResult | None:
        if request.records is not None:
            return _mirror_records(request, log)
        manifest = load_manifest(request.manifest_path, repo_root=request.repo_root)
        if not manifest.mirrors:
            if request.required:
                raise UsageError(
                    "input `mirrors` is true but the manifest has no mirrors:",
                    hint="add mirrors: [{s3: s3://bucket/prefix}] or set mirrors: auto",
                )
            return None
        from zenodo_publish.mirror.run import mirror_manifest  # boto3 only when mirrors run

        return mirror_manifest(
            manifest,
            dry_run=request.dry_run,
            reporter=WorkflowReporter(log),
        )

    return mirrorer


def _mirror_records(request: MirrorRequest, log: Workflow) -> MirrorResult | None:
    from zenodo_publish.collection.manifest import load_collection
    from zenodo_publish.mirror.run import mirror_records

    keys = set(request.records or ())
    collection = load_collection(
        request.manifest_path, repo_root=request.repo_root, check_files=lambda _all: keys
    )
    if not collection.first.mirrors:
        return None
    return mirror_records(
        [(r.key, r.manifest) for r in collection.records if r.key in keys],
        dry_run=request.dry_run,
        reporter=WorkflowReporter(log),
    )
