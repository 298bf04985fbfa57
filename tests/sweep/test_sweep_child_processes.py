"""Secrets in child processes (issue 11): every git process the action starts is recorded by a
``git`` wrapper on PATH (its argv, as ``ps`` shows it to every user of a self-hosted runner, and
its environment). No token is in any argv, no ``INPUT_*`` secret or token variable is in any
environment, and the GitHub token reaches only the processes that talk to the remote, as
``GIT_CONFIG_*`` configuration."""

from __future__ import annotations

import base64
import io
import json
import os
import shutil
from pathlib import Path

import pytest
from gh_support import REPOSITORY_PAYLOAD, make_repo, make_runner
from leakcheck import SWEEP_GITHUB_TOKEN, SWEEP_TOKEN

from zenodo_publish.github.engine import EngineRequest
from zenodo_publish.github.entrypoint import main
from zenodo_publish.sync.result import RecordIds, RunResult

RECORD = ".zenodo-record.json"


def _engine(request: EngineRequest) -> RunResult:
    (request.repo_root / RECORD).write_text(json.dumps({"x": {"record_id": "5"}}) + "\n")
    return RunResult(
        mode=request.mode,
        endpoint="https://sandbox.zenodo.org/api",
        ids=RecordIds(record_id="5", state="draft"),
        record_file=RECORD,
        record_file_changed=True,
    )


def _wrapper(folder: Path, log: Path) -> None:
    real = shutil.which("git")
    assert real is not None
    folder.mkdir()
    script = folder / "git"
    script.write_text(
        "#!/usr/bin/env python3\n"
        "import json, os, sys\n"
        f"with open({str(log)!r}, 'a') as f:\n"
        "    f.write(json.dumps({'argv': sys.argv, 'env': dict(os.environ)}) + '\\n')\n"
        f"os.execv({real!r}, [{real!r}, *sys.argv[1:]])\n"
    )
    script.chmod(0o755)


def test_git_processes_get_no_secret_in_argv_or_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = make_repo(tmp_path)
    runner = make_runner(tmp_path, repo)
    log = tmp_path / "git-processes.jsonl"
    _wrapper(tmp_path / "bin", log)
    runner.inputs(zenodo_token=SWEEP_TOKEN, github_token=SWEEP_GITHUB_TOKEN, commit="true")
    runner.environ["ACTIONS_RUNTIME_TOKEN"] = "runtime-" + SWEEP_TOKEN
    # In the container these are the process's own environment, which children inherit.
    for name, value in runner.environ.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("PATH", f"{tmp_path / 'bin'}:{os.environ['PATH']}")
    runner.event(
        "push", {"ref": "refs/heads/main", "repository": REPOSITORY_PAYLOAD}, ref="refs/heads/main"
    )
    assert main(runner.environ, engine=_engine, git_remote=repo.url, stream=io.StringIO()) == 0
    processes = [json.loads(line) for line in log.read_text().splitlines()]
    assert repo.remote_file(RECORD)  # the commit reached the remote (the test's own git call)
    assert processes
    header = base64.b64encode(f"x-access-token:{SWEEP_GITHUB_TOKEN}".encode()).decode()
    carried = []
    for process in processes:
        argv = " ".join(process["argv"])
        assert SWEEP_GITHUB_TOKEN not in argv and header not in argv, argv
        assert SWEEP_TOKEN not in argv, argv
        env = process["env"]
        assert not [name for name in env if name.startswith("INPUT_")], sorted(env)
        assert not [v for v in env.values() if SWEEP_TOKEN in v or SWEEP_GITHUB_TOKEN in v]
        if any(header in value for value in env.values()):
            carried.append(process["argv"][1:])
    assert carried and all({"push", "fetch", "ls-remote"} & set(argv) for argv in carried)
