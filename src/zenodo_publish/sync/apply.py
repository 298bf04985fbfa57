"""``apply(plan)``: carry a plan out against Zenodo, step by step, crash-safe (SPEC §5.3-5.5, 5.8).

Every step either is idempotent or re-reads state before it is tried again, and the record
file is written as soon as a draft exists, so a re-run after a crash anywhere converges on the
same end state: one draft or version, the manifest's files, no duplicates.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from zenodo_publish.errors import (
    IntegrityError,
    NotFoundError,
    PolicyError,
    PublishOutcomeUnknown,
    RateLimitedError,
    ServerError,
    StateError,
    TransportError,
    ValidationRejected,
)
from zenodo_publish.humanize import human_size
from zenodo_publish.sync.local_files import LocalFiles
from zenodo_publish.sync.plan import FileOp, ForceUpload, Located, Plan, plan_files
from zenodo_publish.sync.report import Reporter
from zenodo_publish.zenodo.backend import Backend, RemoteRecord, UploadSpec

#: Errors after which a file pass is worth one more try from freshly read state.
_PASSING_FAULTS = (ServerError, TransportError, RateLimitedError)
_FILE_PASSES = 3


@dataclass(frozen=True)
class Applied:
    record: RemoteRecord
    files: tuple[FileOp, ...]
    published: bool
    notes: tuple[str, ...]


def needs_file_import(draft: RemoteRecord, backend: Backend) -> bool:
    """An RDM new-version draft that holds no files (not even pending ones): its previous
    version's files were never imported (see :meth:`Applier._with_imported_files`)."""
    return (
        backend.name == "rdm"
        and draft.is_draft
        and not draft.is_published
        and not draft.files
        and (draft.version_index or 0) >= 2
    )


class Applier:
    def __init__(
        self,
        backend: Backend,
        reporter: Reporter,
        *,
        sources: dict[str, Path],
        on_draft: Callable[[RemoteRecord], None],
        parallel: int,
        find_own_draft: Callable[[], RemoteRecord | None],
        force_upload: ForceUpload = None,
    ) -> None:
        self._backend = backend
        self._reporter = reporter
        self._sources = sources
        self._on_draft = on_draft
        self._parallel = parallel
        self._find_own_draft = find_own_draft
        self._force_upload = force_upload
        self._notes: list[str] = []

    def apply(self, plan: Plan, located: Located, local: LocalFiles) -> Applied:
        if plan.action == "blocked" and plan.blocked_by == "version":
            raise PolicyError(
                plan.notes[-1],
                hint="nothing was changed on Zenodo; the version comes from the tag on release "
                "runs, else from the manifest's metadata.version or CITATION.cff",
            )
        if plan.action == "blocked":
            raise StateError(
                plan.notes[-1],
                hint="publish the edit draft on Zenodo, or `zenodo-publish discard` it, then "
                "run again to open a new version",
            )
        if plan.action == "none":
            record = located.record
            files = list(plan.files)
        else:
            with self._reporter.phase(_PHASE_TITLES[plan.action]):
                record = self._open_draft(plan, located)
                self._on_draft(record)
            record, files = self._sync_files(record, local)
            record = self._sync_metadata(plan, record)
        published = False
        if plan.publish and record is not None and record.is_draft:
            with self._reporter.phase("Publishing"):
                record = self._publish(record, local)
                published = True
        elif plan.publish and record is not None and plan.action == "none":
            self._notes.append("nothing to publish: the published record is up to date")
        return Applied(record, tuple(files), published, tuple(self._notes))

    # --- opening the draft to work in -----------------------------------------------------

    def _open_draft(self, plan: Plan, located: Located) -> RemoteRecord:
        backend = self._backend
        if plan.action == "create":
            try:
                return backend.create_draft(dict(plan.body))
            except _PASSING_FAULTS:
                # A create that failed on the way back may still have created the draft:
                # look for it before creating another, so a retry never makes a second concept.
                found = self._find_own_draft()
                if found is not None:
                    self._notes.append(f"draft {found.id} was created despite the error")
                    return found
                return backend.create_draft(dict(plan.body))
        record: RemoteRecord = located.record
        if plan.action == "update_draft":
            return self._with_imported_files(record)
        if plan.action == "new_version":
            # New-version creation returns the existing draft when there is one: safe to repeat.
            return _twice(lambda: backend.new_version(record.id))
        if plan.action == "edit":
            return _twice(lambda: backend.edit(record.id))
        raise AssertionError(f"unknown plan action {plan.action!r}")

    def _with_imported_files(self, draft: RemoteRecord) -> RemoteRecord:
        """A new-version draft holding no files: a run was killed between opening it and
        importing the previous version's files (RDM does the two in two requests). Import them
        now, as that run would have, so that only changed files travel, not every file again.
        (The legacy API imports when it opens a new version.)"""
        if not needs_file_import(draft, self._backend):
            return draft
        imported = self._backend.import_files(draft.id)
        self._notes.append(
            f"new-version draft {draft.id} held no files: the previous version's "
            f"{len(imported)} were imported first"
        )
        return dataclasses.replace(draft, files=imported)

    # --- files ------------------------------------------------------------------------------

    def _sync_files(
        self, draft: RemoteRecord, local: LocalFiles
    ) -> tuple[RemoteRecord, list[FileOp]]:
        """Bring the draft's files in line, re-planning from fresh state after a passing fault."""
        first_ops = plan_files(local.against(draft.files), draft.files, self._force_upload)
        if not any(op.action != "skip" for op in first_ops) or draft.files_locked:
            return draft, first_ops
        with self._reporter.phase("Uploading files"):
            for attempt in range(1, _FILE_PASSES + 1):
                # Forcing applies to the first pass only: a forced file that a pass already
                # uploaded again is not uploaded a third time after a fault.
                ops = (
                    first_ops
                    if attempt == 1
                    else plan_files(local.against(draft.files), draft.files)
                )
                try:
                    draft = self._file_pass(draft, ops, local)
                    break
                except (*_PASSING_FAULTS, ValidationRejected, NotFoundError) as error:
                    if attempt == _FILE_PASSES or not _worth_another_pass(error):
                        raise
                    self._reporter.info(f"   {error.message}; re-reading the draft and resuming")
                    fresh = self._backend.read_draft(draft.id)
                    if fresh is None:
                        raise StateError(f"draft {draft.id} vanished during the sync") from error
                    draft = fresh
        # The draft's files are known from the answers of the pass (each upload's stored size,
        # md5 and status, verified; each delete), so they are not read back (issue 15): the
        # final plan against them must find nothing left to do. Publishing reads the draft
        # again anyway, because another run may have changed it meanwhile.
        final = plan_files(local.against(draft.files), draft.files)
        # Report against the first plan: what this run changed, not what the last pass did.
        return draft, _merge_outcomes(first_ops, final)

    def _file_pass(
        self, draft: RemoteRecord, ops: Sequence[FileOp], local: LocalFiles
    ) -> RemoteRecord:
        """Carry out ``ops``; ``draft`` with the files Zenodo's answers say it now holds."""
        backend = self._backend
        files = dict(draft.files)
        for op in ops:
            overwritten = op.action == "replace" and backend.upload_overwrites
            if op.action in ("delete", "replace") and op.name in draft.files and not overwritten:
                self._reporter.info(f"   delete {op.name} ({op.reason})")
                backend.delete_file(draft.id, op.name)
                files.pop(op.name, None)
        # An op without an md5 (nothing was compared) is hashed by its upload, which hands the
        # md5 over once Zenodo's checksum confirmed it.
        uploads = [
            UploadSpec(op.name, op.size or 0, op.md5, self._opener(op.name), local.learner(op.name))
            for op in ops
            if op.action in ("upload", "replace")
        ]
        if uploads:
            for spec in uploads:
                self._reporter.info(f"   upload {spec.key} ({human_size(spec.size)})")
            stored = backend.upload_files(
                draft.id, uploads, parallel=self._parallel, progress=self._reporter.progress
            )
            files.update((remote.key, remote) for remote in stored)
        return dataclasses.replace(draft, files=files)

    def _opener(self, name: str) -> Callable[[], IO[bytes]]:
        path = self._sources[name]
        return lambda: path.open("rb")

    # --- metadata ---------------------------------------------------------------------------

    def _sync_metadata(self, plan: Plan, draft: RemoteRecord) -> RemoteRecord:
        if plan.action == "create" and not draft.field_errors:
            return draft
        # New versions lose publication_date and version server-side, so they always get the
        # full body; drafts and edits only when something differs.
        if plan.action in ("update_draft", "edit") and not plan.metadata_changes:
            return draft
        with self._reporter.phase("Updating metadata"):
            updated = self._backend.update_draft(draft.id, dict(plan.body))
        if updated.field_errors:
            details = "; ".join(f"{e.field}: {' '.join(e.messages)}" for e in updated.field_errors)
            raise ValidationRejected(
                f"Zenodo saved the draft but rejected some metadata: {details}",
                status=200,
                field_errors=updated.field_errors,
                hint="fix these fields in the manifest and run again; nothing was published",
            )
        return updated

    # --- publishing -------------------------------------------------------------------------

    def _publish(self, draft: RemoteRecord, local: LocalFiles) -> RemoteRecord:
        # Another run (a push sync next to this release) may have changed the draft since this
        # run brought it in line: publish only what this run means to publish.
        current = self._backend.read_draft(draft.id) if not draft.files_locked else draft
        if current is None:
            raise StateError(f"draft {draft.id} vanished before publishing")
        differing = [
            op.name
            for op in plan_files(local.against(current.files), current.files)
            if op.action != "skip"
        ]
        if differing:
            raise StateError(
                f"draft {draft.id} changed while this run worked on it ({', '.join(differing)}); "
                "another run is syncing the same record; not publishing",
                hint="run again once the other run has finished",
            )
        draft = current
        pending = draft.pending_files
        if pending:
            raise StateError(
                f"draft {draft.id} has unfinished uploads ({', '.join(pending)}); not publishing",
                hint="run the sync again: it replaces unfinished uploads",
            )
        try:
            self._backend.publish(draft.id)
        except PublishOutcomeUnknown:
            # Never publish twice blindly: find out whether the first attempt went through.
            # Only the draft tells: an edit draft's published record exists all along, so a
            # readable record proves nothing while the draft is still open.
            still_open = self._backend.read_draft(draft.id)
            record = None if still_open is not None else self._backend.read_record(draft.id)
            if record is None or record.is_draft:
                raise
            self._notes.append("publishing answered with an error but had gone through")
        record = self._backend.read_record(draft.id)
        if record is None:
            raise StateError(f"record {draft.id} is not readable right after publishing")
        # Printed before anything else can fail: a published record is permanent (SPEC §13.7).
        self._reporter.info(f"published record {record.id}: DOI {record.doi}")
        _verify_published(record, local, draft.version)
        return record


_PHASE_TITLES = {
    "create": "Creating a draft",
    "update_draft": "Updating the draft",
    "new_version": "Opening a new version",
    "edit": "Opening an edit of the published record",
}


def _worth_another_pass(error: Exception) -> bool:
    """A passing fault; a key that is in the draft already; or a file to delete that is gone
    already: another run at the same time (or an answer this run lost) changed the draft
    meanwhile. Re-planning from the draft's files then decides what is still to do (same md5:
    nothing; a vanished draft stops the run)."""
    if isinstance(error, ValidationRejected):
        return "already exists" in (error.server_message or "").lower()
    if isinstance(error, NotFoundError):
        return error.method == "DELETE"
    return True


def _twice(call: Callable[[], RemoteRecord]) -> RemoteRecord:
    """Call an operation that is safe to repeat (it returns what exists) once more on a fault."""
    try:
        return call()
    except _PASSING_FAULTS:
        return call()


def _merge_outcomes(first: Sequence[FileOp], final: Sequence[FileOp]) -> list[FileOp]:
    """The first plan's actions, checked against the final state: anything still differing
    after the passes is an error, not a report line. An upload planned without an md5 gets
    the one its upload made (the final plan compared it with Zenodo's)."""
    unfinished = [op.name for op in final if op.action != "skip"]
    if unfinished:
        raise IntegrityError(
            f"after uploading, the draft still differs for: {', '.join(unfinished)}",
            hint="run the sync again; if it persists, report it with the log",
        )
    final_md5 = {op.name: op.md5 for op in final}
    return [
        op if op.md5 is not None else dataclasses.replace(op, md5=final_md5.get(op.name))
        for op in first
    ]


def _verify_published(record: RemoteRecord, local: LocalFiles, version: str | None) -> None:
    wanted = local.against(record.files)
    problems: list[str] = []
    if not record.doi:
        problems.append("it has no DOI")
    if version is not None and record.version != version:
        problems.append(f"its version is {record.version!r}, expected {version!r}")
    for w in wanted:
        have = record.files.get(w.name)
        if have is None:
            problems.append(f"file {w.name} is missing")
        elif have.md5 != w.md5 or have.size != w.size:
            problems.append(f"file {w.name} differs (md5 {have.md5}, expected {w.md5})")
    extra = sorted(set(record.files) - {w.name for w in wanted})
    if extra:
        problems.append(f"unexpected files: {', '.join(extra)}")
    if problems:
        raise IntegrityError(
            f"published record {record.id} (DOI {record.doi}) does not match the manifest: "
            + "; ".join(problems),
            hint="the record is published (that cannot be undone); compare it on Zenodo and "
            "open a new version with the right files if needed",
        )
