"""The action's image, built with podman and run the way the GitHub runner runs it.

Skipped unless ``ZP_CONTAINER=1`` (``make test-container`` sets it): building needs podman,
runc and a local base image, which ``scripts/container.sh setup`` provides (as root, following
container-builds.md). The run line mirrors the runner's ``docker run``: ``--workdir
/github/workspace``, ``INPUT_*`` and ``GITHUB_*`` variables, the workspace, workflow, home and
file-command directories mounted, ``--network=host`` so a service on the host's 127.0.0.1 (the
emulator) is reachable.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest

from zenodo_publish.github.outputs import parse_output_file

pytestmark = [
    pytest.mark.container,
    pytest.mark.skipif(os.environ.get("ZP_CONTAINER") != "1", reason="set ZP_CONTAINER=1"),
]

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "container.sh"
IMAGE = os.environ.get("ZP_IMAGE", "localhost/zenodo-publish:test")
SAMPLE = Path(__file__).parent / "workspace"
ZENODO_TOKEN = "zenodoCONTAINERtoken0123456789abc"


def _script(*args: str) -> None:
    started = time.monotonic()
    subprocess.run([str(SCRIPT), *args], check=True)
    print(f"container.sh {' '.join(args)}: {time.monotonic() - started:.1f}s")


@pytest.fixture(scope="session")
def image() -> str:
    _script("setup")
    _script("build", IMAGE)
    return IMAGE


@dataclass
class ActionRun:
    returncode: int
    stdout: str
    stderr: str
    outputs: dict[str, str]
    summary: str


@dataclass
class Job:
    """The host side of one job: a bare remote, the workspace cloned from it, the runner's
    temp directories."""

    tmp: Path
    remote: Path
    workspace: Path

    def run(self, image: str, inputs: Mapping[str, str], event: str = "push") -> ActionRun:
        fc = self.tmp / "file_commands"
        workflow = self.tmp / "workflow"
        home = self.tmp / "home"
        for directory in (fc, workflow, home):
            directory.mkdir(exist_ok=True)
        (fc / "set_output").write_text("")
        (fc / "step_summary").write_text("")
        payload = {"ref": "refs/heads/main", "repository": {"default_branch": "main"}}
        (workflow / "event.json").write_text(json.dumps(payload))
        env = {
            "GITHUB_ACTIONS": "true",
            "CI": "true",
            "HOME": "/github/home",
            "GITHUB_WORKSPACE": "/github/workspace",
            "GITHUB_EVENT_NAME": event,
            "GITHUB_EVENT_PATH": "/github/workflow/event.json",
            "GITHUB_REF": "refs/heads/main",
            "GITHUB_REF_TYPE": "branch",
            "GITHUB_REF_NAME": "main",
            "GITHUB_REPOSITORY": "octo/data",
            "GITHUB_SERVER_URL": "https://github.com",
            "GITHUB_OUTPUT": "/github/file_commands/set_output",
            "GITHUB_STEP_SUMMARY": "/github/file_commands/step_summary",
            **{f"INPUT_{name.upper()}": value for name, value in inputs.items()},
        }
        args = ["run", "--workdir", "/github/workspace"]
        for name, value in env.items():
            args += ["-e", f"{name}={value}"]
        args += [
            "-v", f"{self.workspace}:/github/workspace",
            "-v", f"{workflow}:/github/workflow",
            "-v", f"{home}:/github/home",
            "-v", f"{fc}:/github/file_commands",
            # the workspace's origin is a host path: the same path inside
            "-v", f"{self.remote}:{self.remote}",
            image,
        ]  # fmt: skip
        done = subprocess.run(
            [str(SCRIPT), *args], capture_output=True, text=True, check=False, timeout=300
        )
        return ActionRun(
            done.returncode,
            done.stdout,
            done.stderr,
            parse_output_file((fc / "set_output").read_text(encoding="utf-8")),
            (fc / "step_summary").read_text(encoding="utf-8"),
        )


def _git(cwd: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-c", "user.name=Dev", "-c", "user.email=dev@example.org", *args],
        cwd=cwd, capture_output=True, text=True, check=True,
    ).stdout.strip()  # fmt: skip


@pytest.fixture
def job(tmp_path: Path) -> Iterator[Job]:
    remote = tmp_path / "remote.git"
    subprocess.run(
        ["git", "init", "-q", "--bare", "--initial-branch=main", str(remote)], check=True
    )
    seed = tmp_path / "seed"
    shutil.copytree(SAMPLE, seed)
    _git(seed, "init", "-q", "--initial-branch=main")
    _git(seed, "add", ".")
    _git(seed, "commit", "-q", "-m", "Initial commit")
    _git(seed, "push", "-q", str(remote), "main")
    workspace = tmp_path / "workspace"
    subprocess.run(["git", "clone", "-q", str(remote), str(workspace)], check=True)
    yield Job(tmp_path, remote, workspace)


def test_validate_mode_exits_0_writes_outputs_and_masks_the_token(image: str, job: Job) -> None:
    run = job.run(image, {"mode": "validate", "zenodo_token": ZENODO_TOKEN, "dry_run": ""})
    assert run.returncode == 0, run.stdout + run.stderr
    lines = run.stdout.splitlines()
    assert lines[0] == f"::add-mask::{ZENODO_TOKEN}"
    for line in lines[1:] + run.stderr.splitlines():
        assert ZENODO_TOKEN not in line
    assert "::group::Zenodo Publish: validate" in lines
    assert run.outputs["state"] == "none"
    assert run.outputs["committed"] == "false"
    assert "## Zenodo Publish: validate" in run.summary
    assert ZENODO_TOKEN not in run.summary
    # nothing was committed or pushed
    assert _git(job.remote, "log", "--format=%s", "main") == "Initial commit"


def test_a_bad_input_exits_non_zero_with_one_error_line(image: str, job: Job) -> None:
    run = job.run(image, {"mode": "validate", "dry_run": "ja"})
    assert run.returncode == 2, run.stdout + run.stderr
    errors = [line for line in run.stdout.splitlines() if line.startswith("::error")]
    assert len(errors) == 1 and "dry_run" in errors[0]
    assert "Traceback" not in run.stdout + run.stderr
    assert "## Zenodo Publish failed: Invalid input" in run.summary


def test_the_package_is_imported_from_the_image_not_the_workspace(image: str, job: Job) -> None:
    # A repository with a top-level `yaml/` package must not shadow the action's PyYAML.
    (job.workspace / "yaml").mkdir()
    (job.workspace / "yaml" / "__init__.py").write_text("raise SystemExit('shadowed!')\n")
    run = job.run(image, {"mode": "validate"})
    assert run.returncode == 0, run.stdout + run.stderr
