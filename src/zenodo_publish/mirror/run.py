"""Mirror one LocalState to every target: list, plan, upload (files, then catalogs), delete.

This is the API a caller uses, the CLI's ``mirror`` and ``sync``, the action, and a collection,
which mirrors each record under ``prefix/<key>/`` by passing ``record_key``::

    result = run_mirrors(manifest.mirrors, local, manifest.files, record_key="lake-geneva")

Each target is independent: a failing one does not stop the others; the result holds every
target's outcome and ``raise_for_failure`` raises the first error after everything ran.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from zenodo_publish.errors import MirrorError
from zenodo_publish.manifest.files import LocalState, resolve_files
from zenodo_publish.manifest.mirrors import MirrorTarget
from zenodo_publish.manifest.rules import FileSettings
from zenodo_publish.manifest.settings import Manifest
from zenodo_publish.mirror.objects import MirrorObject, mirror_objects
from zenodo_publish.mirror.plan import MirrorPlan, RemoteObject, needs_metadata, plan_mirror
from zenodo_publish.sync.report import NullReporter, Reporter

if TYPE_CHECKING:  # not at run time: boto3 is imported only when a mirror runs
    from zenodo_publish.mirror.s3 import S3Store


@dataclass(frozen=True)
class TargetOutcome:
    target: MirrorTarget
    key_prefix: str
    plan: MirrorPlan | None = None
    uploaded: int = 0
    deleted: int = 0
    error: MirrorError | None = None

    @property
    def skipped(self) -> int:
        return len(self.plan.of("skip")) if self.plan else 0

    def as_json(self) -> dict[str, Any]:
        return {
            "s3": self.target.url,
            "bucket": self.target.bucket,
            "key_prefix": self.key_prefix,
            "manifest": self.target.place,
            "uploaded": self.uploaded,
            "skipped": self.skipped,
            "deleted": self.deleted,
            "steps": [s.as_json() for s in self.plan.steps] if self.plan else [],
            "error": self.error.message if self.error else None,
        }


@dataclass(frozen=True)
class MirrorResult:
    outcomes: tuple[TargetOutcome, ...] = field(default_factory=tuple)
    dry_run: bool = False

    @property
    def uploaded(self) -> int:
        return sum(o.uploaded for o in self.outcomes)

    @property
    def skipped(self) -> int:
        return sum(o.skipped for o in self.outcomes)

    @property
    def deleted(self) -> int:
        return sum(o.deleted for o in self.outcomes)

    @property
    def errors(self) -> list[MirrorError]:
        return [o.error for o in self.outcomes if o.error is not None]

    def raise_for_failure(self) -> None:
        errors = self.errors
        if len(errors) == 1:
            raise errors[0]
        if errors:
            raise MirrorError(
                f"{len(errors)} mirrors failed:\n" + "\n".join(e.message for e in errors),
                hint=errors[0].hint,
            )

    def as_json(self) -> dict[str, Any]:
        return {
            "dry_run": self.dry_run,
            "uploaded": self.uploaded,
            "skipped": self.skipped,
            "deleted": self.deleted,
            "targets": [o.as_json() for o in self.outcomes],
        }

    def lines(self) -> list[str]:
        """The result as a person reads it, one line per target and per change."""
        shown: list[str] = []
        for outcome in self.outcomes:
            where = f"s3://{outcome.target.bucket}/{outcome.key_prefix}"
            if outcome.plan is None:
                shown.append(f"mirror {where}: failed")
            elif self.dry_run:
                plan = outcome.plan
                shown.append(
                    f"mirror {where}: {len(plan.uploads)} to upload, {len(plan.of('skip'))} "
                    f"unchanged, {len(plan.of('delete'))} to delete"
                )
                shown.extend(
                    f"  {s.action:<8} {s.key}  ({s.reason})"
                    for s in plan.steps
                    if s.action != "skip"
                )
            else:
                shown.append(
                    f"mirror {where}: {outcome.uploaded} uploaded, {outcome.skipped} unchanged, "
                    f"{outcome.deleted} deleted" + ("  (failed)" if outcome.error else "")
                )
        return shown


StoreFactory = Callable[[MirrorTarget, int], "S3Store"]


#: Requests at once per target (the aws CLI's default; Zenodo's --parallel is Zenodo's own).
CONCURRENCY = 10


def _open_store(target: MirrorTarget, parallel: int) -> S3Store:
    from zenodo_publish.mirror.s3 import S3Store  # boto3 only when a mirror runs

    return S3Store(target, parallel=parallel)


def run_mirrors(
    targets: Sequence[MirrorTarget],
    local: LocalState,
    files: FileSettings,
    *,
    record_key: str | None = None,
    dry_run: bool = False,
    force: bool = False,
    parallel: int = CONCURRENCY,
    reporter: Reporter | None = None,
    store_factory: StoreFactory | None = None,
) -> MirrorResult:
    """Make every target hold ``local`` (under ``prefix/<record_key>/`` when given). Keys are
    checked for every target before any request, so a layout problem changes nothing."""
    report: Reporter = reporter if reporter is not None else NullReporter()
    opener = store_factory or _open_store
    wanted = [(target, mirror_objects(local, files, target)) for target in targets]
    outcomes: list[TargetOutcome] = []
    for target, objects in wanted:
        key_prefix = target.key_prefix(record_key)
        with report.phase(f"Mirror to s3://{target.bucket}/{key_prefix}"):
            outcome = TargetOutcome(target, key_prefix)
            try:
                outcome = _mirror_one(
                    opener(target, parallel), target, objects, key_prefix, dry_run, force, report
                )
            except MirrorError as error:
                report.info(f"error: {error.message}")
                outcome = TargetOutcome(
                    target, key_prefix, outcome.plan, outcome.uploaded, outcome.deleted, error
                )
            outcomes.append(outcome)
    return MirrorResult(tuple(outcomes), dry_run=dry_run)


def _mirror_one(
    store: S3Store,
    target: MirrorTarget,
    objects: list[MirrorObject],
    key_prefix: str,
    dry_run: bool,
    force: bool,
    report: Reporter,
) -> TargetOutcome:
    listing = store.list(key_prefix)
    for key in needs_metadata(objects, listing, key_prefix):
        remote = listing[key]
        listing[key] = RemoteObject(remote.key, remote.size, remote.etag, store.read_md5(key))
    plan = plan_mirror(objects, listing, key_prefix=key_prefix, delete=target.delete, force=force)
    outcome = TargetOutcome(target, key_prefix, plan)
    if dry_run or not plan.changes_anything:
        return outcome
    files = [s for s in plan.uploads if not s.last]
    catalogs = [s for s in plan.uploads if s.last]
    uploaded = 0
    try:
        if plan.uploads:
            aborted = store.abort_unfinished({s.key for s in plan.uploads}, key_prefix)
            if aborted:
                report.info(f"aborted {aborted} unfinished upload(s) left by an earlier run")
        # A reader never sees a catalog naming a file that is not there yet.
        for batch in (files, catalogs):
            store.upload(batch, report.progress)
            uploaded += len(batch)
            for step in batch:
                report.info(f"uploaded {step.key} ({step.reason})")
        deletions = [s.key for s in plan.of("delete")]
        store.delete(deletions)
        for key in deletions:
            report.info(f"deleted {key}")
    except MirrorError as error:
        return TargetOutcome(target, key_prefix, plan, uploaded, 0, error)
    return TargetOutcome(target, key_prefix, plan, uploaded, len(deletions))


def mirror_manifest(
    manifest: Manifest,
    *,
    dry_run: bool = False,
    force: bool = False,
    parallel: int = CONCURRENCY,
    reporter: Reporter | None = None,
    store_factory: StoreFactory | None = None,
) -> MirrorResult:
    """Resolve the manifest's files (archives built in a temporary folder) and mirror them to
    every target of ``mirrors:``."""
    with tempfile.TemporaryDirectory(prefix="zenodo-publish-mirror-") as build_dir:
        local = resolve_files(manifest, build_dir=Path(build_dir))
        return run_mirrors(
            manifest.mirrors,
            local,
            manifest.files,
            dry_run=dry_run,
            force=force,
            parallel=parallel,
            reporter=reporter,
            store_factory=store_factory,
        )


def mirror_records(
    records: Sequence[tuple[str, Manifest]],
    *,
    dry_run: bool = False,
    parallel: int = CONCURRENCY,
    reporter: Reporter | None = None,
) -> MirrorResult:
    """A collection's records (SPEC §9, §10): each record's files under ``prefix/<key>/`` of
    every mirror, one client per target for the whole run. ``delete: true`` deletes inside
    ``prefix/<key>/`` only, so one record never touches another's objects."""
    stores: dict[MirrorTarget, S3Store] = {}

    def shared(target: MirrorTarget, count: int) -> S3Store:
        if target not in stores:
            stores[target] = _open_store(target, count)
        return stores[target]

    outcomes: list[TargetOutcome] = []
    for key, manifest in records:
        with tempfile.TemporaryDirectory(prefix="zenodo-publish-mirror-") as build_dir:
            local = resolve_files(manifest, build_dir=Path(build_dir))
            result = run_mirrors(
                manifest.mirrors,
                local,
                manifest.files,
                record_key=key,
                dry_run=dry_run,
                parallel=parallel,
                reporter=reporter,
                store_factory=shared,
            )
        outcomes.extend(result.outcomes)
    return MirrorResult(tuple(outcomes), dry_run=dry_run)
