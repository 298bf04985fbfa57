"""Commit-back of the files a run wrote besides the record file (CITATION.cff, the README
badge): one commit on a branch; on a detached HEAD only the record file, with a message."""

from __future__ import annotations

from pathlib import Path

from gh_support import Repo, git

from zenodo_publish.github.git import CommitRequest, commit_record_file

RECORD = ".zenodo-record.json"


def request(repo: Repo, **overrides: object) -> CommitRequest:
    values: dict[str, object] = {
        "repo_dir": repo.workspace,
        "record_file": RECORD,
        "branch": "main",
        "message": "Update Zenodo record identifiers [skip ci]",
        "workspace": repo.workspace,
        "remote": repo.url,
        "also_files": ("CITATION.cff", "README.md"),
    }
    values.update(overrides)
    return CommitRequest(**values)  # type: ignore[arg-type]


def write_files(repo: Repo) -> None:
    (repo.workspace / RECORD).write_text('{"x": {"record_id": "5"}}\n')
    (repo.workspace / "CITATION.cff").write_text("cff-version: 1.2.0\ndoi: 10.5072/zenodo.5\n")
    (repo.workspace / "README.md").write_text("# badge\n")


def test_the_written_files_go_into_the_record_commit(repo: Repo) -> None:
    write_files(repo)
    (repo.workspace / "other.txt").write_text("not ours\n")

    outcome = commit_record_file(request(repo))

    assert outcome.committed
    changed = sorted(git(repo.remote, "show", "--name-only", "--format=", "main").split())
    assert changed == sorted(["CITATION.cff", "README.md", RECORD])
    assert commit_record_file(request(repo)).committed is False


def test_a_detached_head_commits_the_record_file_only_and_says_so(
    repo: Repo, tmp_path: Path
) -> None:
    git(repo.workspace, "checkout", "-q", "--detach")
    write_files(repo)
    said: list[str] = []

    outcome = commit_record_file(request(repo), log=said.append)

    assert outcome.committed
    assert git(repo.remote, "show", "--name-only", "--format=", "main").split() == [RECORD]
    assert any("CITATION.cff, README.md changed" in line for line in said)
