"""``sync --force-upload [NAME ...]`` (action input ``force_upload``): files uploaded again
although Zenodo's md5 matches, on both backends; names checked before anything is sent."""

from __future__ import annotations

from pathlib import Path

import pytest
from engine_support import Api, Harness, assert_converged, make_repo, upload_calls

from zenodo_publish.cli import main
from zenodo_publish.errors import UsageError
from zenodo_publish.sync.force import parse_force_upload_input
from zenodo_publish.sync.plan import WantedFile, plan_files
from zenodo_publish.zenodo.backend import RemoteFile


@pytest.fixture(params=["rdm", "legacy"])
def api(request: pytest.FixtureRequest) -> Api:
    value: Api = request.param
    return value


@pytest.fixture
def repo(tmp_path: Path, harness: Harness, api: Api) -> Path:
    return make_repo(tmp_path / "repo", endpoint=harness.emu.api_url, api=api, n_files=3)


def test_named_files_are_uploaded_again_and_the_others_skipped(
    harness: Harness, repo: Path, api: Api
) -> None:
    harness.run(repo)
    harness.mark()

    result = harness.run(repo, force_upload=("f001.csv",))

    assert upload_calls(harness.log()) == ["f001.csv"]
    assert {f.name: f.action for f in result.files} == {
        "f000.csv": "skip",
        "f001.csv": "replace",
        "f002.csv": "skip",
    }
    assert_converged(harness, repo, endpoint_url=harness.emu.api_url)


def test_no_name_forces_every_file(harness: Harness, repo: Path, api: Api) -> None:
    harness.run(repo)
    harness.mark()

    harness.run(repo, force_upload=())

    assert sorted(upload_calls(harness.log())) == ["f000.csv", "f001.csv", "f002.csv"]
    assert_converged(harness, repo, endpoint_url=harness.emu.api_url)


def test_an_unknown_name_is_refused_before_any_write(
    harness: Harness, repo: Path, api: Api
) -> None:
    harness.run(repo)
    harness.mark()

    with pytest.raises(UsageError, match=r"f009\.csv"):
        harness.run(repo, force_upload=("f009.csv",))

    assert [e for e in harness.log() if e["method"] != "GET"] == []


def test_a_published_record_gets_a_new_version_with_the_forced_file(
    harness: Harness, repo: Path, api: Api
) -> None:
    harness.run(repo, "publish")
    harness.mark()

    result = harness.run(repo, force_upload=("f000.csv",))

    assert result.plan["action"] == "new_version"
    assert upload_calls(harness.log()) == ["f000.csv"]
    assert_converged(harness, repo, endpoint_url=harness.emu.api_url, published_versions=1)


def test_plan_files_marks_forced_files_and_leaves_changed_ones_changed() -> None:
    wanted = [WantedFile("a", 1, "0" * 32, "a"), WantedFile("b", 1, "1" * 32, "b")]
    remote = {"a": RemoteFile("a", 1, "0" * 32), "b": RemoteFile("b", 1, "2" * 32)}

    ops = {op.name: op.reason for op in plan_files(wanted, remote, ("a",))}

    assert ops == {"a": "forced re-upload", "b": "content changed"}
    assert {op.action for op in plan_files(wanted, remote, None)} == {"skip", "replace"}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", None),
        ("false", None),
        ("TRUE", ()),
        ("a.csv, b c.csv", ("a.csv", "b c.csv")),
        ("a.csv\nb.csv\n", ("a.csv", "b.csv")),
    ],
)
def test_action_input(text: str, expected: tuple[str, ...] | None) -> None:
    assert parse_force_upload_input(text) == expected


def test_cli_flag_without_names_forces_everything(
    harness: Harness, repo: Path, api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    harness.run(repo)
    harness.mark()
    monkeypatch.setenv("ZENODO_TOKEN", harness.emu.token)

    code = main(["sync", "--manifest", str(repo / "zenodo.yaml"), "--force-upload"])

    assert code == 0
    assert sorted(upload_calls(harness.log())) == ["f000.csv", "f001.csv", "f002.csv"]
