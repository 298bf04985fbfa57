"""``zenodo-publish versions``: every published version of the concept, newest first, with the
one the record file names marked; text and --json; both backends."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from engine_support import Api, Harness, make_repo

from zenodo_publish.cli import main
from zenodo_publish.errors import UsageError


@pytest.fixture(params=["rdm", "legacy"])
def api(request: pytest.FixtureRequest) -> Api:
    value: Api = request.param
    return value


def test_versions_lists_the_concept_newest_first(
    harness: Harness,
    tmp_path: Path,
    api: Api,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    repo = make_repo(tmp_path / "repo", endpoint=harness.emu.api_url, api=api, n_files=2)
    first = harness.run(repo, "publish", version="1.0.0")
    (repo / "data" / "f000.csv").write_text("changed\n")
    second = harness.run(repo, "publish", version="1.1.0")
    monkeypatch.setenv("ZENODO_TOKEN", harness.emu.token)
    capsys.readouterr()

    assert main(["versions", "--manifest", str(repo / "zenodo.yaml"), "--json"]) == 0
    document = json.loads(capsys.readouterr().out)

    rows = document["versions"]
    assert [r["record_id"] for r in rows] == [second.ids.record_id, first.ids.record_id]
    assert [r["version"] for r in rows] == ["1.1.0", "1.0.0"]
    assert [r["doi"] for r in rows] == [second.ids.doi, first.ids.doi]
    assert [r["in_record_file"] for r in rows] == [True, False]
    assert all(r["files"] == 2 and r["publication_date"] for r in rows)
    assert document["concept_doi"] == second.ids.concept_doi

    assert main(["versions", "--manifest", str(repo / "zenodo.yaml")]) == 0
    text = capsys.readouterr().out
    marked = [line for line in text.splitlines() if line.startswith("* ")]
    assert len(marked) == 1 and second.ids.record_id in marked[0] and "1.1.0" in marked[0]


def test_versions_without_a_record_file_says_what_to_do(
    harness: Harness,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    repo = make_repo(tmp_path / "repo", endpoint=harness.emu.api_url, api="rdm", n_files=1)
    monkeypatch.setenv("ZENODO_TOKEN", harness.emu.token)

    code = main(["versions", "--manifest", str(repo / "zenodo.yaml")])

    assert code == UsageError.exit_code
    assert "holds no record" in capsys.readouterr().err
    assert harness.log() == []
