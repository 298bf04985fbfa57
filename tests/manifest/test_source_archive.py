"""Source archives (SPEC §11): the tracked files of HEAD as a deterministic zip; the record
file left out; the same tree on two clones gives the same md5."""

from __future__ import annotations

import hashlib
import os
import subprocess
import zipfile
from pathlib import Path

import pytest

from zenodo_publish.errors import ManifestError
from zenodo_publish.manifest import load_manifest
from zenodo_publish.manifest.files import LocalState
from zenodo_publish.manifest.source_archive import add_source_archives, write_source_archive

GIT_ENV = {
    "GIT_AUTHOR_NAME": "T",
    "GIT_AUTHOR_EMAIL": "t@example.org",
    "GIT_COMMITTER_NAME": "T",
    "GIT_COMMITTER_EMAIL": "t@example.org",
}


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args],
        cwd=cwd,
        check=True,
        capture_output=True,
        text=True,
        env={**os.environ, **GIT_ENV},
    ).stdout


MANIFEST = """\
endpoint: sandbox
record_file: .zenodo-record.json
metadata:
  title: Source
  version: 1.2.0
  description: The source of a tiny model.
  resource_type: software
  license: mit
  publisher: Zenodo
  creators: [{family_name: Doe, given_name: Jane}]
files:
  - {source_archive: "{repository}-{version}.zip"}
"""


def make_repo(root: Path) -> Path:
    root.mkdir(parents=True)
    git(root, "init", "-q", "-b", "main")
    (root / "zenodo.yaml").write_text(MANIFEST)
    (root / "src").mkdir()
    (root / "src" / "model.py").write_text("print('model')\n")
    run = root / "run.sh"
    run.write_text("#!/bin/sh\necho run\n")
    run.chmod(0o755)
    (root / "README.md").write_text("# Source\n")
    os.symlink("README.md", root / "LINK.md")
    (root / ".zenodo-record.json").write_text("{}\n")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "first")
    return root


def md5(path: Path) -> str:
    return hashlib.md5(path.read_bytes(), usedforsecurity=False).hexdigest()


def build(repo: Path, build_dir: Path, version: str | None = None) -> Path:
    manifest = load_manifest(repo / "zenodo.yaml")
    state = add_source_archives(
        manifest,
        LocalState(()),
        repository="tiny",
        version=version or "1.2.0",
        build_dir=build_dir,
    )
    (archive,) = state.files
    assert archive.name == f"tiny-{version or '1.2.0'}.zip" and archive.md5 == md5(archive.source)
    return archive.source


def test_the_archive_holds_the_tracked_files_of_head_with_their_modes(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo")
    (repo / "untracked.txt").write_text("not committed\n")
    (repo / "README.md").write_text("# changed in the working tree only\n")

    archive = build(repo, tmp_path / "build")

    with zipfile.ZipFile(archive) as zf:
        names = zf.namelist()
        assert names == [
            "tiny-1.2.0/LINK.md",
            "tiny-1.2.0/README.md",
            "tiny-1.2.0/run.sh",
            "tiny-1.2.0/src/model.py",
            "tiny-1.2.0/zenodo.yaml",
        ]
        assert zf.read("tiny-1.2.0/README.md") == b"# Source\n"
        assert zf.read("tiny-1.2.0/LINK.md") == b"README.md"
        modes = {i.filename: i.external_attr >> 16 for i in zf.infolist()}
        assert modes["tiny-1.2.0/run.sh"] == 0o100755
        assert modes["tiny-1.2.0/src/model.py"] == 0o100644
        assert modes["tiny-1.2.0/LINK.md"] == 0o120777
        assert {i.date_time for i in zf.infolist()} == {(1980, 1, 1, 0, 0, 0)}


def test_two_clones_of_one_commit_give_the_same_bytes(tmp_path: Path) -> None:
    origin = make_repo(tmp_path / "origin")
    one = tmp_path / "one"
    two = tmp_path / "two"
    git(tmp_path, "clone", "-q", str(origin), str(one))
    git(tmp_path, "clone", "-q", str(origin), str(two))
    os.utime(two / "README.md", (0, 0))  # the working trees differ in mtimes, not content

    first = build(one, tmp_path / "b1")
    second = build(two, tmp_path / "b2")

    print(f"source archive md5, clone one: {md5(first)}, clone two: {md5(second)}")
    assert first.read_bytes() == second.read_bytes()


def test_only_the_record_file_changing_keeps_the_archive_and_a_commit_changes_it(
    tmp_path: Path,
) -> None:
    repo = make_repo(tmp_path / "repo")
    before = md5(build(repo, tmp_path / "b1"))
    (repo / ".zenodo-record.json").write_text('{"x": 1}\n')
    git(repo, "commit", "-q", "-am", "record file")
    assert md5(build(repo, tmp_path / "b2")) == before
    (repo / "src" / "model.py").write_text("print('model 2')\n")
    git(repo, "commit", "-q", "-am", "change")
    assert md5(build(repo, tmp_path / "b3")) != before


def test_a_version_placeholder_without_a_version_is_a_manifest_problem(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo")
    manifest = load_manifest(repo / "zenodo.yaml")
    with pytest.raises(ManifestError, match=r"needs a version"):
        add_source_archives(
            manifest, LocalState(()), repository="tiny", version=None, build_dir=tmp_path / "b"
        )


def test_outside_a_git_checkout_the_archive_is_refused(tmp_path: Path) -> None:
    plain = tmp_path / "plain"
    plain.mkdir()
    (plain / "zenodo.yaml").write_text(MANIFEST)
    manifest = load_manifest(plain / "zenodo.yaml")
    with pytest.raises(ManifestError, match="not a git checkout"):
        add_source_archives(
            manifest, LocalState(()), repository=None, version="1", build_dir=tmp_path / "b"
        )


def test_write_source_archive_reads_large_blobs_in_chunks(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo")
    big = os.urandom(3 * 1024 * 1024 + 17)
    (repo / "big.bin").write_bytes(big)
    git(repo, "add", "big.bin")
    git(repo, "commit", "-q", "-m", "big")
    target = tmp_path / "out.zip"

    write_source_archive(repo, target, prefix="p", exclude=set())

    with zipfile.ZipFile(target) as zf:
        assert zf.read("p/big.bin") == big
        assert zf.read("p/run.sh") == b"#!/bin/sh\necho run\n"
