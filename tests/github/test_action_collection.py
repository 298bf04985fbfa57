"""A collection through the action, as a matrix job's steps run it: the runner's environment,
the real engine, the emulator as Zenodo, one bare git remote shared by the shards."""

from __future__ import annotations

import io
import json
import subprocess
import threading
from pathlib import Path

import pytest
from gh_support import REPOSITORY_PAYLOAD, TOKEN, Repo, Runner, git, make_runner

from zenodo_publish.collection.selection import assign_shards
from zenodo_publish.emulator.testing import EmulatorHandle
from zenodo_publish.github.entrypoint import main

KEYS = [f"obj-{i:02d}" for i in range(8)]
MANIFEST = """\
endpoint: sandbox
metadata:
  resource_type: dataset
  license: cc-by-4.0
  description: One object of the collection.
  creators: [{family_name: Lovelace, given_name: Ada}]
records:
  table: records.csv
  key: id
  metadata:
    title: "Object {id}"
  files: ["objects/{id}/*"]
"""


def _collection_commit(repo: Repo, manifest: str = MANIFEST) -> None:
    workspace = repo.workspace
    (workspace / "zenodo.yaml").write_text(manifest)
    (workspace / "records.csv").write_text("id\n" + "".join(f"{k}\n" for k in KEYS))
    for key in KEYS:
        (workspace / "objects" / key).mkdir(parents=True)
        (workspace / "objects" / key / f"{key}.txt").write_text(f"{key}\n")
    git(workspace, "add", ".")
    git(workspace, "commit", "-q", "-m", "A collection")
    git(workspace, "push", "-q", "origin", "HEAD:main")


def _shard_runner(tmp_path: Path, repo: Repo, name: str, emulator: EmulatorHandle) -> Runner:
    workspace = tmp_path / f"workspace-{name}"
    subprocess.run(["git", "clone", "-q", repo.url, str(workspace)], check=True)
    folder = tmp_path / f"runner-{name}"
    folder.mkdir()
    runner = make_runner(folder, Repo(repo.remote, workspace))
    runner.inputs(zenodo_token=emulator.token, github_token=TOKEN, endpoint=emulator.api_url)
    runner.event(
        "push", {"ref": "refs/heads/main", "repository": REPOSITORY_PAYLOAD}, ref="refs/heads/main"
    )
    return runner


def _run(runner: Runner, codes: dict[str, int], logs: dict[str, str], name: str) -> None:
    stream = io.StringIO()
    codes[name] = main(runner.environ, git_remote=runner.repo.url, stream=stream)
    logs[name] = stream.getvalue()


def test_two_shards_at_once_commit_twice_without_conflict(
    tmp_path: Path, repo: Repo, emulator: EmulatorHandle
) -> None:
    _collection_commit(repo)
    before = len(repo.remote_log())
    runners = {}
    for index in (1, 2):
        runner = _shard_runner(tmp_path, repo, str(index), emulator)
        runner.inputs(shard=f"{index}/2")
        runners[str(index)] = runner
    codes: dict[str, int] = {}
    logs: dict[str, str] = {}
    threads = [
        threading.Thread(target=_run, args=(runner, codes, logs, name))
        for name, runner in runners.items()
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert codes == {"1": 0, "2": 0}, logs
    messages = repo.remote_log()
    assert len(messages) == before + 2
    assert messages[:2] == ["Update Zenodo record identifiers [skip ci]"] * 2
    files = git(repo.remote, "ls-tree", "-r", "--name-only", "main", ".zenodo/records")
    assert files.splitlines() == [f".zenodo/records/{key}.json" for key in KEYS]
    for key in KEYS:
        entry = json.loads(repo.remote_file(f".zenodo/records/{key}.json"))[emulator.api_url]
        assert entry["state"] == "draft"
    for name, runner in runners.items():
        summary = runner.summary()
        mine = [k for k in KEYS if assign_shards(KEYS, 2)[k] == int(name)]
        assert all(f"`{k}`" in summary for k in mine)
        assert not any(f"`{k}`" in summary for k in KEYS if k not in mine)
        assert runner.outputs()["committed"] == "true"
        assert f"[{len(mine)}/{len(mine)}] " in logs[name]


def test_a_failing_record_fails_the_step_after_the_others_are_committed(
    tmp_path: Path, repo: Repo, emulator: EmulatorHandle
) -> None:
    _collection_commit(repo)
    runner = _shard_runner(tmp_path, repo, "all", emulator)
    runner.inputs(records="obj-01,obj-02")
    emulator.control.inject(r"obj-02\.txt/content", 413, method="PUT", count=10)
    logs: dict[str, str] = {}
    codes: dict[str, int] = {}
    _run(runner, codes, logs, "all")
    assert codes["all"] == 6
    assert "::error" in logs["all"] and "obj-02" in logs["all"]
    assert git(repo.remote, "ls-tree", "-r", "--name-only", "main", ".zenodo/records") == (
        ".zenodo/records/obj-01.json\n.zenodo/records/obj-02.json"
    )
    summary = runner.summary()
    assert "| `obj-01` | ✅ ok |" in summary and "| `obj-02` | ❌ failed |" in summary


@pytest.mark.parametrize("value", ["0/2", "3/2", "two"])
def test_a_bad_shard_input_is_refused_before_anything_happens(
    tmp_path: Path, repo: Repo, emulator: EmulatorHandle, value: str
) -> None:
    _collection_commit(repo)
    runner = _shard_runner(tmp_path, repo, "bad", emulator)
    runner.inputs(shard=value)
    emulator.control.clear_log()
    codes: dict[str, int] = {}
    logs: dict[str, str] = {}
    _run(runner, codes, logs, "bad")
    assert codes["bad"] == 2
    assert "shard" in logs["bad"]
    assert emulator.control.log() == []


def test_a_tag_run_commits_the_record_folder_to_the_default_branch(
    tmp_path: Path, repo: Repo, emulator: EmulatorHandle
) -> None:
    """A release tag checks out a detached HEAD: the record files are committed on top of the
    fetched main (one commit, main's own later work kept), as the single record file is."""
    _collection_commit(repo, MANIFEST + 'publish: {on: tags, tags: "v*"}\n')
    runner = _shard_runner(tmp_path, repo, "tag", emulator)
    runner.inputs(records="obj-00,obj-01")
    codes: dict[str, int] = {}
    logs: dict[str, str] = {}
    _run(runner, codes, logs, "sync")
    assert codes["sync"] == 0, logs["sync"]
    workspace = runner.repo.workspace
    git(workspace, "fetch", "-q", "origin")
    git(workspace, "tag", "v1.0.0", "origin/main")
    git(workspace, "checkout", "-q", "--detach", "v1.0.0")
    tag_commit = git(workspace, "rev-parse", "HEAD")
    later = repo.push_from_elsewhere(tmp_path / "elsewhere", "notes.txt", "later\n", "Later work")
    runner.output_file.write_text("")
    runner.event(
        "push",
        {"ref": "refs/tags/v1.0.0", "repository": REPOSITORY_PAYLOAD},
        ref="refs/tags/v1.0.0",
    )
    _run(runner, codes, logs, "tag")
    assert codes["tag"] == 0, logs["tag"]
    assert runner.outputs()["committed"] == "true"
    assert git(repo.remote, "rev-parse", "main^") == later
    changed = git(repo.remote, "show", "--name-only", "--format=", "main").split()
    assert changed == [".zenodo/records/obj-00.json", ".zenodo/records/obj-01.json"]
    for key in ("obj-00", "obj-01"):
        entry = json.loads(repo.remote_file(f".zenodo/records/{key}.json"))[emulator.api_url]
        assert entry["state"] == "published" and entry["version"] == "1.0.0"
    assert repo.remote_file("notes.txt") == "later"
    assert git(workspace, "rev-parse", "HEAD") == tag_commit  # the checkout is left as it was
