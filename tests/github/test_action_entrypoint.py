"""The entrypoint end to end, the way the runner starts it: INPUT_* variables, an event JSON per
trigger, GITHUB_OUTPUT and GITHUB_STEP_SUMMARY files, a workspace cloned from a bare remote.
The engine is a fake that returns a RunResult and writes the record file like the real one."""

from __future__ import annotations

import io
import json
import runpy
import subprocess
import sys
from dataclasses import dataclass, field

from gh_support import REPOSITORY_PAYLOAD, TOKEN, ZENODO_TOKEN, Runner, git

from zenodo_publish.errors import ManifestError, Problem, ZenodoAPIError
from zenodo_publish.github.engine import EngineRequest
from zenodo_publish.github.entrypoint import main
from zenodo_publish.github.policy import ManifestPolicy
from zenodo_publish.sync.result import FileOutcome, RecordIds, RunResult

RECORD = ".zenodo-record.json"


@dataclass
class FakeEngine:
    """Records the request; writes the record file as the engine does, returns a result."""

    state: str = "draft"
    write_record: bool = True
    requests: list[EngineRequest] = field(default_factory=list)

    def __call__(self, request: EngineRequest) -> RunResult:
        self.requests.append(request)
        published = request.mode == "publish"
        ids = RecordIds(
            record_id="123",
            concept_id="122",
            doi="10.5072/zenodo.123" if published else None,
            concept_doi="10.5072/zenodo.122" if published else None,
            version=request.version,
            state="published" if published else "draft",  # type: ignore[arg-type]
            record_url="https://sandbox.zenodo.org/records/123",
        )
        if request.mode in ("sync", "publish") and self.write_record and not request.dry_run:
            (request.repo_root / RECORD).write_text(
                json.dumps({"sandbox": {"record_id": "123", "state": ids.state}}, indent=2) + "\n"
            )
        return RunResult(
            mode=request.mode,
            endpoint="https://sandbox.zenodo.org/api",
            ids=ids if request.mode != "validate" else RecordIds(),
            published=published,
            dry_run=request.dry_run,
            files=(FileOutcome("a.csv", "upload", 8, "d" * 32),),
            plan={"files": {"upload": ["a.csv"]}, "publish": request.may_publish},
            record_file=RECORD if request.mode in ("sync", "publish") else None,
            record_file_changed=True,
            messages=("::warning::text from the server is fenced",),
        )


def run(runner: Runner, engine: FakeEngine | None = None) -> tuple[int, str]:
    stream = io.StringIO()
    code = main(
        runner.environ,
        engine=engine or FakeEngine(),
        git_remote=runner.repo.url,
        stream=stream,
    )
    return code, stream.getvalue()


def assert_no_secret_anywhere(runner: Runner, log: str) -> None:
    texts = {
        "log": log,
        "outputs": runner.output_file.read_text(),
        "summary": runner.summary(),
        ".git/config": (runner.repo.workspace / ".git" / "config").read_text(),
        "remote": git(runner.repo.remote, "log", "--all", "-p"),
    }
    for where, text in texts.items():
        for secret in (TOKEN, ZENODO_TOKEN):
            for line in text.splitlines():
                if line.startswith("::add-mask::"):
                    continue
                assert secret not in line, f"secret in {where}: {line}"


def push_event(runner: Runner) -> None:
    runner.event(
        "push",
        {"ref": "refs/heads/main", "repository": REPOSITORY_PAYLOAD},
        ref="refs/heads/main",
    )


def test_push_to_a_branch_syncs_commits_the_record_file_and_reports(runner: Runner) -> None:
    push_event(runner)
    runner.inputs(zenodo_token=ZENODO_TOKEN, github_token=TOKEN)
    engine = FakeEngine()
    code, log = run(runner, engine)
    assert code == 0, log
    lines = log.splitlines()
    # masks come first, before any other line
    assert lines[0] == f"::add-mask::{ZENODO_TOKEN}"
    assert lines[1] == f"::add-mask::{TOKEN}"
    assert lines[2].startswith("::add-mask::")  # the token's base64 header form
    assert "::group::Zenodo Publish: settings and trigger policy" in lines
    assert "::group::Zenodo Publish: sync" in lines
    assert "::group::Zenodo Publish: commit the record file" in lines
    assert any(line.startswith("::stop-commands::") for line in lines)

    (request,) = engine.requests
    assert (request.mode, request.may_publish, request.version) == ("sync", False, None)
    assert request.repo_root == runner.repo.workspace.resolve()
    assert request.manifest_path == runner.repo.workspace.resolve() / "zenodo.yaml"
    assert request.zenodo_token == ZENODO_TOKEN and request.parallel_uploads == 4

    outputs = runner.outputs()
    assert outputs["record_id"] == "123" and outputs["state"] == "draft"
    assert outputs["published"] == "false" and outputs["files_uploaded"] == "1"
    assert json.loads(outputs["plan"]) == {"files": {"upload": ["a.csv"]}, "publish": False}
    assert outputs["committed"] == "true"
    assert outputs["commit_sha"] == runner.repo.remote_head()
    assert runner.repo.remote_log()[0] == "Update Zenodo record identifiers [skip ci]"

    summary = runner.summary()
    assert "## Zenodo Publish: sync" in summary
    assert "| a\\.csv | uploaded | 8 B |" in summary
    assert "committed" in summary
    assert_no_secret_anywhere(runner, log)


def test_rerun_with_nothing_changed_makes_no_commit(runner: Runner) -> None:
    push_event(runner)
    runner.inputs(zenodo_token=ZENODO_TOKEN)
    assert run(runner)[0] == 0
    head = runner.repo.remote_head()
    runner.output_file.write_text("")
    assert run(runner)[0] == 0
    assert runner.repo.remote_head() == head
    assert runner.outputs()["committed"] == "false"
    assert runner.outputs()["commit_sha"] == ""


def test_tag_push_publishes_with_the_tag_version_and_commits_to_the_default_branch(
    runner: Runner,
) -> None:
    git(runner.repo.workspace, "checkout", "-q", "--detach", "v1.2.0")
    runner.event(
        "push",
        {"ref": "refs/tags/v1.2.0", "repository": REPOSITORY_PAYLOAD},
        ref="refs/tags/v1.2.0",
    )
    runner.inputs(zenodo_token=ZENODO_TOKEN, github_token=TOKEN)
    engine = FakeEngine()
    code, log = run(runner, engine)
    assert code == 0, log
    (request,) = engine.requests
    assert (request.mode, request.may_publish, request.version) == ("publish", True, "1.2.0")
    outputs = runner.outputs()
    assert outputs["published"] == "true" and outputs["doi"] == "10.5072/zenodo.123"
    assert outputs["commit_sha"] == runner.repo.remote_head("main")
    assert '"published"' in runner.repo.remote_file(RECORD)
    assert "(<https://doi.org/10.5072/zenodo.123>)" in runner.summary()
    assert_no_secret_anywhere(runner, log)


def test_release_published(runner: Runner) -> None:
    git(runner.repo.workspace, "checkout", "-q", "--detach", "v1.2.0")
    runner.event(
        "release",
        {
            "action": "published",
            "release": {"tag_name": "v1.2.0"},
            "repository": REPOSITORY_PAYLOAD,
        },
        ref="refs/tags/v1.2.0",
    )
    runner.inputs(zenodo_token=ZENODO_TOKEN)
    engine = FakeEngine()
    assert run(runner, engine)[0] == 0
    assert engine.requests[0].mode == "publish" and engine.requests[0].version == "1.2.0"
    assert runner.outputs()["committed"] == "true"


def test_workflow_dispatch_with_inputs(runner: Runner) -> None:
    runner.event(
        "workflow_dispatch",
        {"inputs": {"mode": "plan"}, "ref": "refs/heads/main", "repository": REPOSITORY_PAYLOAD},
        ref="refs/heads/main",
    )
    runner.inputs(zenodo_token=ZENODO_TOKEN, dry_run="true")
    engine = FakeEngine()
    code, log = run(runner, engine)
    assert code == 0, log
    (request,) = engine.requests
    assert (request.mode, request.dry_run) == ("plan", True)
    assert runner.outputs()["committed"] == "false"
    assert runner.repo.remote_log() == ["Initial commit"]
    assert "mode `plan` from the dispatch" in runner.summary()


def test_fork_pull_request_without_a_token_validates_only_with_a_notice(runner: Runner) -> None:
    runner.event(
        "pull_request",
        {
            "pull_request": {
                "head": {"repo": {"full_name": "someone/data", "fork": True}},
                "base": {"repo": REPOSITORY_PAYLOAD},
            },
            "repository": REPOSITORY_PAYLOAD,
        },
        ref="refs/pull/7/merge",
    )
    engine = FakeEngine()
    code, log = run(runner, engine)
    assert code == 0, log
    assert engine.requests[0].mode == "validate"
    notices = [line for line in log.splitlines() if line.startswith("::notice")]
    assert len(notices) == 1 and "fork" in notices[0]
    assert runner.outputs()["committed"] == "false"
    assert runner.repo.remote_log() == ["Initial commit"]


def test_a_bad_input_is_one_error_line_and_exit_2(runner: Runner) -> None:
    push_event(runner)
    runner.inputs(zenodo_token=ZENODO_TOKEN, dry_run="yes")
    engine = FakeEngine()
    code, log = run(runner, engine)
    assert code == 2
    errors = [line for line in log.splitlines() if line.startswith("::error")]
    assert errors == [
        "::error title=Invalid input::input `dry_run` is 'yes'; allowed values: true, false"
        "%0AHint: write `dry_run: true` or `dry_run: false` (or leave it empty for false)"
    ]
    assert engine.requests == []
    assert "## Zenodo Publish failed: Invalid input" in runner.summary()
    assert_no_secret_anywhere(runner, log)


def test_manifest_problems_become_annotations(runner: Runner) -> None:
    push_event(runner)
    runner.inputs(zenodo_token=ZENODO_TOKEN, working_directory="sub")
    (runner.repo.workspace / "sub").mkdir()
    (runner.repo.workspace / "sub" / "zenodo.yaml").write_text("publish:\n  on: tags\n")

    def engine(request: EngineRequest) -> RunResult:
        raise ManifestError(
            [Problem("unknown license 'cc-by'", file="zenodo.yaml", line=4, column=12,
                     json_path="$.metadata.license", hint="did you mean 'cc-by-4.0'?")]
        )  # fmt: skip

    stream = io.StringIO()
    code = main(
        runner.environ,
        engine=engine,
        read_settings=lambda _path, _root: ManifestPolicy(publish_on="tags"),
        stream=stream,
    )
    assert code == 1
    lines = stream.getvalue().splitlines()
    assert (
        "::error file=sub/zenodo.yaml,line=4,col=12,title=Invalid manifest::$.metadata.license: "
        "unknown license 'cc-by' (did you mean 'cc-by-4.0'?)"
    ) in lines
    assert "| sub/zenodo\\.yaml:4:12 |" in runner.summary()


def test_a_manifest_that_is_not_yaml_is_reported_with_its_line(runner: Runner) -> None:
    push_event(runner)
    runner.inputs(zenodo_token=ZENODO_TOKEN)
    (runner.repo.workspace / "zenodo.yaml").write_text("publish:\n  on: [tags\n")
    code, log = run(runner)
    assert code == 1
    assert "::error file=zenodo.yaml,line=" in log


def test_zenodo_errors_exit_3_and_tracebacks_only_in_debug(runner: Runner) -> None:
    push_event(runner)
    runner.inputs(zenodo_token=ZENODO_TOKEN)

    def engine(request: EngineRequest) -> RunResult:
        raise ZenodoAPIError(
            f"Zenodo said no to {ZENODO_TOKEN}", status=403, hint="check the token"
        )

    stream = io.StringIO()
    assert main(runner.environ, engine=engine, stream=stream) == 3
    assert "Traceback" not in stream.getvalue()
    runner.environ["RUNNER_DEBUG"] = "1"
    stream = io.StringIO()
    assert main(runner.environ, engine=engine, stream=stream) == 3
    assert "Traceback" in stream.getvalue()
    assert_no_secret_anywhere(runner, stream.getvalue())


def test_an_internal_error_is_reported_redacted(runner: Runner) -> None:
    push_event(runner)
    runner.inputs(zenodo_token=ZENODO_TOKEN)

    def engine(request: EngineRequest) -> RunResult:
        raise RuntimeError(f"bug near {request.zenodo_token}")

    stream = io.StringIO()
    assert main(runner.environ, engine=engine, stream=stream) == 1
    assert "::error title=zenodo-publish internal error::RuntimeError: bug near ***" in (
        stream.getvalue()
    )
    assert_no_secret_anywhere(runner, stream.getvalue())


def test_a_protected_branch_fails_with_exit_5_after_writing_the_record_outputs(
    runner: Runner,
) -> None:
    hook = runner.repo.remote / "hooks" / "pre-receive"
    hook.write_text("#!/bin/sh\necho 'error: GH006: Protected branch update failed' >&2\nexit 1\n")
    hook.chmod(0o755)
    push_event(runner)
    runner.inputs(zenodo_token=ZENODO_TOKEN)
    code, log = run(runner)
    assert code == 5
    assert "::error title=Commit-back failed::" in log
    outputs = runner.outputs()
    assert outputs["record_id"] == "123" and outputs["committed"] == "false"
    assert "allow github\\-actions\\[bot\\]" in runner.summary()


def test_working_directory_outside_the_workspace_is_refused(runner: Runner) -> None:
    push_event(runner)
    runner.inputs(zenodo_token=ZENODO_TOKEN, working_directory="../elsewhere")
    code, log = run(runner)
    assert code == 2 and "leaves the workspace" in log


def test_python_dash_m_runs_the_entrypoint(runner: Runner) -> None:
    push_event(runner)
    runner.inputs(mode="validate")
    result = subprocess.run(
        [sys.executable, "-m", "zenodo_publish.github"],
        env={**runner.environ, "PATH": "/usr/bin:/bin"},
        cwd=runner.tmp,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "::group::Zenodo Publish: validate" in result.stdout
    assert runner.outputs()["state"] == "none"
    assert runpy  # the module is importable without running (checked by the subprocess above)
