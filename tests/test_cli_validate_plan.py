"""The manifest commands through the real entry point: validate, plan --offline, schema."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import jsonschema
import pytest

from zenodo_publish.cli import main
from zenodo_publish.manifest import manifest_schema

DATA = Path(__file__).resolve().parent / "data"


def test_validate_prints_a_short_summary(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", "--manifest", str(DATA / "full" / "zenodo.yaml")]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0] == "zenodo.yaml is valid"
    assert "6 files (27 B) + 1 archive" in out
    assert "sandbox (https://sandbox.zenodo.org/api)" in out


def test_validate_uses_the_working_directory_default(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    shutil.copytree(DATA / "stepup", tmp_path / "repo")
    monkeypatch.chdir(tmp_path / "repo")
    assert main(["validate"]) == 0
    assert "3 files" in capsys.readouterr().out


def test_validate_lists_every_problem_and_exits_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    manifest = tmp_path / "zenodo.yaml"
    manifest.write_text(
        "endpoint: sandbox\nmetadata:\n  title: ok title\n  resource_type: datset\n"
        "  creators: [{name: X, identifiers: {orcid: 0000-0002-1825-0098}}]\nfiles: [nope.csv]\n",
        encoding="utf-8",
    )
    assert main(["validate", "--manifest", str(manifest)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: 3 problems in the manifest:\n")
    assert "zenodo.yaml:4:18: $.metadata.resource_type: unknown resource type 'datset'" in err
    assert "(did you mean 'dataset'?)" in err
    assert "zenodo.yaml:5:45: $.metadata.creators[0].identifiers.orcid:" in err
    assert "zenodo.yaml:6:9: $.files[0]: nope.csv does not exist" in err
    assert "Traceback" not in err


def test_plan_offline_shows_sources_and_the_file_table(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["plan", "--offline", "--manifest", str(DATA / "full" / "zenodo.yaml")]) == 0
    out = capsys.readouterr().out
    version_line = next(line for line in out.splitlines() if line.strip().startswith("version"))
    assert "2.0.0" in version_line and version_line.endswith("[CITATION.cff]")
    assert "figures.zip" in out and "archive of figures/" in out
    assert "a.csv                   4  34ff2335cbe2045ddc3b78993d1e971d  data/a.csv" in out


def test_plan_offline_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert (
        main(["plan", "--offline", "--json", "--manifest", str(DATA / "stepup" / "zenodo.yaml")])
        == 0
    )
    plan = json.loads(capsys.readouterr().out)
    assert plan["endpoint"] == "https://sandbox.zenodo.org/api"
    assert plan["record_file"] == "zenodo_id.txt"
    assert plan["metadata"]["title"]["source"] == "zenodo.yaml"
    assert plan["metadata"]["access_files"] == {"value": "public", "source": "default"}
    assert plan["payload"]["files"] == {"enabled": True}
    assert plan["files"][0] == {
        "name": "measurements.csv",
        "size": 21,
        "md5": "5122f9795f3b5fe350f0d979f6372e3c",
        "source": "data/measurements.csv",
    }
    assert plan["total_size"] == 117


def test_live_plan_needs_a_token_and_says_where_to_put_it(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("ZENODO_TOKEN", raising=False)
    assert main(["plan", "--manifest", str(DATA / "stepup" / "zenodo.yaml")]) == 2
    err = capsys.readouterr().err
    assert "a Zenodo token is needed" in err
    assert "ZENODO_TOKEN" in err


def test_schema_prints_the_shipped_draft_2020_12_schema(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["schema"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed == manifest_schema()
    assert printed["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    jsonschema.Draft202012Validator.check_schema(printed)
    assert "catalog" in printed["$defs"]["file_rule"]["description"]
