"""``plan(local, remote, policy)``: what a sync would do, as a pure function (SPEC §5.2-5.3).

No I/O happens here. The engine gathers the local snapshot and the located remote state, calls
:func:`plan`, shows or applies the result. File operations are recomputed by
:func:`plan_files` against the real draft once one exists (a new-version draft may already hold
part of an earlier, interrupted run), which is what makes re-runs converge.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

from zenodo_publish.sync import versions

PlanAction = Literal["create", "update_draft", "new_version", "edit", "none", "blocked"]
FileOpAction = Literal["upload", "replace", "skip", "delete"]
RemoteKind = Literal["none", "draft", "edit_draft", "published"]
#: Names to re-upload whatever their md5; ``()`` means every file, ``None`` none.
ForceUpload = tuple[str, ...] | None


class RemoteFileLike(Protocol):
    @property
    def key(self) -> str: ...
    @property
    def size(self) -> int: ...
    @property
    def md5(self) -> str | None: ...
    @property
    def status(self) -> str: ...


@dataclass(frozen=True)
class WantedFile:
    """A file the manifest selects: what Zenodo should hold under ``name``. ``md5`` is None
    while the file is not hashed: allowed only where the plan does not compare it, i.e. when
    Zenodo holds no completed file of that name and size (see :func:`md5_decides`)."""

    name: str
    size: int
    md5: str | None
    origin: str


def md5_decides(size: int, have: RemoteFileLike | None) -> bool:
    """Whether a local file of ``size`` must be hashed to plan it against ``have``: only a
    completed remote file of the same size can be the same file. Any other file is uploaded
    whatever its md5, which the upload then makes on the way out (issue 15)."""
    return (
        have is not None
        and have.status == "completed"
        and have.md5 is not None
        and have.size == size
    )


@dataclass(frozen=True)
class FileOp:
    name: str
    action: FileOpAction
    size: int | None
    md5: str | None
    origin: str | None = None
    reason: str = ""


class MetadataCodec(Protocol):
    """Backend-specific view of metadata bodies, used to compare without I/O."""

    def differences(self, local_body: Mapping[str, Any], remote: Any) -> list[str]: ...
    def publication_date(self, body_or_record: Any) -> str | None: ...
    def with_publication_date(self, body: Mapping[str, Any], date: str) -> dict[str, Any]: ...
    def version(self, body_or_record: Any) -> str | None: ...


@dataclass(frozen=True)
class LocalSnapshot:
    files: tuple[WantedFile, ...]
    #: The complete metadata body the backend takes (RDM draft body or legacy ``{"metadata"}``).
    body: Mapping[str, Any]
    #: Whether the manifest (or a metadata source) set ``publication_date`` itself.
    explicit_publication_date: bool


@dataclass(frozen=True)
class Located:
    kind: RemoteKind
    record: Any = None  # a zenodo.backend.RemoteRecord, or None when kind == "none"
    notes: tuple[str, ...] = ()
    #: The version string of the concept's latest published version (None: none, or unknown).
    latest_version: str | None = None
    #: A published record read on the record file's word, without asking whether an edit
    #: draft is open (see sync.locate.confirm_no_open_draft).
    draft_unchecked: bool = False


@dataclass(frozen=True)
class PlanPolicy:
    may_publish: bool
    #: ISO date used as publication_date of new records and new versions (passed in: purity).
    today: str
    #: Files to upload again although their md5 matches (``sync --force-upload``).
    force_upload: ForceUpload = None
    #: Allow a version lower than the latest published one (an explicit override, SPEC §13.3).
    allow_lower_version: bool = False


@dataclass(frozen=True)
class Plan:
    action: PlanAction
    base_id: str | None
    files: tuple[FileOp, ...]
    metadata_changes: tuple[str, ...]
    body: Mapping[str, Any]
    publish: bool
    notes: tuple[str, ...] = field(default_factory=tuple)
    #: Why a ``blocked`` plan is blocked: an open edit draft, or a version refusal.
    blocked_by: Literal["edit_draft", "version"] | None = None

    @property
    def writes(self) -> bool:
        """Whether applying this plan sends any write request at all."""
        return self.action != "none" or self.publish

    def count(self, *actions: FileOpAction) -> int:
        return sum(1 for op in self.files if op.action in actions)


def plan_files(
    wanted: Sequence[WantedFile],
    remote: Mapping[str, RemoteFileLike],
    force: ForceUpload = None,
) -> list[FileOp]:
    """File operations that turn ``remote`` into ``wanted``, in manifest order then deletions.

    A pending remote file (an upload an earlier run did not commit) never counts as present.
    ``force`` names files to upload again even when Zenodo's md5 matches (``()``: all of them).
    """
    ops: list[FileOp] = []
    wanted_names = {w.name for w in wanted}
    for w in wanted:
        have = remote.get(w.name)
        if have is None:
            ops.append(FileOp(w.name, "upload", w.size, w.md5, w.origin, "new file"))
        elif have.status != "completed" or have.md5 is None:
            ops.append(FileOp(w.name, "replace", w.size, w.md5, w.origin, "unfinished upload"))
        elif have.size != w.size or have.md5 != _compared_md5(w):
            ops.append(FileOp(w.name, "replace", w.size, w.md5, w.origin, "content changed"))
        elif force is not None and (not force or w.name in force):
            ops.append(FileOp(w.name, "replace", w.size, w.md5, w.origin, "forced re-upload"))
        else:
            ops.append(FileOp(w.name, "skip", w.size, w.md5, w.origin, "unchanged"))
    for key in sorted(remote):
        if key not in wanted_names:
            gone = remote[key]
            ops.append(FileOp(key, "delete", gone.size, gone.md5, None, "not in the manifest"))
    return ops


def _compared_md5(wanted: WantedFile) -> str:
    if wanted.md5 is None:
        # A caller bug, never a reason to guess: an unknown md5 must not read as "changed"
        # (a needless upload) or as "unchanged" (a lost file).
        raise ValueError(f"{wanted.name}: its md5 decides the plan but it was not hashed")
    return wanted.md5


def plan(local: LocalSnapshot, located: Located, policy: PlanPolicy, codec: MetadataCodec) -> Plan:
    """Decide what a sync does. See SPEC §5.3 for the rules; each branch names its rule."""
    notes = list(located.notes)
    record = located.record

    if located.kind == "none":
        body = _dated(local, None, policy, codec)
        files = plan_files(local.files, {})
        return Plan("create", None, tuple(files), (), body, policy.may_publish, tuple(notes))

    files = plan_files(local.files, record.files, policy.force_upload)
    files_differ = any(op.action != "skip" for op in files)

    if located.kind == "draft":
        # An unpublished draft (new or new version): bring it in line, publish if allowed.
        body = _dated(local, record, policy, codec)
        changes = tuple(codec.differences(body, record))
        refusal = _version_refusal(codec.version(body), located.latest_version, policy)
        if refusal is not None:
            notes.append(refusal)
            return Plan(
                "blocked", record.id, tuple(files), changes, body, False, tuple(notes), "version"
            )
        action: PlanAction = "update_draft" if files_differ or changes else "none"
        return Plan(
            action, record.id, tuple(files), changes, body, policy.may_publish, tuple(notes)
        )

    if located.kind == "edit_draft":
        # An edit of a published record is open (our earlier run, or someone in the web UI).
        # Its files are locked, so only metadata can change here.
        body = _dated(local, record, policy, codec)
        changes = tuple(codec.differences(body, record))
        if files_differ:
            notes.append(
                f"record {record.id} has an open edit draft whose files are locked, but the "
                "manifest's files differ: publish or discard that edit draft first"
            )
            return Plan(
                "blocked", record.id, tuple(files), changes, body, False, tuple(notes), "edit_draft"
            )
        action = "update_draft" if changes else "none"
        return Plan(
            action, record.id, tuple(files), changes, body, policy.may_publish, tuple(notes)
        )

    # Published and no draft open.
    local_version = codec.version(local.body)
    published_version = codec.version(record)
    version_changed = local_version is not None and local_version != published_version
    refusal = _version_refusal(local_version, published_version, policy, files_differ=files_differ)
    if refusal is not None:
        notes.append(refusal)
        body = _dated(local, None, policy, codec)
        changes = tuple(codec.differences(body, record))
        return Plan(
            "blocked", record.id, tuple(files), changes, body, False, tuple(notes), "version"
        )
    if files_differ or version_changed:
        # New files or a new version string: a new version, never an edit of the old one.
        body = _dated(local, None, policy, codec)
        changes = tuple(codec.differences(body, record))
        if version_changed and not files_differ:
            notes.append(f"version {local_version} differs from the published version")
        return Plan(
            "new_version", record.id, tuple(files), changes, body, policy.may_publish, tuple(notes)
        )
    body = _dated(local, record, policy, codec)
    changes = tuple(codec.differences(body, record))
    if not changes:
        return Plan("none", record.id, tuple(files), (), body, False, tuple(notes))
    if not policy.may_publish:
        # Editing a published record's metadata is only visible once published; opening an
        # edit draft that nothing will publish would only block later runs.
        notes.append(
            "the published record's metadata differs; the change is applied when publishing"
        )
        return Plan("none", record.id, tuple(files), changes, body, False, tuple(notes))
    return Plan("edit", record.id, tuple(files), changes, body, True, tuple(notes))


def _version_refusal(
    local: str | None,
    published: str | None,
    policy: PlanPolicy,
    *,
    files_differ: bool = True,
) -> str | None:
    """Why this version cannot become the next one (SPEC §13.3), or None.

    Lower than the latest published version: refused unless overridden. Equal to it: fine for
    a draft (development before the next release), refused for a publish of other files (a
    release of the published version re-uses it; the same version twice would be two records).
    """
    order = versions.compare(local, published)
    if order is None:
        return None
    if order < 0 and not policy.allow_lower_version:
        return (
            f"version {local} is lower than the latest published version {published}; "
            "versions never go backwards: bump the version (manifest, CITATION.cff or tag), "
            "or allow it for this run (a backport release) with --allow-lower-version, in the "
            "action `allow_lower_version: true`"
        )
    if order == 0 and policy.may_publish and files_differ:
        return (
            f"version {local} is already published, with other files; publishing them needs "
            "a new version number"
        )
    return None


def _dated(
    local: LocalSnapshot, remote: Any, policy: PlanPolicy, codec: MetadataCodec
) -> dict[str, Any]:
    """The body with its publication_date settled: the manifest's own, else the one the draft or
    record already has (edits keep the original date), else today (new records and versions)."""
    if local.explicit_publication_date:
        return dict(local.body)
    existing = codec.publication_date(remote) if remote is not None else None
    return codec.with_publication_date(local.body, existing or policy.today)
