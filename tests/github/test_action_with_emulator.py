"""The action end to end: the runner's environment, the real engine, the emulator as Zenodo, a
bare git remote. Each trigger of SPEC §1 is run and its outputs, summary, Zenodo state and the
commit that reaches the remote are asserted."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from gh_support import REPOSITORY_PAYLOAD, TOKEN, Runner, git

from zenodo_publish.emulator.testing import EmulatorHandle
from zenodo_publish.github.entrypoint import main

RECORD = ".zenodo-record.json"
MANIFEST = """\
endpoint: sandbox
metadata:
  title: Buoy temperatures
  resource_type: dataset
  license: cc-by-4.0
  creators:
    - {family_name: Lovelace, given_name: Ada}
files:
  - data/*.csv
publish:
  on: tags
  tags: "v*"
"""


@pytest.fixture
def zenodo(emulator: EmulatorHandle, runner: Runner) -> EmulatorHandle:
    """The workspace carries a publishable manifest; the action talks to the emulator."""
    workspace = runner.repo.workspace
    (workspace / "zenodo.yaml").write_text(MANIFEST)
    git(workspace, "add", "zenodo.yaml")
    git(workspace, "commit", "-q", "-m", "Publishable manifest")
    git(workspace, "push", "-q", "origin", "HEAD:main")
    runner.inputs(
        zenodo_token=emulator.token,
        github_token=TOKEN,
        endpoint=emulator.api_url,
    )
    return emulator


def run_action(runner: Runner) -> tuple[int, str]:
    stream = io.StringIO()
    code = main(runner.environ, git_remote=runner.repo.url, stream=stream)
    return code, stream.getvalue()


def push(runner: Runner) -> None:
    runner.event(
        "push",
        {"ref": "refs/heads/main", "repository": REPOSITORY_PAYLOAD},
        ref="refs/heads/main",
    )


def tag_push(runner: Runner, tag: str) -> None:
    runner.event(
        "push",
        {"ref": f"refs/tags/{tag}", "repository": REPOSITORY_PAYLOAD},
        ref=f"refs/tags/{tag}",
    )


def writes(emulator: EmulatorHandle) -> list[str]:
    return [f"{e['method']} {e['path']}" for e in emulator.control.log() if e["method"] != "GET"]


def remote_record(runner: Runner, emulator: EmulatorHandle) -> dict[str, str]:
    document = json.loads(runner.repo.remote_file(RECORD))
    entry: dict[str, str] = document[emulator.api_url]
    return entry


def assert_token_nowhere(runner: Runner, log: str, emulator: EmulatorHandle) -> None:
    workspace = runner.repo.workspace
    texts = {
        "log": "\n".join(line for line in log.splitlines() if not line.startswith("::add-mask::")),
        "outputs": runner.output_file.read_text(),
        "summary": runner.summary(),
        ".git/config": (workspace / ".git" / "config").read_text(),
        "remote history": git(runner.repo.remote, "log", "--all", "-p"),
    }
    if (workspace / RECORD).exists():
        texts["record file"] = (workspace / RECORD).read_text()
    for where, text in texts.items():
        for secret in (emulator.token, TOKEN):
            assert secret not in text, f"a token leaked into the {where}"


def test_push_syncs_a_draft_and_commits_its_id(runner: Runner, zenodo: EmulatorHandle) -> None:
    push(runner)
    code, log = run_action(runner)
    assert code == 0, log
    outputs = runner.outputs()
    assert outputs["state"] == "draft"
    assert outputs["published"] == "false"
    assert outputs["files_uploaded"] == "1"
    assert outputs["committed"] == "true"
    assert outputs["doi"] == ""
    assert json.loads(outputs["plan"])["action"] == "create"
    # The commit that reached the remote holds exactly the record file, with the draft's id.
    assert runner.repo.remote_head() == outputs["commit_sha"]
    entry = remote_record(runner, zenodo)
    assert entry["record_id"] == outputs["record_id"]
    assert entry["state"] == "draft"
    changed = git(runner.repo.remote, "show", "--name-only", "--format=%s", "main").splitlines()
    assert changed == ["Update Zenodo record identifiers [skip ci]", "", RECORD]
    # The draft carries the repository marker and the manifest's file.
    record = zenodo.control.state()["records"]
    assert len(record) == 1
    summary = runner.summary()
    assert outputs["record_url"] in summary
    assert "| a\\.csv | uploaded |" in summary
    assert_token_nowhere(runner, log, zenodo)


def test_a_rerun_with_nothing_changed_writes_nothing_anywhere(
    runner: Runner, zenodo: EmulatorHandle
) -> None:
    push(runner)
    assert run_action(runner)[0] == 0
    head = runner.repo.remote_head()
    git(runner.repo.workspace, "pull", "-q", "origin", "main")
    zenodo.control.clear_log()
    runner.output_file.write_text("")

    code, log = run_action(runner)
    assert code == 0, log
    assert writes(zenodo) == []
    outputs = runner.outputs()
    assert outputs["committed"] == "false"
    assert outputs["files_skipped"] == "1"
    assert runner.repo.remote_head() == head


def test_a_release_tag_publishes_and_commits_to_the_default_branch(
    runner: Runner, zenodo: EmulatorHandle
) -> None:
    push(runner)
    assert run_action(runner)[0] == 0
    draft_id = runner.outputs()["record_id"]
    runner.output_file.write_text("")
    # The tag run checks out the tag (detached HEAD), as actions/checkout does.
    workspace = runner.repo.workspace
    git(workspace, "fetch", "-q", "origin")
    git(workspace, "tag", "-f", "v2.0.0", "origin/main")
    git(workspace, "checkout", "-q", "v2.0.0")
    tag_push(runner, "v2.0.0")

    code, log = run_action(runner)
    assert code == 0, log
    outputs = runner.outputs()
    assert outputs["published"] == "true"
    assert outputs["state"] == "published"
    assert outputs["record_id"] == draft_id  # the synced draft was published, not a new one
    assert outputs["doi"] == f"10.5072/zenodo.{draft_id}"
    assert outputs["concept_doi"].startswith("10.5072/zenodo.")
    assert outputs["committed"] == "true"
    entry = remote_record(runner, zenodo)
    assert entry["state"] == "published"
    assert entry["version"] == "2.0.0"
    assert entry["doi"] == outputs["doi"]
    assert f"https://doi.org/{outputs['doi']}" in runner.summary()
    assert_token_nowhere(runner, log, zenodo)


def test_a_non_matching_tag_only_syncs(runner: Runner, zenodo: EmulatorHandle) -> None:
    tag_push(runner, "nightly-5")
    code, log = run_action(runner)
    assert code == 0, log
    assert runner.outputs()["published"] == "false"
    assert not any("/actions/publish" in w for w in writes(zenodo))


def test_workflow_dispatch_plan_reads_only(runner: Runner, zenodo: EmulatorHandle) -> None:
    runner.event(
        "workflow_dispatch",
        {"ref": "refs/heads/main", "inputs": {"mode": "plan"}, "repository": REPOSITORY_PAYLOAD},
        ref="refs/heads/main",
    )
    code, log = run_action(runner)
    assert code == 0, log
    plan = json.loads(runner.outputs()["plan"])
    assert plan["action"] == "create"
    assert [f["name"] for f in plan["files"]] == ["a.csv"]
    assert writes(zenodo) == []
    assert runner.outputs()["committed"] == "false"


def test_a_fork_pull_request_without_a_token_never_reaches_zenodo(
    runner: Runner, zenodo: EmulatorHandle
) -> None:
    runner.inputs(zenodo_token="", github_token="")
    runner.event(
        "pull_request",
        {
            "pull_request": {"head": {"repo": {"full_name": "someone/data", "fork": True}}},
            "repository": REPOSITORY_PAYLOAD,
        },
        ref="refs/pull/7/merge",
    )
    code, log = run_action(runner)
    assert code == 0, log
    assert zenodo.control.log() == []
    assert runner.outputs()["committed"] == "false"
    assert "::notice" in log


def test_a_wrong_token_fails_with_one_error_line_and_no_commit(
    runner: Runner, zenodo: EmulatorHandle
) -> None:
    runner.inputs(zenodo_token="not-the-right-token-123")
    push(runner)
    head = runner.repo.remote_head()
    code, log = run_action(runner)
    assert code == 3
    errors = [line for line in log.splitlines() if line.startswith("::error")]
    assert len(errors) == 1
    assert "token" in errors[0].lower()
    assert runner.repo.remote_head() == head
    assert "not-the-right-token-123" not in log.replace("::add-mask::not-the-right-token-123", "")
    assert not (runner.repo.workspace / RECORD).exists()


def test_an_invalid_manifest_is_annotated_at_its_line_before_any_request(
    runner: Runner, zenodo: EmulatorHandle
) -> None:
    workspace: Path = runner.repo.workspace
    (workspace / "zenodo.yaml").write_text(MANIFEST.replace("cc-by-4.0", "cc-by-4"))
    push(runner)
    code, log = run_action(runner)
    assert code == 1
    annotations = [line for line in log.splitlines() if line.startswith("::error file=")]
    assert annotations and "line=5" in annotations[0], log
    assert zenodo.control.log() == []
