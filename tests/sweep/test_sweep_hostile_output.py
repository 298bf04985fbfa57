"""Text we do not control reaching the runner's log or the user's terminal (issue 11): a manifest
value with ``\\n::warning::`` or ``##[error]`` in it is shown, never run as a workflow command;
terminal escape sequences in a server's error message never reach the CLI's terminal."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
import responses
from gh_support import REPOSITORY_PAYLOAD, make_repo, make_runner
from leakcheck import SWEEP_TOKEN

from zenodo_publish.cli import main as cli
from zenodo_publish.github.engine import EngineRequest
from zenodo_publish.github.entrypoint import main
from zenodo_publish.github.workflow import Workflow
from zenodo_publish.sync.result import RecordIds, RunResult

HOSTILE_TAGS = "x*\\n::warning::INJECTED\\n  ::error::INDENTED\\nok ##[error]LEGACY\\n"
MANIFEST = f"""\
endpoint: sandbox
metadata:
  title: Output
  resource_type: dataset
  license: cc-by-4.0
  creators: [{{family_name: Lovelace, given_name: Ada}}]
files: [data/]
publish:
  on: tags
  tags: "{HOSTILE_TAGS}"
"""
#: What the runner would run: a line starting with ``::`` (after blanks), or ``##[`` anywhere.
_RUNNABLE = re.compile(r"^\s*::([A-Za-z-]+)|##\[")
OURS = {"group", "endgroup", "add-mask", "error", "warning", "notice", "debug", "stop-commands"}


def runnable_commands(log: str) -> list[str]:
    found = []
    for line in log.splitlines():
        match = _RUNNABLE.search(line)
        if match is None:
            continue
        if match.group(1) in OURS and "INJECTED" not in line and "INDENTED" not in line:
            continue
        if re.fullmatch(r"::[0-9a-f]{32}::", line):  # the end of a stop-commands fence
            continue
        found.append(line)
    return found


def _engine(request: EngineRequest) -> RunResult:
    return RunResult(
        mode=request.mode,
        endpoint="https://sandbox.zenodo.org/api",
        ids=RecordIds(record_id="1", state="draft"),
        messages=("server says:\n::warning::FROM-SERVER\n##[error]FROM-SERVER",),
    )


def test_a_hostile_manifest_value_reaches_the_log_as_text_not_as_a_command(
    tmp_path: Path,
) -> None:
    repo = make_repo(tmp_path)
    (repo.workspace / "zenodo.yaml").write_text(MANIFEST)
    runner = make_runner(tmp_path, repo)
    runner.inputs(zenodo_token=SWEEP_TOKEN, commit="false")
    runner.event(
        "push", {"ref": "refs/tags/x1", "repository": REPOSITORY_PAYLOAD}, ref="refs/tags/x1"
    )
    stream = io.StringIO()
    assert main(runner.environ, engine=_engine, stream=stream) == 0
    log = stream.getvalue()
    assert "INJECTED" in log and "LEGACY" in log  # shown ...
    assert runnable_commands(log) == []  # ... never run


@pytest.mark.parametrize(
    "text",
    [
        "::warning::x",
        "  ::error file=a::x",
        "\t::add-mask::secret",
        "a ##[error]b",
        "##[group]x",
        "::::",
    ],
)
def test_every_echoed_line_is_inert(text: str) -> None:
    from zenodo_publish.escape import for_runner

    stream = io.StringIO()
    Workflow(stream).echo(text)
    assert runnable_commands(stream.getvalue()) == []
    assert for_runner(text).replace("\u200b", "") == text


SERVER_MESSAGE = "\x1b]0;owned-title\x07\x1b[2J\x1b[31mred\x1b[0m \x9b1mC1 \rover\x08 \u202egnp.exe"


@responses.activate
def test_terminal_escapes_in_a_server_error_never_reach_the_terminal(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]
) -> None:
    responses.add(
        responses.GET,
        re.compile(r"https://inveniordm\.example/api/.*"),
        json={"status": 400, "message": SERVER_MESSAGE},
        status=400,
    )
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "a.csv").write_text("x\n")
    (tmp_path / "zenodo.yaml").write_text(
        MANIFEST.replace("endpoint: sandbox", "endpoint: https://inveniordm.example/api")
        .replace(f'tags: "{HOSTILE_TAGS}"', 'tags: "v*"')
        .replace("metadata:\n", "code_repository: https://github.com/octo/data\nmetadata:\n")
    )
    monkeypatch.setenv("ZENODO_TOKEN", SWEEP_TOKEN)
    # --endpoint: the user trusts the site (the manifest alone may not send the token there)
    manifest = str(tmp_path / "zenodo.yaml")
    assert (
        cli(["plan", "--manifest", manifest, "--endpoint", "https://inveniordm.example/api"]) == 3
    )
    err = capfd.readouterr().err
    assert "red" in err and "owned-title" not in err
    assert not re.search(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e]", err), repr(err)


def test_terminal_text_keeps_line_breaks_and_tabs() -> None:
    from zenodo_publish.escape import for_terminal

    assert for_terminal("a\tb\nc\x1b[1m!") == "a\tb\nc!"
