""".zenodo.json keys of Zenodo's legacy metadata that InvenioRDM maps (journal_*, conference_*,
imprint_*, partof_*, thesis_university, thesis_supervisors) are carried into the right fields
on both APIs instead of failing validation, and a re-sync finds nothing to change."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from engine_support import Api, Harness, make_repo, only_concept, writes

from zenodo_publish.cli import main
from zenodo_publish.manifest import load_manifest
from zenodo_publish.metadata.rdm import to_rdm_payload

ZENODO_JSON = {
    "title": "A thesis with everything",
    "upload_type": "publication",
    "publication_type": "thesis",
    "description": "All the legacy keys.",
    "creators": [{"name": "Doe, Jane"}],
    "license": "cc-by-4.0",
    "journal_title": "Journal of Examples",
    "journal_volume": "12",
    "journal_issue": "3",
    "journal_pages": "1-10",
    "conference_title": "Example Conference",
    "conference_acronym": "EXC",
    "conference_place": "Geneva",
    "imprint_isbn": "978-3-16-148410-0",
    "imprint_place": "Basel",
    "partof_title": "Collected examples",
    "thesis_university": "University of Examples",
    "thesis_supervisors": [{"name": "Curie, Marie"}],
}


def repo_with_zenodo_json(tmp_path: Path, harness: Harness, api: Api) -> Path:
    repo = make_repo(tmp_path / "repo", endpoint=harness.emu.api_url, api=api, n_files=1)
    (repo / ".zenodo.json").write_text(json.dumps(ZENODO_JSON, indent=2))
    (repo / "zenodo.yaml").write_text(
        f"endpoint: {harness.emu.api_url}\napi: {api}\nmetadata_from: [.zenodo.json]\n"
        "files: [data/*]\n"
    )
    return repo


def test_legacy_keys_land_in_invenio_rdm_custom_fields_and_contributors(
    harness: Harness, tmp_path: Path
) -> None:
    repo = repo_with_zenodo_json(tmp_path, harness, "rdm")

    body = to_rdm_payload(load_manifest(repo / "zenodo.yaml").metadata.metadata)

    assert body["custom_fields"]["journal:journal"] == {
        "title": "Journal of Examples",
        "volume": "12",
        "issue": "3",
        "pages": "1-10",
    }
    assert body["custom_fields"]["meeting:meeting"] == {
        "title": "Example Conference",
        "acronym": "EXC",
        "place": "Geneva",
    }
    assert body["custom_fields"]["imprint:imprint"] == {
        "isbn": "978-3-16-148410-0",
        "place": "Basel",
        "title": "Collected examples",
    }
    assert body["custom_fields"]["thesis:thesis"] == {"university": "University of Examples"}
    supervisors = [c for c in body["metadata"]["contributors"] if c["role"]["id"] == "supervisor"]
    assert [s["person_or_org"]["family_name"] for s in supervisors] == ["Curie"]


@pytest.mark.parametrize("api", ["rdm", "legacy"])
def test_they_sync_and_a_second_sync_writes_nothing(
    harness: Harness, tmp_path: Path, api: Api
) -> None:
    repo = repo_with_zenodo_json(tmp_path, harness, api)

    harness.run(repo)
    stored = only_concept(harness.emu).drafts[0]
    harness.mark()
    again = harness.run(repo)

    assert writes(harness.log()) == [], again.plan
    contributors = stored.metadata.get("contributors", [])
    assert [c["role"]["id"] for c in contributors] == ["supervisor"]


def test_validate_json_reports_the_manifest_and_its_problems(
    tmp_path: Path, harness: Harness, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = repo_with_zenodo_json(tmp_path, harness, "rdm")

    assert main(["validate", "--manifest", str(repo / "zenodo.yaml"), "--json"]) == 0
    good = json.loads(capsys.readouterr().out)
    assert good["valid"] is True and good["problems"] == []
    assert good["metadata"]["title"] == "A thesis with everything"
    size = (repo / "data" / "f000.csv").stat().st_size
    assert good["files"] == [{"name": "f000.csv", "size": size}]

    (repo / ".zenodo.json").write_text(json.dumps({**ZENODO_JSON, "journal_title": 7}))
    assert main(["validate", "--manifest", str(repo / "zenodo.yaml"), "--json"]) == 1
    bad = json.loads(capsys.readouterr().out)
    assert bad["valid"] is False
    assert [(p["file"], p["json_path"]) for p in bad["problems"]] == [
        (".zenodo.json", "$.journal_title")
    ]
