"""The commands that talk to Zenodo, through ``cli.main`` as a person runs them, against the
emulator: plan (read-only), sync, publish, discard, and where the token comes from."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from zenodo_publish.cli import main
from zenodo_publish.emulator.testing import EmulatorHandle

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "dataset"
RECORD = ".zenodo-record.json"


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, emulator: EmulatorHandle) -> Path:
    root = tmp_path / "repo"
    shutil.copytree(EXAMPLE, root)
    monkeypatch.chdir(root)
    monkeypatch.setenv("ZENODO_TOKEN", emulator.token)
    return root


def cli(emulator: EmulatorHandle, *args: str) -> int:
    return main(
        [
            args[0],
            "--endpoint",
            emulator.api_url,
            "--repository-url",
            "https://github.com/example/lake",
            *args[1:],
        ]
    )


def writes(emulator: EmulatorHandle) -> list[str]:
    return [f"{e['method']} {e['path']}" for e in emulator.control.log() if e["method"] != "GET"]


def test_plan_reads_only_and_shows_each_file(
    repo: Path, emulator: EmulatorHandle, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli(emulator, "plan") == 0
    out = capsys.readouterr().out
    assert out.startswith("plan: create on a new record (rdm API")
    assert "upload   temperatures-2020.csv" in out
    assert "upload   figures.zip" in out
    assert "publish: no" in out
    assert writes(emulator) == []
    assert not (repo / RECORD).exists()


def test_sync_then_plan_then_publish(
    repo: Path, emulator: EmulatorHandle, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli(emulator, "sync", "--json") == 0
    result = json.loads(capsys.readouterr().out)
    assert result["files_uploaded"] == 3
    assert result["ids"]["state"] == "draft"
    record_id = result["ids"]["record_id"]
    assert json.loads((repo / RECORD).read_text())[emulator.api_url]["record_id"] == record_id

    (repo / "data" / "temperatures-2021.csv").write_text("date,buoy,celsius\n")
    emulator.control.clear_log()
    assert cli(emulator, "plan", "--json") == 0
    plan = json.loads(capsys.readouterr().out)["plan"]
    assert plan["action"] == "update_draft"
    assert {f["name"]: f["action"] for f in plan["files"]}["temperatures-2021.csv"] == "replace"
    assert writes(emulator) == []

    assert cli(emulator, "publish", "--set-version", "v1.0.0", "--json") == 0
    published = json.loads(capsys.readouterr().out)
    assert published["published"] is True
    assert published["ids"]["record_id"] == record_id
    assert published["ids"]["doi"] == f"10.5072/zenodo.{record_id}"
    assert published["ids"]["version"] == "1.0.0"
    entry = json.loads((repo / RECORD).read_text())[emulator.api_url]
    assert entry["state"] == "published"


def test_dry_run_sync_changes_nothing(
    repo: Path, emulator: EmulatorHandle, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli(emulator, "sync", "--dry-run") == 0
    assert "dry run: nothing was changed" in capsys.readouterr().out
    assert writes(emulator) == []
    assert not (repo / RECORD).exists()


def test_discard_removes_this_repositorys_draft_only(
    repo: Path, emulator: EmulatorHandle, capsys: pytest.CaptureFixture[str]
) -> None:
    other_token = emulator.new_user()
    assert cli(emulator, "sync") == 0
    capsys.readouterr()
    draft_id = json.loads((repo / RECORD).read_text())[emulator.api_url]["record_id"]
    assert cli(emulator, "discard", "--json") == 0
    assert json.loads(capsys.readouterr().out) == {"discarded": draft_id, "record_id": None}
    assert json.loads((repo / RECORD).read_text()) == {}
    assert emulator.control.state()["records"] == []
    assert other_token  # a second account exists and was never touched
    # With no record for the endpoint, there is nothing this repository may discard.
    assert cli(emulator, "discard") == 2
    assert "nothing to discard" in capsys.readouterr().err


def test_no_token_is_a_usage_error_with_a_hint(
    repo: Path,
    emulator: EmulatorHandle,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.delenv("ZENODO_TOKEN")
    assert cli(emulator, "sync") == 2
    err = capsys.readouterr().err
    assert "error: a Zenodo token is needed" in err
    assert "hint: set ZENODO_TOKEN" in err
    assert emulator.control.log() == []


def test_token_file_is_read_and_never_echoed(
    repo: Path,
    emulator: EmulatorHandle,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    monkeypatch.delenv("ZENODO_TOKEN")
    token_file = tmp_path / "token.txt"
    token_file.write_text(emulator.token + "\n")
    assert cli(emulator, "sync", "--token-file", str(token_file)) == 0
    captured = capsys.readouterr()
    assert emulator.token not in captured.out + captured.err
    assert emulator.token not in (repo / RECORD).read_text()


def test_a_wrong_token_exits_3_with_what_to_check(
    repo: Path,
    emulator: EmulatorHandle,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("ZENODO_TOKEN", "wrong-token-0123456789")
    assert cli(emulator, "sync") == 3
    err = capsys.readouterr().err
    assert "wrong-token-0123456789" not in err
    assert "hint:" in err and "token" in err
