"""The same guarantees through the command line, as a person or a workflow runs them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from engine_support import (
    RECORD_FILE,
    Api,
    Harness,
    assert_converged,
    calls,
    make_repo,
    writes,
)

from zenodo_publish.cli import main


@pytest.fixture
def cli_env(harness: Harness, monkeypatch: pytest.MonkeyPatch) -> Harness:
    monkeypatch.setenv("ZENODO_TOKEN", harness.emu.token)
    return harness


def zp(repo: Path, *args: str) -> int:
    return main([args[0], "--manifest", str(repo / "zenodo.yaml"), *args[1:]])


@pytest.mark.parametrize("api", ["rdm", "legacy"])
def test_cli_sync_twice_then_publish(
    cli_env: Harness, tmp_path: Path, api: Api, capsys: pytest.CaptureFixture[str]
) -> None:
    h = cli_env
    repo = make_repo(tmp_path / "repo", endpoint=h.emu.api_url, api=api, n_files=4)

    assert zp(repo, "sync", "--json") == 0
    first = json.loads(capsys.readouterr().out)
    assert (first["files_uploaded"], first["ids"]["state"]) == (4, "draft")
    assert first["record_file_changed"] is True

    h.mark()
    assert zp(repo, "sync", "--json") == 0
    second = json.loads(capsys.readouterr().out)
    assert writes(h.log()) == [], calls(h.log())
    assert (second["files_uploaded"], second["files_skipped"]) == (0, 4)
    assert second["record_file_changed"] is False

    assert zp(repo, "publish", "--set-version", "v1.2.0", "--json") == 0
    published = json.loads(capsys.readouterr().out)
    assert published["published"] is True
    assert published["ids"]["version"] == "1.2.0"
    assert published["ids"]["record_id"] == first["ids"]["record_id"]
    assert_converged(h, repo, endpoint_url=h.emu.api_url, published_versions=1, draft=False)

    h.mark()
    assert zp(repo, "plan", "--json") == 0
    assert json.loads(capsys.readouterr().out)["plan"]["action"] == "none"
    assert writes(h.log()) == []


def test_cli_refuses_production_override_before_any_request(
    cli_env: Harness, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = make_repo(tmp_path / "repo", endpoint="sandbox", api="rdm", publish_on="always")

    # No request may leave: the test's network guard would also refuse zenodo.org.
    assert zp(repo, "publish", "--endpoint", "production") == 4
    err = capsys.readouterr().err
    assert "production" in err and "endpoint: production" in err
    assert cli_env.log() == []
    assert not (repo / RECORD_FILE).exists()


def test_cli_refuses_101_files_before_any_request(
    cli_env: Harness, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = make_repo(tmp_path / "repo", endpoint=cli_env.emu.api_url, api="rdm", n_files=101)

    assert zp(repo, "sync") == 1
    assert "100" in capsys.readouterr().err
    assert cli_env.log() == []
    assert not (repo / RECORD_FILE).exists()
