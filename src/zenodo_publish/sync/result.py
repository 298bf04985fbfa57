"""What a run of the engine produced: the contract between the sync engine and its reporters
(CLI output, GitHub outputs, step summary, record file, commit-back)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

FileAction = Literal["upload", "replace", "skip", "delete", "import"]
RecordState = Literal["none", "draft", "published"]


@dataclass(frozen=True)
class FileOutcome:
    """One row of the per-file table."""

    name: str
    action: FileAction
    size: int | None = None
    md5: str | None = None
    source: str | None = None  # repository-relative path, or "archive of figures/"


@dataclass(frozen=True)
class PublishedVersion:
    """The latest published version of the concept: what to cite while a draft is open."""

    record_id: str
    doi: str | None = None
    version: str | None = None
    record_url: str | None = None


@dataclass(frozen=True)
class RecordIds:
    """Where the record stands after the run (what the record file and the outputs hold).

    The fields describe the record the next run continues from (the open draft, else the
    latest published version); ``latest_published`` is the concept's latest published version
    whatever is open, None before the first publish (SPEC §4, §13.5)."""

    record_id: str | None = None
    concept_id: str | None = None
    doi: str | None = None
    concept_doi: str | None = None
    version: str | None = None
    state: RecordState = "none"
    record_url: str | None = None
    #: A new record's community review: "in review", "declined", "accepted"; None without one.
    review_state: str | None = None
    latest_published: PublishedVersion | None = None


@dataclass(frozen=True)
class RunResult:
    """Everything a reporter needs. ``plan`` is the JSON-ready plan (SPEC §5.7)."""

    mode: Literal["validate", "plan", "sync", "publish"]
    endpoint: str
    ids: RecordIds = field(default_factory=RecordIds)
    published: bool = False
    dry_run: bool = False
    files: tuple[FileOutcome, ...] = ()
    plan: dict[str, Any] = field(default_factory=dict)
    record_file: str | None = None  # repository-relative path of the record file
    record_file_changed: bool = False
    messages: tuple[str, ...] = ()  # notices worth showing (policy decisions, skipped steps)
    #: Other repository files this run wrote (CITATION.cff, the README badge), repository-
    #: relative: committed back together with the record file.
    repository_files: tuple[str, ...] = ()
    #: Problems that did not stop this run but would stop a production publish (SPEC §13).
    warnings: tuple[str, ...] = ()

    def count(self, *actions: FileAction) -> int:
        return sum(1 for f in self.files if f.action in actions)

    @property
    def files_uploaded(self) -> int:
        return self.count("upload", "replace")

    @property
    def files_skipped(self) -> int:
        return self.count("skip", "import")

    @property
    def files_deleted(self) -> int:
        return self.count("delete")
