"""Mirrors through the action: after Zenodo, with the runner's environment, the emulator as
Zenodo, moto as S3 and a bare git remote. A mirror failure leaves the Zenodo outputs, the
commit-back and the summary in place and exits 6."""

from __future__ import annotations

import hashlib
import io
import os
import sys
from pathlib import Path

import pytest
from s3_support import S3Server

from hash_support import HashTally

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "github"))

from gh_support import REPOSITORY_PAYLOAD, TOKEN, Repo, Runner, git, make_repo, make_runner

from zenodo_publish.emulator.testing import EmulatorHandle
from zenodo_publish.github.engine import EngineRequest, mirror_engine, sync_engine
from zenodo_publish.github.entrypoint import main
from zenodo_publish.github.workflow import Workflow
from zenodo_publish.sync.result import RunResult

BUCKET = "action-bucket"


@pytest.fixture
def runner(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Runner:
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    for name in list(os.environ):
        if name.startswith(("INPUT_", "GITHUB_", "RUNNER_", "GIT_DIR", "GIT_WORK_TREE")):
            monkeypatch.delenv(name)
    repo: Repo = make_repo(tmp_path)
    return make_runner(tmp_path, repo)


@pytest.fixture
def zenodo(emulator: EmulatorHandle, runner: Runner, s3: S3Server) -> EmulatorHandle:
    workspace = runner.repo.workspace
    (workspace / "zenodo.yaml").write_text(
        "endpoint: sandbox\n"
        "metadata:\n"
        "  title: Buoy temperatures\n"
        "  resource_type: dataset\n"
        "  license: cc-by-4.0\n"
        "  creators:\n"
        "    - {family_name: Lovelace, given_name: Ada}\n"
        "files:\n"
        "  - data/*.csv\n"
        "mirrors:\n"
        f"  - s3: s3://{BUCKET}/buoys\n"
        f"    endpoint_url: {s3.url}\n"
    )
    git(workspace, "add", "zenodo.yaml")
    git(workspace, "commit", "-q", "-m", "Manifest with a mirror")
    git(workspace, "push", "-q", "origin", "HEAD:main")
    runner.inputs(zenodo_token=emulator.token, github_token=TOKEN, endpoint=emulator.api_url)
    runner.event(
        "push", {"ref": "refs/heads/main", "repository": REPOSITORY_PAYLOAD}, ref="refs/heads/main"
    )
    return emulator


def run_action(runner: Runner) -> tuple[int, str]:
    stream = io.StringIO()
    code = main(runner.environ, git_remote=runner.repo.url, stream=stream)
    return code, stream.getvalue()


def test_mirror_failure_keeps_the_zenodo_result(
    runner: Runner, zenodo: EmulatorHandle, s3: S3Server
) -> None:
    code, log = run_action(runner)
    assert code == 7, log
    outputs = runner.outputs()
    assert outputs["record_id"] and outputs["state"] == "draft"
    assert outputs["committed"] == "true"  # the record file reached the remote
    assert (outputs["mirror_uploaded"], outputs["mirror_skipped"]) == ("0", "0")
    assert f"::error title=Mirror failed::the bucket {BUCKET} does not exist" in log
    assert "zenodo.yaml:11" in log
    summary = runner.summary()
    assert "## Zenodo Publish: sync" in summary and "### Mirrors" in summary
    assert "failed: the bucket" in summary

    s3.client().create_bucket(Bucket=BUCKET)
    s3.mark()
    code, log = run_action(runner)
    assert code == 0, log
    outputs = runner.outputs()
    assert outputs["files_uploaded"] == "0"  # Zenodo already had everything
    uploaded = int(outputs["mirror_uploaded"])
    assert uploaded >= 1 and outputs["mirror_deleted"] == "0"
    assert len(s3.puts()) == uploaded
    assert sorted(s3.keys(BUCKET)) == sorted(
        f"buoys/data/{p.name}" for p in (runner.repo.workspace / "data").glob("*.csv")
    )


def test_a_failed_commit_back_still_mirrors_what_zenodo_got(
    runner: Runner, zenodo: EmulatorHandle, s3: S3Server, tmp_path: Path
) -> None:
    """Zenodo synced, the push of the record file failed (exit 5): the mirror still follows
    Zenodo, and the run still exits 5 (the record file needs fixing)."""
    s3.client().create_bucket(Bucket=BUCKET)
    stream = io.StringIO()
    code = main(runner.environ, git_remote=str(tmp_path / "no-such-remote"), stream=stream)
    log = stream.getvalue()
    assert code == 5, log
    outputs = runner.outputs()
    assert outputs["record_id"] and outputs["committed"] == "false"
    assert int(outputs["mirror_uploaded"]) >= 1
    assert sorted(s3.keys(BUCKET)) == sorted(
        f"buoys/data/{p.name}" for p in (runner.repo.workspace / "data").glob("*.csv")
    )
    summary = runner.summary()
    assert "### Mirrors" in summary


def test_mirrors_false_leaves_them_alone(
    runner: Runner, zenodo: EmulatorHandle, s3: S3Server
) -> None:
    runner.inputs(mirrors="false")
    code, log = run_action(runner)
    assert code == 0, log
    assert s3.operations() == []
    assert "mirror_uploaded" not in runner.outputs()


def test_mirrors_input_is_strict(runner: Runner, zenodo: EmulatorHandle) -> None:
    runner.inputs(mirrors="yes")
    code, log = run_action(runner)
    assert code == 2 and "mirrors" in log


def test_a_collection_step_mirrors_its_records_under_their_keys(
    runner: Runner, emulator: EmulatorHandle, s3: S3Server
) -> None:
    """A matrix step of a collection: its records go to Zenodo, then each under prefix/<key>/;
    the shard's other records are not touched."""
    s3.client().create_bucket(Bucket=BUCKET)
    workspace = runner.repo.workspace
    (workspace / "zenodo.yaml").write_text(
        "endpoint: sandbox\n"
        "metadata:\n"
        "  resource_type: dataset\n"
        "  license: cc-by-4.0\n"
        "  description: One buoy.\n"
        "  creators: [{family_name: Lovelace, given_name: Ada}]\n"
        "records:\n"
        "  - {key: north, metadata: {title: North buoy}, files: [buoys/north/*]}\n"
        "  - {key: south, metadata: {title: South buoy}, files: [buoys/south/*]}\n"
        "mirrors:\n"
        f"  - s3: s3://{BUCKET}/buoys\n"
        f"    endpoint_url: {s3.url}\n"
    )
    for key in ("north", "south"):
        (workspace / "buoys" / key).mkdir(parents=True)
        (workspace / "buoys" / key / "t.csv").write_text(f"{key}\n")
    git(workspace, "add", ".")
    git(workspace, "commit", "-q", "-m", "A collection with a mirror")
    git(workspace, "push", "-q", "origin", "HEAD:main")
    runner.inputs(
        zenodo_token=emulator.token, github_token=TOKEN, endpoint=emulator.api_url, records="north"
    )
    runner.event(
        "push", {"ref": "refs/heads/main", "repository": REPOSITORY_PAYLOAD}, ref="refs/heads/main"
    )
    code, log = run_action(runner)
    assert code == 0, log
    assert sorted(s3.keys(BUCKET)) == ["buoys/north/buoys/north/t.csv"]
    assert runner.outputs()["mirror_uploaded"] == "1"
    assert "### Mirrors" in runner.summary()


# --- each file hashed once per run (issue 15) --------------------------------------------------


def data_files(runner: Runner) -> dict[str, bytes]:
    """Three files of different sizes in data/, committed; ``{name: bytes}``."""
    workspace = runner.repo.workspace
    for name, size in (("b.csv", 3000), ("c.csv", 70_000)):
        (workspace / "data" / name).write_bytes(bytes(i % 251 for i in range(size)))
    git(workspace, "add", "data")
    git(workspace, "commit", "-q", "-m", "More data")
    git(workspace, "push", "-q", "origin", "HEAD:main")
    return {p.name: p.read_bytes() for p in sorted((workspace / "data").glob("*.csv"))}


def mirrored_md5s(s3: S3Server) -> dict[str, str]:
    return {key.rsplit("/", 1)[-1]: obj["md5"] for key, obj in s3.keys(BUCKET).items()}


def md5_of(data: bytes) -> str:
    return hashlib.md5(data, usedforsecurity=False).hexdigest()


def test_an_action_run_with_mirrors_hashes_each_file_once(
    runner: Runner, zenodo: EmulatorHandle, s3: S3Server, hashed: HashTally, settled: None
) -> None:
    """Every file needs its md5 twice, for Zenodo and for the mirror: the mirror reuses the
    sync's (made by the upload stream on a first sync, by the comparison on a re-sync), so the
    bytes hashed add up to each file once."""
    s3.client().create_bucket(Bucket=BUCKET)
    files = data_files(runner)
    total = sum(len(data) for data in files.values())
    hashed.bytes = 0
    code, log = run_action(runner)  # first sync: every file uploaded to Zenodo and the mirror
    assert code == 0, log
    outputs = runner.outputs()
    assert (outputs["files_uploaded"], outputs["mirror_uploaded"]) == ("3", "3")
    assert hashed.bytes == total
    assert mirrored_md5s(s3) == {name: md5_of(data) for name, data in files.items()}

    hashed.bytes = 0
    code, log = run_action(runner)  # re-sync: every file compared, nothing uploaded
    assert code == 0, log
    outputs = runner.outputs()
    assert (outputs["files_skipped"], outputs["mirror_skipped"]) == ("3", "3")
    assert hashed.bytes == total


def test_a_file_changed_after_the_sync_is_hashed_again_for_the_mirror(
    runner: Runner, zenodo: EmulatorHandle, s3: S3Server, hashed: HashTally, settled: None
) -> None:
    """A file replaced between the sync and the mirrors (same size, other bytes, another
    inode) is not taken for the one the sync hashed: the mirror hashes it and stores its md5."""
    s3.client().create_bucket(Bucket=BUCKET)
    files = data_files(runner)
    changed = runner.repo.workspace / "data" / "b.csv"
    new_bytes = b"z" * len(files["b.csv"])
    stream = io.StringIO()
    log = Workflow(stream)
    real = sync_engine(log)

    def sync_then_change(request: EngineRequest) -> RunResult:
        result = real(request)
        replacement = changed.with_name(".b.csv.new")
        replacement.write_bytes(new_bytes)
        os.replace(replacement, changed)
        return result

    hashed.bytes = 0
    code = main(
        runner.environ,
        engine=sync_then_change,
        mirrorer=mirror_engine(log),
        git_remote=runner.repo.url,
        stream=stream,
    )
    assert code == 0, stream.getvalue()
    assert hashed.bytes == sum(len(data) for data in files.values()) + len(new_bytes)
    assert mirrored_md5s(s3) == {
        **{n: md5_of(d) for n, d in files.items()},
        "b.csv": md5_of(new_bytes),
    }
