"""A source archive through the engine: uploaded once, skipped while the tree is unchanged,
named after the repository and the tag's version."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from engine_support import Harness, make_repo, upload_calls

GIT_ENV = {
    "GIT_AUTHOR_NAME": "T",
    "GIT_AUTHOR_EMAIL": "t@example.org",
    "GIT_COMMITTER_NAME": "T",
    "GIT_COMMITTER_EMAIL": "t@example.org",
}


def git(cwd: Path, *args: str) -> None:
    subprocess.run(
        ["git", *args], cwd=cwd, check=True, capture_output=True, env={**os.environ, **GIT_ENV}
    )


def test_source_archive_is_uploaded_once_per_tree(harness: Harness, tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo", endpoint=harness.emu.api_url, api="rdm", n_files=1)
    manifest = repo / "zenodo.yaml"
    manifest.write_text(
        manifest.read_text().replace(
            "files:\n  - data/*\n",
            'files:\n  - data/*\n  - {source_archive: "{repository}-{version}.zip"}\n',
        )
    )
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "first")

    first = harness.run(repo, version="1.0.0")

    assert {f.name: f.action for f in first.files} == {
        "f000.csv": "upload",
        "tiny-1.0.0.zip": "upload",
    }
    harness.mark()
    again = harness.run(repo, version="1.0.0")  # the record file is new and untracked: no change
    assert upload_calls(harness.log()) == []
    assert {f.name: f.action for f in again.files}["tiny-1.0.0.zip"] == "skip"

    (repo / "data" / "f000.csv").write_text("changed\n")
    git(repo, "commit", "-q", "-am", "change")
    harness.mark()
    harness.run(repo, version="1.0.0")
    assert sorted(upload_calls(harness.log())) == ["f000.csv", "tiny-1.0.0.zip"]
