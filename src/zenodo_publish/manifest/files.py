"""File selection (SPEC §3): which files go to Zenodo, under which names, refused how.

Zenodo has no folders, so every file is uploaded under its base name; an archive rule uploads a
deterministic zip of a folder instead. Every refusal (two files with one name, more than 100
files, more than 50 GB, an empty file, a name over 255 characters, a path or symlink leaving the
repository, a pattern matching nothing) is found before any network call and all are reported
together in one ManifestError.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

from zenodo_publish import paths
from zenodo_publish.checksum import FileDigest, Watch
from zenodo_publish.errors import ManifestError, Problem
from zenodo_publish.manifest.archive import md5_many, write_deterministic_zip
from zenodo_publish.manifest.catalog import read_catalog
from zenodo_publish.manifest.globs import (
    Excluder,
    GlobMatcher,
    GlobTooCostly,
    has_glob,
    literal_base,
)
from zenodo_publish.manifest.loader import json_path
from zenodo_publish.manifest.rules import FileRule, FileSettings

if TYPE_CHECKING:
    from zenodo_publish.manifest.settings import Manifest

MAX_FILES = 100
MAX_BYTES = 50 * 10**9  # Zenodo's quota, per record and per file
MAX_NAME_LENGTH = 255
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


@dataclass(frozen=True)
class LocalFile:
    name: str
    size: int
    digest: FileDigest  # its md5, made when first needed (or up front: resolve_files)
    source: Path  # absolute path to read the bytes from
    origin: str  # repository-relative path, or "archive of figures/"

    @property
    def md5(self) -> str:
        """Hex md5 (hashing the file now if no one has yet)."""
        return self.digest.hex()


@dataclass(frozen=True)
class LocalState:
    files: tuple[LocalFile, ...]

    def by_name(self) -> dict[str, LocalFile]:
        return {f.name: f for f in self.files}

    @property
    def total_size(self) -> int:
        return sum(f.size for f in self.files)


@dataclass(frozen=True)
class SelectedFile:
    name: str
    source: Path
    origin: str
    size: int
    rule: FileRule


@dataclass(frozen=True)
class SelectedArchive:
    name: str
    folder: str
    members: tuple[tuple[str, Path], ...]  # (name inside the archive, source), sorted
    rule: FileRule

    @property
    def origin(self) -> str:
        return f"archive of {self.folder.rstrip('/')}/"


Selected = SelectedFile | SelectedArchive


class _Selector:
    def __init__(self, settings: FileSettings) -> None:
        self.root = settings.repo_root.resolve()
        self.problems: list[Problem] = []
        try:
            self.excluded: Excluder | None = Excluder(settings.exclude)
        except re.error as error:
            self.excluded = None
            self.problems.append(
                _files_problem(settings, f"invalid exclude pattern: {error}", "fix the [...] part")
            )

    def relative(self, rule: FileRule, text: str, *, base: str = "") -> str | None:
        """A safe repository-relative POSIX path, or None (with a problem) when it leaves."""
        try:
            paths.check_name(text, what="the pattern")
        except paths.UnsafePath as error:
            self.problems.append(rule.problem(error.message, error.hint))
            return None
        pure = PurePosixPath(text.replace("\\", "/"))
        if pure.is_absolute() or ".." in pure.parts:
            self.problems.append(
                rule.problem(f"{text} leaves the repository", "use a path inside the repository")
            )
            return None
        joined = PurePosixPath(base, pure).as_posix()
        return "" if joined == "." else joined

    def inside(self, path: Path) -> bool:
        resolved = _resolved(path)
        return resolved is not None and resolved.is_relative_to(self.root)

    def walk(self, folder: str) -> list[str]:
        """Repository-relative paths of the files under ``folder`` (sorted; no .git)."""
        start = self.root / folder
        if not start.is_dir() or not self.inside(start):
            return []
        found: list[str] = []
        for current, dirs, names in os.walk(start):
            dirs[:] = sorted(d for d in dirs if d != ".git")
            relative_dir = Path(current).relative_to(self.root).as_posix()
            prefix = "" if relative_dir == "." else relative_dir + "/"
            found.extend(prefix + name for name in names)
        return sorted(found)

    def take(
        self, rule: FileRule, relative: str, *, name: str | None = None
    ) -> SelectedFile | None:
        path = self.root / relative
        if _resolved(path) is None:
            self.problems.append(
                rule.problem(f"{relative} is a symlink loop", "fix or remove the link")
            )
            return None
        if not self.inside(path):
            self.problems.append(
                rule.problem(
                    f"{relative} is a symlink (or in a linked folder) pointing outside the "
                    "repository",
                    "copy the file into the repository or remove the link",
                )
            )
            return None
        if not path.is_file():
            self.problems.append(rule.problem(f"{relative} is not a readable file"))
            return None
        size = path.stat().st_size
        return SelectedFile(name or path.name, path, relative, size, rule)

    def path_rule(self, rule: FileRule) -> list[Selected]:
        relative = self.relative(rule, rule.pattern)
        if relative is None:
            return []
        target = self.root / relative
        if has_glob(relative):
            try:
                matcher = GlobMatcher(relative)
                candidates = [p for p in self.walk(literal_base(relative)) if matcher.matches(p)]
            except re.error as error:
                self.problems.append(
                    rule.problem(f"invalid pattern: {error}", "fix the [...] part")
                )
                return []
            except GlobTooCostly as error:
                self.problems.append(_too_costly(rule, error))
                return []
        elif rule.pattern.endswith("/") or target.is_dir():
            if not self.inside(target):
                self.problems.append(rule.problem(f"{relative} leaves the repository"))
                return []
            candidates = self.walk(relative)
        elif target.exists() or target.is_symlink():
            candidates = [relative]
        else:
            self.problems.append(
                rule.problem(f"{rule.pattern} does not exist", "fix the path or remove the entry")
            )
            return []
        return self.keep(rule, candidates)

    def is_excluded(self, rule: FileRule, path: str) -> bool:
        """Whether an ``exclude`` pattern drops ``path``; a pattern past its work budget is
        reported once and excludes nothing more."""
        if self.excluded is None:
            return False
        try:
            return self.excluded(path)
        except GlobTooCostly as error:
            self.problems.append(_too_costly(rule, error, key="exclude"))
            self.excluded = None
            return False

    def keep(self, rule: FileRule, candidates: list[str]) -> list[Selected]:
        kept = [c for c in candidates if not self.is_excluded(rule, c)]
        if not kept:
            what = "only excluded files" if candidates else "no file"
            self.problems.append(
                rule.problem(f"{rule.pattern} matches {what}", "fix the pattern or remove it")
            )
        return [s for c in kept if (s := self.take(rule, c)) is not None]

    def archive_rule(self, rule: FileRule) -> list[Selected]:
        relative = self.relative(rule, rule.pattern)
        if relative is None:
            return []
        folder = self.root / relative
        if not folder.is_dir() or not self.inside(folder):
            self.problems.append(
                rule.problem(f"{rule.pattern} is not a folder in the repository", "fix the path")
            )
            return []
        members = []
        for path in self.walk(relative):
            if self.is_excluded(rule, path):
                continue
            taken = self.take(rule, path)
            if taken is not None:
                prefix = len(relative.rstrip("/")) + 1 if relative else 0
                members.append((path[prefix:], taken.source))
        if not members:
            self.problems.append(rule.problem(f"{rule.pattern} has no file to archive"))
            return []
        assert rule.archive_name is not None  # the settings make archive rules with a name
        return [SelectedArchive(rule.archive_name, relative, tuple(sorted(members)), rule)]

    def catalog_rule(self, rule: FileRule) -> list[Selected]:
        relative = self.relative(rule, rule.pattern)
        if relative is None:
            return []
        entries, problems = read_catalog(self.root, relative, rule)
        self.problems.extend(problems)
        selected: list[Selected] = []
        for entry, entry_rule in entries:
            taken = self.take(entry_rule, entry)
            if taken is not None:
                selected.append(taken)
        return selected


def _too_costly(rule: FileRule, error: GlobTooCostly, *, key: str = "files") -> Problem:
    return rule.problem(
        f"the {key} pattern {error.pattern} needs more than {error.budget} matching steps in "
        "this tree",
        "start the pattern with its folder (data/**/*.csv rather than **/*.csv) or list fewer "
        "levels of **",
    )


def _resolved(path: Path) -> Path | None:
    """``path`` with every symlink followed, or None for a symlink loop."""
    try:
        return path.resolve()
    except (OSError, RuntimeError):  # RuntimeError: Python < 3.13 reports loops so
        return None


def select_files(settings: FileSettings) -> tuple[list[Selected], list[Problem]]:
    """What the rules select, without reading file contents; every refusal but archive sizes."""
    selector = _Selector(settings)
    selected: list[Selected] = []
    seen_sources: set[Path] = set()
    if settings.declared == 0:
        selector.problems.append(
            _files_problem(
                settings,
                "the manifest selects no files",
                "add files: (Zenodo records need at least one file)",
            )
        )
    for rule in settings.rules:
        handler = {"path": selector.path_rule, "archive": selector.archive_rule}.get(
            rule.kind, selector.catalog_rule
        )
        for item in handler(rule):
            # Overlapping rules (data/*.csv and data/a.csv) select one file once.
            if isinstance(item, SelectedFile):
                if item.source in seen_sources:
                    continue
                seen_sources.add(item.source)
            selected.append(item)
    problems = selector.problems + _limit_problems(settings, selected)
    return selected, problems


def _limit_problems(settings: FileSettings, selected: list[Selected]) -> list[Problem]:
    problems: list[Problem] = []
    first_by_name: dict[str, Selected] = {}
    for item in selected:
        rule = item.rule
        earlier = first_by_name.setdefault(item.name, item)
        if earlier is not item:
            problems.append(
                rule.problem(
                    f"two files would be uploaded as {item.name}: {earlier.origin} and "
                    f"{item.origin}",
                    "Zenodo has no folders; rename one, exclude one, or archive a folder",
                )
            )
        if _CONTROL.search(item.name):
            problems.append(
                rule.problem(
                    f"the name {item.name!r} holds a line break or another control character",
                    "rename the file; Zenodo cannot store such a name and logs would break",
                )
            )
        if len(item.name) > MAX_NAME_LENGTH:
            problems.append(
                rule.problem(
                    f"the name {item.name[:40]}... is {len(item.name)} characters long",
                    f"Zenodo takes at most {MAX_NAME_LENGTH}; rename the file",
                )
            )
        if isinstance(item, SelectedFile):
            problems.extend(_size_problems(rule, item.origin, item.size))
    if len(selected) > MAX_FILES:
        problems.append(
            _files_problem(
                settings,
                f"{len(selected)} files selected; Zenodo takes at most {MAX_FILES} per record",
                "archive folders ({path: folder/, archive: name.zip}) or exclude files",
            )
        )
    total = sum(item.size for item in selected if isinstance(item, SelectedFile))
    if total > MAX_BYTES:
        problems.append(
            _files_problem(
                settings,
                f"the files add up to {total} bytes; Zenodo takes at most 50 GB per record",
                "split the data over several records",
            )
        )
    return problems


def _size_problems(rule: FileRule, origin: str, size: int) -> list[Problem]:
    if size == 0:
        return [rule.problem(f"{origin} is empty", "Zenodo refuses empty files; remove it")]
    if size > MAX_BYTES:
        return [rule.problem(f"{origin} is {size} bytes", "Zenodo takes at most 50 GB per file")]
    return []


def _files_problem(settings: FileSettings, message: str, hint: str) -> Problem:
    rule = settings.rules[0] if settings.rules else None
    path = rule.path[:1] if rule else ("files",)
    mark = settings.rules_mark or (rule.mark if rule else None)
    return Problem(
        message,
        settings.display_name,
        mark.line if mark else None,
        mark.column if mark else None,
        json_path(path),
        hint,
    )


def resolve_files(manifest: Manifest, *, build_dir: Path, hashed: bool = True) -> LocalState:
    """Select, archive (into ``build_dir``) and checksum every file. Raises ManifestError with
    every file problem; nothing is hashed when the selection itself is refused.

    ``hashed=False`` leaves the md5s to be made when first needed (each :class:`LocalFile`'s
    ``digest``): the sync engine hashes only files whose md5 decides anything before the
    upload, and lets the upload hash the others on the way out (issue 15)."""
    selected, problems = select_files(manifest.files)
    if problems:
        raise ManifestError(problems)
    sources: list[Path] = []
    for item in selected:
        if isinstance(item, SelectedArchive):
            target = build_dir / item.name
            write_deterministic_zip(item.members, target)
            sources.append(target.resolve())
        else:
            sources.append(item.source)
    if hashed:
        scanned = zip(sources, md5_many(sources), strict=True)
        digests = [(FileDigest(path, md5), size) for path, (md5, size) in scanned]
    else:
        watches = [(path, Watch.start(path.stat)) for path in sources]
        digests = [(FileDigest(path, watch=watch), watch.before.size) for path, watch in watches]
    files: list[LocalFile] = []
    for item, source, (digest, size) in zip(selected, sources, digests, strict=True):
        if isinstance(item, SelectedArchive):
            problems.extend(_size_problems(item.rule, item.origin, size))
        files.append(LocalFile(item.name, size, digest, source, item.origin))
    state = LocalState(tuple(files))
    if state.total_size > MAX_BYTES:
        problems.append(
            _files_problem(
                manifest.files,
                f"the files add up to {state.total_size} bytes with the archives; Zenodo takes "
                "at most 50 GB per record",
                "split the data over several records",
            )
        )
    if problems:
        raise ManifestError(problems)
    return state
