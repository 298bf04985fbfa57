"""The action's image, built with podman and run the way the GitHub runner runs it.

Skipped unless ``ZP_CONTAINER=1`` (``make test-container`` sets it): building needs podman,
runc and a local base image, which ``scripts/container.sh setup`` provides (as root, following
container-builds.md). The run line mirrors the runner's ``docker run``: ``--workdir
/github/workspace``, every ``INPUT_*`` (action.yml's defaults unless a test gives a value) and the
``GITHUB_*`` variables, the workspace, workflow, home and file-command directories mounted,
``--network=host`` so the emulator on the host's 127.0.0.1 is reachable.

As on a GitHub-hosted runner, the workspace belongs to the runner user (uid 1001) while the
container runs as root: git inside needs ``safe.directory``, and whatever the container writes
must be given back to that user so the job's later steps (run as uid 1001) can still use the
checkout. Host-side git in the workspace runs as that user too (``setpriv``). The bare remote
stands for GitHub's side: it is root's, and mounted at the same absolute path inside the
container so the workspace's ``origin`` (a plain path) works there.

The sync tests assert what tests/github/test_action_with_emulator.py asserts in-process: a push
syncs a draft and commits its id back, a release tag on a detached HEAD publishes and commits to
the default branch, and the tokens appear nowhere.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml

from zenodo_publish.emulator.testing import EmulatorHandle, spawned_emulator
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
RECORD = ".zenodo-record.json"  # the sample manifest's record_file
COMMIT_MESSAGE = "Update Zenodo record identifiers [skip ci]"
#: The runner user of GitHub-hosted runners (`runner`, uid/gid 1001).
RUNNER_UID = RUNNER_GID = 1001
REPOSITORY = {"full_name": "octo/data", "default_branch": "main", "fork": False}


def _action_defaults() -> dict[str, str]:
    """Every input with its action.yml default: the runner passes them all as ``INPUT_*``."""
    action = yaml.safe_load((ROOT / "action.yml").read_text(encoding="utf-8"))
    return {name: str(spec.get("default", "")) for name, spec in action["inputs"].items()}


def _script(*args: str) -> None:
    started = time.monotonic()
    subprocess.run([str(SCRIPT), *args], check=True)
    print(f"container.sh {' '.join(args)}: {time.monotonic() - started:.1f}s")


@pytest.fixture(scope="session")
def image() -> str:
    _script("setup")
    _script("build", IMAGE)
    return IMAGE


def _git(cwd: Path, *args: str) -> str:
    """git as root on the host (a developer's clone, the remote)."""
    return subprocess.run(
        ["git", "-c", "user.name=Dev", "-c", "user.email=dev@example.org", *args],
        cwd=cwd, capture_output=True, text=True, check=True,
    ).stdout.strip()  # fmt: skip


@dataclass
class ActionRun:
    returncode: int
    stdout: str
    stderr: str
    outputs: dict[str, str]
    summary: str
    #: the raw GITHUB_OUTPUT file
    output_file: str

    @property
    def log(self) -> str:
        """stdout and stderr without the ``::add-mask::`` lines (the runner consumes those)."""
        lines = (self.stdout + "\n" + self.stderr).splitlines()
        return "\n".join(line for line in lines if not line.startswith("::add-mask::"))


@dataclass
class Job:
    """The host side of one job: a bare remote, a developer's clone, the workspace checked out
    from the remote (owned by the runner user), the runner's temp directories."""

    tmp: Path
    remote: Path
    dev: Path
    workspace: Path
    runs: int = field(default=0)

    def runner_git(self, *args: str) -> str:
        """git in the workspace as the runner user, as a later step of the job would run it.
        (The remote is root's: the runner user's global config trusts it, see ``job``.)"""
        done = subprocess.run(
            ["setpriv", f"--reuid={RUNNER_UID}", f"--regid={RUNNER_GID}", "--clear-groups",
             "git", *args],
            cwd=self.workspace, capture_output=True, text=True, check=False,
            env={"PATH": os.environ["PATH"], "HOME": str(self.tmp / "runner-home"),
                 "GIT_CONFIG_NOSYSTEM": "1", "LC_ALL": "C"},
        )  # fmt: skip
        assert done.returncode == 0, f"git {' '.join(args)} as the runner user: {done.stderr}"
        return done.stdout.strip()

    def run(
        self,
        image: str,
        inputs: Mapping[str, str],
        *,
        event: str = "push",
        ref: str = "refs/heads/main",
        payload: dict[str, Any] | None = None,
        env_extra: Mapping[str, str] | None = None,
        network: str = "host",
    ) -> ActionRun:
        self.runs += 1
        fc = self.tmp / "file_commands"
        workflow = self.tmp / "workflow"
        home = self.tmp / "home"
        for directory in (fc, workflow, home):
            directory.mkdir(exist_ok=True)
        # The runner gives each step its own command files.
        output_name, summary_name = f"set_output_{self.runs}", f"step_summary_{self.runs}"
        (fc / output_name).write_text("")
        (fc / summary_name).write_text("")
        if payload is None:
            payload = {"ref": ref, "repository": REPOSITORY}
        (workflow / "event.json").write_text(json.dumps(payload))
        if ref.startswith("refs/tags/"):
            ref_type, ref_name = "tag", ref.removeprefix("refs/tags/")
        else:
            ref_type, ref_name = "branch", ref.removeprefix("refs/heads/")
        env = {
            "GITHUB_ACTIONS": "true",
            "CI": "true",
            "HOME": "/github/home",
            "GITHUB_WORKSPACE": "/github/workspace",
            "GITHUB_EVENT_NAME": event,
            "GITHUB_EVENT_PATH": "/github/workflow/event.json",
            "GITHUB_REF": ref,
            "GITHUB_REF_TYPE": ref_type,
            "GITHUB_REF_NAME": ref_name,
            "GITHUB_SHA": self.runner_git("rev-parse", "HEAD"),
            "GITHUB_REPOSITORY": REPOSITORY["full_name"],
            "GITHUB_ACTOR": "octocat",
            "GITHUB_SERVER_URL": "https://github.com",
            "GITHUB_API_URL": "https://api.github.com",
            "GITHUB_OUTPUT": f"/github/file_commands/{output_name}",
            "GITHUB_STEP_SUMMARY": f"/github/file_commands/{summary_name}",
            "RUNNER_OS": "Linux",
            **{f"INPUT_{name.upper()}": value for name, value in _action_defaults().items()},
            **{f"INPUT_{name.upper()}": value for name, value in inputs.items()},
            # A step's `env:` reaches a container action's environment as well.
            **(env_extra or {}),
        }
        # docker does not forward the host's proxy variables; podman would by default.
        args = ["run", "--http-proxy=false", "--workdir", "/github/workspace"]
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
        # The timeout only keeps a hung container from hanging the suite; no assertion uses it.
        done = subprocess.run(
            [str(SCRIPT), *args],
            capture_output=True,
            text=True,
            check=False,
            timeout=300,
            env={**os.environ, "ZP_NETWORK": network},
        )
        output_file = (fc / output_name).read_text(encoding="utf-8")
        return ActionRun(
            done.returncode,
            done.stdout,
            done.stderr,
            parse_output_file(output_file),
            (fc / summary_name).read_text(encoding="utf-8"),
            output_file,
        )


@pytest.fixture
def job() -> Iterator[Job]:
    # Not under pytest's tmp_path: /tmp/pytest-of-root is 0700, and the runner user must be
    # able to reach its workspace.
    tmp = Path(tempfile.mkdtemp(prefix="zp-container-"))
    try:
        tmp.chmod(0o755)
        remote = tmp / "remote.git"
        subprocess.run(
            ["git", "init", "-q", "--bare", "--initial-branch=main", str(remote)], check=True
        )
        dev = tmp / "dev"
        shutil.copytree(SAMPLE, dev)
        _git(dev, "init", "-q", "--initial-branch=main")
        _git(dev, "add", ".")
        _git(dev, "commit", "-q", "-m", "Initial commit")
        _git(dev, "remote", "add", "origin", str(remote))
        _git(dev, "push", "-q", "origin", "main")
        # actions/checkout: a clone owned by the runner user.
        workspace = tmp / "workspace"
        # The remote stands for GitHub and is root's: the runner user may read it. (In the
        # global config: git clears `-c` settings for the local transport's upload-pack.)
        runner_home = tmp / "runner-home"
        runner_home.mkdir()
        (runner_home / ".gitconfig").write_text(f"[safe]\n\tdirectory = {remote}\n")
        _chown_tree(runner_home, RUNNER_UID, RUNNER_GID)
        subprocess.run(["git", "clone", "-q", str(remote), str(workspace)], check=True)
        _chown_tree(workspace, RUNNER_UID, RUNNER_GID)
        yield Job(tmp, remote, dev, workspace)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _chown_tree(top: Path, uid: int, gid: int) -> None:
    os.lchown(top, uid, gid)
    for directory, dirs, files in os.walk(top):
        for name in (*dirs, *files):
            os.lchown(Path(directory) / name, uid, gid)


def _not_the_runners(top: Path) -> list[str]:
    """Entries under ``top`` the runner user does not own."""
    found = [top] if top.lstat().st_uid != RUNNER_UID else []
    for directory, dirs, files in os.walk(top):
        for name in (*dirs, *files):
            path = Path(directory) / name
            if path.lstat().st_uid != RUNNER_UID:
                found.append(path)
    return [str(path.relative_to(top)) for path in found]


def assert_workspace_usable(job: Job) -> None:
    """After the container: everything still the runner user's, and its git works (status,
    fetch: both write in .git)."""
    assert _not_the_runners(job.workspace) == []
    job.runner_git("status", "--porcelain")
    job.runner_git("fetch", "-q", "origin")


def assert_token_nowhere(job: Job, run: ActionRun, *secrets: str) -> None:
    texts = {
        "log": run.log,
        "outputs": run.output_file,
        "summary": run.summary,
        ".git/config": (job.workspace / ".git" / "config").read_text(),
        "remote history": _git(job.remote, "log", "--all", "-p"),
    }
    if (job.workspace / RECORD).exists():
        texts["record file"] = (job.workspace / RECORD).read_text()
    for where, text in texts.items():
        for secret in secrets:
            assert secret not in text, f"a token leaked into the {where}"


def remote_entry(job: Job, zenodo: EmulatorHandle) -> dict[str, str]:
    document = json.loads(_git(job.remote, "show", f"main:{RECORD}"))
    entry: dict[str, str] = document[zenodo.api_url]
    return entry


def sync_inputs(zenodo: EmulatorHandle) -> dict[str, str]:
    return {"zenodo_token": zenodo.token, "endpoint": zenodo.api_url}


def test_push_syncs_a_draft_and_commits_its_id_back(
    image: str, job: Job, emulator: EmulatorHandle
) -> None:
    run = job.run(image, sync_inputs(emulator))
    assert run.returncode == 0, run.stdout + run.stderr
    assert run.stdout.splitlines()[0] == f"::add-mask::{emulator.token}"
    outputs = run.outputs
    assert outputs["record_id"]
    assert outputs["state"] == "draft"
    assert outputs["published"] == "false"
    assert outputs["files_uploaded"] == "1"
    assert outputs["doi"] == ""
    assert outputs["committed"] == "true"
    assert json.loads(outputs["plan"])["action"] == "create"

    # The commit reached the remote, holds only the record file, with the draft's id.
    assert _git(job.remote, "rev-parse", "refs/heads/main") == outputs["commit_sha"]
    shown = _git(job.remote, "show", "--name-only", "--format=%s%n%an", "main").splitlines()
    assert shown == [COMMIT_MESSAGE, "github-actions[bot]", "", RECORD]
    entry = remote_entry(job, emulator)
    assert entry["record_id"] == outputs["record_id"]
    assert entry["state"] == "draft"

    # Zenodo (the emulator) holds exactly one draft, with the manifest's one file.
    records = emulator.control.state()["records"]
    assert len(records) == 1
    assert str(records[0]["id"]) == outputs["record_id"]
    assert records[0]["published"] is None
    assert [f["key"] for f in records[0]["draft"]["files"]] == ["sample.csv"]

    assert outputs["record_url"] in run.summary
    assert "| sample\\.csv | uploaded |" in run.summary
    assert_token_nowhere(job, run, emulator.token)

    # The branch run committed on HEAD: the checkout is at the pushed commit, clean, and still
    # the runner user's.
    assert job.runner_git("rev-parse", "HEAD") == outputs["commit_sha"]
    assert job.runner_git("status", "--porcelain") == ""
    assert_workspace_usable(job)


def test_a_release_tag_on_a_detached_head_publishes_and_commits_to_main(
    image: str, job: Job, emulator: EmulatorHandle
) -> None:
    first = job.run(image, sync_inputs(emulator))
    assert first.returncode == 0, first.stdout + first.stderr
    draft_id = first.outputs["record_id"]
    # The developer tags the commit-back commit and pushes the tag; the tag run's checkout is
    # a detached HEAD at the tag, as actions/checkout leaves it.
    _git(job.dev, "pull", "-q", "origin", "main")
    _git(job.dev, "tag", "v1.0.0")
    _git(job.dev, "push", "-q", "origin", "v1.0.0")
    job.runner_git("fetch", "-q", "--tags", "origin")
    job.runner_git("checkout", "-q", "--detach", "v1.0.0")
    tagged = job.runner_git("rev-parse", "HEAD")

    run = job.run(image, sync_inputs(emulator), ref="refs/tags/v1.0.0")
    assert run.returncode == 0, run.stdout + run.stderr
    outputs = run.outputs
    assert outputs["published"] == "true"
    assert outputs["state"] == "published"
    assert outputs["record_id"] == draft_id  # the synced draft was published, not a new one
    assert outputs["doi"] == f"10.5072/zenodo.{draft_id}"
    assert outputs["concept_doi"].startswith("10.5072/zenodo.")
    assert outputs["committed"] == "true"

    # The commit went to the default branch, on top of the tagged commit, record file only.
    assert _git(job.remote, "rev-parse", "refs/heads/main") == outputs["commit_sha"]
    assert _git(job.remote, "rev-parse", "main~1") == tagged
    changed = _git(job.remote, "show", "--name-only", "--format=%s", "main").splitlines()
    assert changed == [COMMIT_MESSAGE, "", RECORD]
    entry = remote_entry(job, emulator)
    assert entry["state"] == "published"
    assert entry["version"] == "1.0.0"
    assert entry["doi"] == outputs["doi"]

    records = emulator.control.state()["records"]
    assert len(records) == 1
    assert records[0]["published"] is not None
    assert f"https://doi.org/{outputs['doi']}" in run.summary
    assert_token_nowhere(job, run, emulator.token)

    # The checkout is left as it was (detached at the tag); only the record file changed.
    assert job.runner_git("rev-parse", "HEAD") == tagged
    assert job.runner_git("rev-parse", "--abbrev-ref", "HEAD") == "HEAD"
    assert job.runner_git("diff", "--name-only") == RECORD
    assert job.runner_git("diff", "--cached", "--name-only") == ""
    assert_workspace_usable(job)


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
    assert_workspace_usable(job)


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


#: slirp4netns gives the container a network namespace of its own, like Docker's bridge: its
#: 127.0.0.1 is itself, and the host's loopback is reachable as 10.0.2.2 (a non-loopback
#: address for the action), as the runner host is reachable at the bridge's gateway on GitHub.
HOST_FROM_CONTAINER = "10.0.2.2"
OWN_NETWORK = "slirp4netns:allow_host_loopback=true"


@pytest.fixture
def tls_emulator(job: Job) -> Iterator[tuple[EmulatorHandle, str]]:
    """CI's self-test set-up: the emulator over https with a throw-away CA kept in the
    workspace; yields the handle and the CA's path inside the container."""
    tls_dir = job.workspace / ".emulator-tls"
    args = ("--public-host", HOST_FROM_CONTAINER, "--token", "emulator-token-0123")
    with spawned_emulator(*args, "--tls", "--tls-dir", str(tls_dir)) as handle:
        _chown_tree(tls_dir, RUNNER_UID, RUNNER_GID)
        yield handle, "/github/workspace/.emulator-tls/ca.pem"


def test_ci_self_test_over_https_on_a_network_of_its_own(
    image: str, job: Job, tls_emulator: tuple[EmulatorHandle, str]
) -> None:
    """.github/workflows/ci.yml's self-test job: validate, then sync a draft through the real
    container against the emulator over https at a non-loopback address, with --token; the
    plain-http rule is not relaxed for it."""
    handle, ca_in_container = tls_emulator
    endpoint = handle.api_url
    assert endpoint.startswith(f"https://{HOST_FROM_CONTAINER}:")

    validate = job.run(image, {"mode": "validate"}, network=OWN_NETWORK)
    assert validate.returncode == 0, validate.stdout + validate.stderr

    inputs = {"mode": "sync", "endpoint": endpoint, "zenodo_token": handle.token,
              "commit": "false"}  # fmt: skip
    sync = job.run(
        image, inputs, env_extra={"REQUESTS_CA_BUNDLE": ca_in_container}, network=OWN_NETWORK
    )
    assert sync.returncode == 0, sync.stdout + sync.stderr
    assert sync.outputs["record_id"]
    assert sync.outputs["state"] == "draft"
    assert sync.outputs["files_uploaded"] == "1"
    assert sync.outputs["committed"] == "false"
    assert_token_nowhere(job, sync, handle.token)

    # Without the CA the certificate is refused, with a message that says what to do.
    untrusted = job.run(image, inputs, network=OWN_NETWORK)
    assert untrusted.returncode == 3, untrusted.stdout + untrusted.stderr
    assert "TLS certificate verification failed" in untrusted.log
    assert "REQUESTS_CA_BUNDLE" in untrusted.log

    # And plain http to that address stays refused: no exception was made for the test.
    plain = dict(inputs, endpoint=endpoint.replace("https://", "http://"))
    refused = job.run(image, plain, network=OWN_NETWORK)
    assert refused.returncode == 2, refused.stdout + refused.stderr
    assert refused.outputs.get("record_id", "") == ""
