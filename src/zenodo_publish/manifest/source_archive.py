"""``files: [{source_archive: "{repository}-{version}.zip"}]``: the repository's own source, as
the official GitHub integration archives a release (SPEC §11).

The archive holds the tracked files of the commit being run (``HEAD``), read from git's object
store, not from the working tree: uncommitted edits, ignored and build files stay out, and two
clones of one commit give the same bytes. The record file is left out (the action commits it
back, and it must not make every archive differ). Entries sit under one folder named like the
archive, sorted, with a fixed timestamp and git's own modes (0644, 0755, symlinks), so the same
tree gives the same md5 and is not uploaded again.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from zenodo_publish.checksum import FileDigest
from zenodo_publish.childenv import child_environment
from zenodo_publish.errors import ManifestError, Problem
from zenodo_publish.manifest.archive import CHUNK_SIZE, FIXED_DATE_TIME
from zenodo_publish.manifest.files import LocalFile, LocalState

if TYPE_CHECKING:
    from zenodo_publish.manifest.settings import Manifest

_UNIX = 3
_MODES = {"100644": 0o100644, "100755": 0o100755, "120000": 0o120777}


@dataclass(frozen=True)
class SourceArchiveRule:
    template: str  # e.g. "{repository}-{version}.zip"
    index: int  # its place under files:


@dataclass(frozen=True)
class TreeEntry:
    path: str  # relative to the repository's top level
    mode: str
    sha: str


def source_archive_rules(manifest: Manifest) -> list[SourceArchiveRule]:
    entries = manifest.raw.get("files")
    if not isinstance(entries, list):
        return []
    return [
        SourceArchiveRule(entry["source_archive"], index)
        for index, entry in enumerate(entries)
        if isinstance(entry, dict) and isinstance(entry.get("source_archive"), str)
    ]


def _problem(manifest: Manifest, rule: SourceArchiveRule, message: str, hint: str) -> Problem:
    return Problem(
        message, manifest.display_name, None, None, f"$.files[{rule.index}].source_archive", hint
    )


def archive_name(
    manifest: Manifest, rule: SourceArchiveRule, *, repository: str, version: str | None
) -> str:
    if "{version}" in rule.template and not version:
        raise ManifestError(
            [
                _problem(
                    manifest,
                    rule,
                    f"{rule.template} needs a version, and none is set",
                    "set metadata.version, or run on a release tag (its version fills it)",
                )
            ]
        )
    try:
        name = rule.template.format(repository=repository, version=version or "")
    except (KeyError, IndexError, ValueError) as error:
        raise ManifestError(
            [
                _problem(
                    manifest,
                    rule,
                    f"{rule.template} has an unknown placeholder ({error})",
                    "use {repository} and {version} only",
                )
            ]
        ) from None
    if "/" in name or "\\" in name or not name.endswith(".zip") or name.startswith("."):
        raise ManifestError(
            [_problem(manifest, rule, f"{name!r} is not a plain .zip file name", "fix the name")]
        )
    return name


def add_source_archives(
    manifest: Manifest,
    local: LocalState,
    *,
    repository: str | None,
    version: str | None,
    build_dir: Path,
) -> LocalState:
    """``local`` with every source archive the manifest asks for built into ``build_dir``."""
    rules = source_archive_rules(manifest)
    if not rules:
        return local
    top = git_toplevel(manifest.repo_root)
    if top is None:
        raise ManifestError(
            [
                _problem(
                    manifest,
                    rules[0],
                    f"{manifest.repo_root} is not a git checkout with a commit",
                    "a source archive is made from the commit being run; commit first",
                )
            ]
        )
    repo_name = repository or top.name
    record_file = (manifest.repo_root / manifest.record_file).resolve()
    excluded = set()
    if record_file.is_relative_to(top):
        excluded.add(record_file.relative_to(top).as_posix())
    files = list(local.files)
    taken = {f.name for f in files}
    for rule in rules:
        name = archive_name(manifest, rule, repository=repo_name, version=version)
        if name in taken:
            raise ManifestError(
                [
                    _problem(
                        manifest,
                        rule,
                        f"two files would be uploaded as {name}",
                        "rename the source archive or the other file",
                    )
                ]
            )
        taken.add(name)
        target = build_dir / name
        write_source_archive(top, target, prefix=name.removesuffix(".zip"), exclude=excluded)
        source = target.resolve()
        # Hashed when first needed, as the other files of a sync (manifest.files).
        files.append(
            LocalFile(name, source.stat().st_size, FileDigest(source), source, "source of HEAD")
        )
    return LocalState(tuple(files))


def git_toplevel(path: Path) -> Path | None:
    try:
        top = _git(path, "rev-parse", "--show-toplevel").decode().strip()
        _git(path, "rev-parse", "--verify", "--quiet", "HEAD^{commit}")
    except (OSError, subprocess.CalledProcessError):
        return None
    return Path(top).resolve()


def _git(cwd: Path, *args: str) -> bytes:
    return subprocess.run(
        ["git", "-C", str(cwd), *args],
        check=True,
        capture_output=True,
        env={**child_environment(), "GIT_CONFIG_NOSYSTEM": "1", "LC_ALL": "C"},
    ).stdout


def tracked_tree(top: Path, rev: str = "HEAD") -> list[TreeEntry]:
    """Every blob of ``rev`` (files and symlinks; submodules are not content of this tree)."""
    listing = _git(top, "ls-tree", "-r", "-z", "--full-tree", rev)
    entries: list[TreeEntry] = []
    for item in listing.split(b"\0"):
        if not item:
            continue
        meta, _, raw_path = item.partition(b"\t")
        mode, kind, sha = meta.decode().split()
        if kind == "blob" and mode in _MODES:
            entries.append(TreeEntry(raw_path.decode("utf-8", "surrogateescape"), mode, sha))
    return sorted(entries, key=lambda e: e.path)


def write_source_archive(
    top: Path, target: Path, *, prefix: str, exclude: set[str], rev: str = "HEAD"
) -> None:
    """The deterministic zip of ``rev``'s tracked files under ``prefix/``."""
    entries = [e for e in tracked_tree(top, rev) if e.path not in exclude]
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
    os.close(handle)
    try:
        with zipfile.ZipFile(temporary, "w") as archive, _BlobReader(top) as blobs:
            for entry in entries:
                info = zipfile.ZipInfo(f"{prefix}/{entry.path}", date_time=FIXED_DATE_TIME)
                info.compress_type = zipfile.ZIP_DEFLATED
                info.create_system = _UNIX
                info.external_attr = _MODES[entry.mode] << 16
                size = blobs.start(entry.sha)
                large = size >= zipfile.ZIP64_LIMIT
                with archive.open(info, "w", force_zip64=large) as dst:
                    for chunk in blobs.chunks(size):
                        dst.write(chunk)
        Path(temporary).replace(target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


class _BlobReader:
    """Blob contents streamed from one ``git cat-file --batch`` process."""

    def __init__(self, top: Path) -> None:
        self._process = subprocess.Popen(
            ["git", "-C", str(top), "cat-file", "--batch"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=child_environment(),
        )
        assert self._process.stdin is not None and self._process.stdout is not None
        self._in: IO[bytes] = self._process.stdin
        self._out: IO[bytes] = self._process.stdout

    def __enter__(self) -> _BlobReader:
        return self

    def __exit__(self, *exc: Any) -> None:
        self._in.close()
        self._out.close()
        self._process.wait()

    def start(self, sha: str) -> int:
        self._in.write(sha.encode() + b"\n")
        self._in.flush()
        header = self._out.readline().split()
        if len(header) != 3 or header[1] != b"blob":
            raise OSError(f"git cat-file could not read blob {sha}")
        return int(header[2])

    def chunks(self, size: int) -> Iterator[bytes]:
        left = size
        while left > 0:
            chunk = self._out.read(min(CHUNK_SIZE, left))
            if not chunk:
                raise OSError("git cat-file ended early")
            left -= len(chunk)
            yield chunk
        self._out.read(1)  # the newline after each blob


__all__ = ["add_source_archives", "source_archive_rules", "write_source_archive"]
