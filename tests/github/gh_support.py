"""Helpers that reproduce the runner: a bare remote, a workspace cloned from it, event JSON
files, ``GITHUB_OUTPUT``/``GITHUB_STEP_SUMMARY`` files, and an ``environ`` dict holding only what
the runner would set (the real environment never reaches the code under test)."""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

TOKEN = "ghs_FAKEgithubTOKEN0123456789abcdefABCDEF"
ZENODO_TOKEN = "zenodoFAKEtoken0123456789abcdefXYZ"
MANIFEST = """\
endpoint: sandbox
record_file: .zenodo-record.json
metadata:
  title: Test data
  resource_type: dataset
  creators:
    - {family_name: Lovelace, given_name: Ada}
publish:
  on: tags
  tags: "v*"
files:
  - data/*.csv
"""
REPOSITORY_PAYLOAD = {"full_name": "octo/data", "default_branch": "main", "fork": False}


def git(cwd: Path, *args: str) -> str:
    """Run git as a developer would (identity given here, not configured globally)."""
    result = subprocess.run(
        ["git", "-c", "user.name=Dev", "-c", "user.email=dev@example.org", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout.strip()


@dataclass
class Repo:
    """A bare ``remote`` and a ``workspace`` cloned from it (branch main, tag v1.2.0)."""

    remote: Path
    workspace: Path

    @property
    def url(self) -> str:
        return self.remote.as_uri()

    def remote_log(self, branch: str = "main") -> list[str]:
        return git(self.remote, "log", "--format=%s", branch).splitlines()

    def remote_head(self, branch: str = "main") -> str:
        return git(self.remote, "rev-parse", f"refs/heads/{branch}")

    def remote_file(self, path: str, branch: str = "main") -> str:
        return git(self.remote, "show", f"{branch}:{path}")

    def push_from_elsewhere(self, tmp: Path, path: str, content: str, message: str) -> str:
        """Someone else pushes to main meanwhile (from a second clone)."""
        other = tmp / "other-clone"
        if not other.exists():
            subprocess.run(["git", "clone", "-q", self.url, str(other)], check=True)
        git(other, "pull", "-q", "--rebase", "origin", "main")
        (other / path).parent.mkdir(parents=True, exist_ok=True)
        (other / path).write_text(content)
        git(other, "add", path)
        git(other, "commit", "-q", "-m", message)
        git(other, "push", "-q", "origin", "HEAD:main")
        return git(other, "rev-parse", "HEAD")


def make_repo(tmp_path: Path) -> Repo:
    remote = tmp_path / "remote.git"
    subprocess.run(
        ["git", "init", "-q", "--bare", "--initial-branch=main", str(remote)], check=True
    )
    seed = tmp_path / "seed"
    subprocess.run(["git", "init", "-q", "--initial-branch=main", str(seed)], check=True)
    (seed / "zenodo.yaml").write_text(MANIFEST)
    (seed / "data").mkdir()
    (seed / "data" / "a.csv").write_text("x,y\n1,2\n")
    git(seed, "add", ".")
    git(seed, "commit", "-q", "-m", "Initial commit")
    git(seed, "tag", "v1.2.0")
    git(seed, "push", "-q", remote.as_uri(), "main", "v1.2.0")
    workspace = tmp_path / "workspace"
    subprocess.run(["git", "clone", "-q", remote.as_uri(), str(workspace)], check=True)
    return Repo(remote=remote, workspace=workspace)


@dataclass
class Runner:
    """The runner's files and variables for one step of a job."""

    tmp: Path
    repo: Repo
    environ: dict[str, str] = field(default_factory=dict)

    @property
    def output_file(self) -> Path:
        return self.tmp / "file_commands" / "set_output"

    @property
    def summary_file(self) -> Path:
        return self.tmp / "file_commands" / "step_summary"

    def event(self, name: str, payload: dict[str, Any], *, ref: str) -> None:
        path = self.tmp / "workflow" / "event.json"
        path.write_text(json.dumps(payload))
        if ref.startswith("refs/tags/"):
            ref_type, ref_name = "tag", ref.removeprefix("refs/tags/")
        elif ref.startswith("refs/heads/"):
            ref_type, ref_name = "branch", ref.removeprefix("refs/heads/")
        else:  # refs/pull/<n>/merge
            ref_type, ref_name = "", ref.removeprefix("refs/pull/")
        self.environ.update(
            {
                "GITHUB_EVENT_NAME": name,
                "GITHUB_EVENT_PATH": str(path),
                "GITHUB_REF": ref,
                "GITHUB_REF_TYPE": ref_type,
                "GITHUB_REF_NAME": ref_name,
            }
        )

    def inputs(self, **values: str) -> None:
        for name, value in values.items():
            self.environ[f"INPUT_{name.upper()}"] = value

    def outputs(self) -> dict[str, str]:
        from zenodo_publish.github.outputs import parse_output_file

        return parse_output_file(self.output_file.read_text(encoding="utf-8"))

    def summary(self) -> str:
        return self.summary_file.read_text(encoding="utf-8")


def make_runner(tmp_path: Path, repo: Repo) -> Runner:
    (tmp_path / "file_commands").mkdir()
    (tmp_path / "workflow").mkdir()
    runner = Runner(tmp=tmp_path, repo=repo)
    runner.output_file.touch()
    runner.summary_file.touch()
    # Every input with action.yml's default, as the runner passes them.
    runner.environ.update(
        {
            "GITHUB_ACTIONS": "true",
            "CI": "true",
            "GITHUB_WORKSPACE": str(repo.workspace),
            "GITHUB_OUTPUT": str(runner.output_file),
            "GITHUB_STEP_SUMMARY": str(runner.summary_file),
            "GITHUB_SERVER_URL": "https://github.com",
            "GITHUB_REPOSITORY": "octo/data",
            "INPUT_ZENODO_TOKEN": "",
            "INPUT_MANIFEST": "zenodo.yaml",
            "INPUT_ENDPOINT": "",
            "INPUT_MODE": "auto",
            "INPUT_PUBLISH": "auto",
            "INPUT_DRY_RUN": "false",
            "INPUT_COMMIT": "auto",
            "INPUT_GITHUB_TOKEN": "",
            "INPUT_COMMIT_MESSAGE": "Update Zenodo record identifiers [skip ci]",
            "INPUT_WORKING_DIRECTORY": ".",
            "INPUT_API": "",
            "INPUT_PARALLEL_UPLOADS": "4",
        }
    )
    return runner
