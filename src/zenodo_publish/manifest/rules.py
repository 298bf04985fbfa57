"""File-selection rules as the manifest writes them (``files:``, StepUp's ``paths:``,
``exclude:``), each with its place in the file so problems point at the right line."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from zenodo_publish.errors import Problem
from zenodo_publish.manifest.loader import Mark, json_path

RuleKind = Literal["path", "archive", "catalog"]


@dataclass(frozen=True)
class FileRule:
    """One entry of ``files:`` (or StepUp's ``paths:``), with its place in the manifest."""

    kind: RuleKind
    pattern: str  # a glob, a file or a folder; the folder of an archive; the catalog file
    archive_name: str | None = None
    file: str = ""
    path: tuple[str | int, ...] = ()
    mark: Mark | None = None
    #: For a cartloader catalog: its groups to upload, in this order (empty: all three).
    groups: tuple[str, ...] = ()

    def problem(self, message: str, hint: str | None = None) -> Problem:
        return Problem(
            message,
            self.file,
            self.mark.line if self.mark else None,
            self.mark.column if self.mark else None,
            json_path(self.path),
            hint,
        )


@dataclass(frozen=True)
class FileSettings:
    """The manifest's file-selection rules (``files:``/``paths:`` and ``exclude:``)."""

    repo_root: Path  # absolute
    display_name: str  # the manifest, as problems name it
    rules: tuple[FileRule, ...] = ()
    exclude: tuple[str, ...] = ()
    rules_mark: Mark | None = None  # where files: (or paths:) is written
    declared: int = 0  # entries written under files: (or paths:), valid or not
