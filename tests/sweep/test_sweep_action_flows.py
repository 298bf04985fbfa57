"""Full action flows against the emulator under the leak guard (recognisable Zenodo and GitHub
tokens; stdout, stderr, log records, outputs, summary, record file, the workspace's and the
remote's whole git history and the emulator's request log are scanned after each test):
validate, sync, publish, and the failure paths (a bad token, a protected branch). Hostile file
names go through a real sync and converge."""

from __future__ import annotations

import json
import unicodedata
from pathlib import Path

import pytest
from gh_support import REPOSITORY_PAYLOAD, Runner, git, make_repo, make_runner
from leakcheck import SWEEP_GITHUB_TOKEN, SWEEP_TOKEN, LeakGuard

from zenodo_publish.emulator.testing import EmulatorHandle
from zenodo_publish.github.entrypoint import main

MANIFEST = """\
endpoint: sandbox
metadata:
  title: Sweep data
  resource_type: dataset
  license: cc-by-4.0
  creators:
    - {family_name: Lovelace, given_name: Ada}
files:
  - data/
publish:
  on: tags
  tags: "v*"
"""
HOSTILE = [
    "with space.csv",
    "x%2Fy.csv",
    "q#&=+.csv",
    unicodedata.normalize("NFC", "café.csv"),
    unicodedata.normalize("NFD", "naïve.csv"),
    "Case.csv",
    "case.csv",
    "x::error::pwned.csv",
]


@pytest.fixture
def runner(tmp_path: Path, emulator: EmulatorHandle, leak_guard: LeakGuard) -> Runner:
    emulator.control.new_user(email="sweep@example.org", token=SWEEP_TOKEN)
    repo = make_repo(tmp_path)
    workspace = repo.workspace
    (workspace / "zenodo.yaml").write_text(MANIFEST)
    git(workspace, "add", "zenodo.yaml")
    git(workspace, "commit", "-q", "-m", "Manifest")
    git(workspace, "push", "-q", "origin", "HEAD:main")
    runner = make_runner(tmp_path, repo)
    runner.inputs(
        zenodo_token=SWEEP_TOKEN, github_token=SWEEP_GITHUB_TOKEN, endpoint=emulator.api_url
    )
    for path in (runner.output_file, runner.summary_file, workspace / ".zenodo-record.json"):
        leak_guard.watch_file(path)
    leak_guard.watch_repo(workspace)
    leak_guard.watch_repo(repo.remote)
    leak_guard.watch_emulator(emulator)
    return runner


def run(runner: Runner, event: str = "push", ref: str = "refs/heads/main") -> int:
    payload = {"ref": ref, "repository": REPOSITORY_PAYLOAD}
    if event == "workflow_dispatch":
        payload = {"inputs": {}, "repository": REPOSITORY_PAYLOAD, "ref": ref}
    runner.event(event, payload, ref=ref)
    # stream=None: the real stdout, captured at file-descriptor level by the guard.
    return main(runner.environ, git_remote=runner.repo.url)


def writes(emulator: EmulatorHandle) -> list[str]:
    return [f"{e['method']} {e['path']}" for e in emulator.control.log() if e["method"] != "GET"]


def test_validate_sync_and_publish_leak_nothing(
    runner: Runner, emulator: EmulatorHandle, leak_guard: LeakGuard
) -> None:
    runner.inputs(mode="validate")
    assert run(runner, "workflow_dispatch") == 0
    assert writes(emulator) == []
    runner.inputs(mode="auto")
    assert run(runner) == 0
    assert runner.outputs()["state"] == "draft"
    git(runner.repo.workspace, "pull", "-q", "--rebase", "origin", "main")
    git(runner.repo.workspace, "tag", "v1.0.0")
    git(runner.repo.workspace, "checkout", "-q", "v1.0.0")
    assert run(runner, "push", "refs/tags/v1.0.0") == 0
    outputs = runner.outputs()
    assert outputs["published"] == "true" and outputs["doi"]
    out, _ = leak_guard.readouterr()
    assert f"::add-mask::{SWEEP_TOKEN}" in out  # masked first thing, as the runner needs


def test_a_refused_token_fails_cleanly_and_leaks_nothing(
    runner: Runner, emulator: EmulatorHandle, leak_guard: LeakGuard
) -> None:
    wrong = SWEEP_TOKEN[::-1]
    leak_guard.add_secret(wrong)
    runner.inputs(zenodo_token=wrong)
    code = run(runner)
    assert code == 3
    out, _ = leak_guard.readouterr()
    assert "::error title=Zenodo refused the token::" in out
    assert writes(emulator) == []
    assert git(runner.repo.remote, "log", "--format=%s", "main").splitlines()[0] == "Manifest"
    assert not (runner.repo.workspace / ".zenodo-record.json").exists()


def test_a_protected_branch_fails_with_exit_5_and_leaks_nothing(
    runner: Runner, leak_guard: LeakGuard
) -> None:
    hook = runner.repo.remote / "hooks" / "pre-receive"
    hook.write_text("#!/bin/sh\necho 'error: GH006: Protected branch update failed' >&2\nexit 1\n")
    hook.chmod(0o755)
    assert run(runner) == 5
    out, _ = leak_guard.readouterr()
    assert "protected" in out.lower()
    assert runner.outputs()["committed"] == "false"
    assert git(runner.repo.remote, "log", "--format=%s", "main").splitlines()[0] == "Manifest"


def test_hostile_file_names_sync_once_and_then_converge(
    runner: Runner, emulator: EmulatorHandle, leak_guard: LeakGuard
) -> None:
    data = runner.repo.workspace / "data"
    for name in HOSTILE:
        (data / name).write_text(f"{name}\n", encoding="utf-8")
    git(runner.repo.workspace, "add", "-A")
    git(runner.repo.workspace, "commit", "-q", "-m", "Hostile names")
    git(runner.repo.workspace, "push", "-q", "origin", "HEAD:main")
    runner.inputs(commit="false")
    assert run(runner) == 0
    plan = json.loads(runner.outputs()["plan"])
    assert runner.outputs()["files_uploaded"] == str(len(HOSTILE) + 1)
    assert sorted(f["name"] for f in plan["files"]) == sorted([*HOSTILE, "a.csv"])
    assert len(emulator.control.state()["records"]) == 1
    before = len(emulator.control.log())
    # The record file was written but not committed; the second run finds the draft by it.
    assert run(runner) == 0
    assert runner.outputs()["files_uploaded"] == "0"
    assert [e for e in emulator.control.log()[before:] if e["method"] != "GET"] == []
    out, _ = leak_guard.readouterr()
    # A file name never becomes a workflow command of its own.
    assert not any(line.startswith("::error::pwned") for line in out.splitlines())
