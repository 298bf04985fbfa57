"""The dataset marker and the record files of other datasets (SPEC §13.1)."""

from __future__ import annotations

import json
from pathlib import Path

from zenodo_publish.sync.marker import make_marker, record_ids_named_elsewhere

URL = "https://github.com/octo/data"
API = "https://sandbox.zenodo.org/api"


def test_the_root_manifest_is_marked_by_the_repository_url_alone(tmp_path: Path) -> None:
    marker = make_marker(URL, tmp_path / "zenodo.yaml", tmp_path)
    assert marker is not None and marker.identifier == URL


def test_other_manifests_add_their_path(tmp_path: Path) -> None:
    lakes = make_marker(URL + "/", tmp_path / "lakes" / "zenodo.yaml", tmp_path)
    other = make_marker(URL, tmp_path / "lakes 2.yaml", tmp_path)
    assert lakes is not None and other is not None
    assert lakes.identifier == f"{URL}/blob/HEAD/lakes/zenodo.yaml"
    assert other.identifier == f"{URL}/blob/HEAD/lakes%202.yaml"
    assert lakes.query == f'metadata.related_identifiers.identifier:"{lakes.identifier}"'
    assert make_marker(None, tmp_path / "zenodo.yaml", tmp_path) is None


def test_record_ids_named_by_other_record_files(tmp_path: Path) -> None:
    own = tmp_path / "rivers" / ".zenodo-record.json"
    own.parent.mkdir()
    own.write_text(json.dumps({API: {"record_id": "1", "concept_id": "0"}}))
    lakes = tmp_path / "lakes" / ".zenodo-record.json"
    lakes.parent.mkdir()
    lakes.write_text(
        json.dumps(
            {
                API: {"record_id": "8", "concept_id": "7", "latest_published": {"record_id": "6"}},
                "https://zenodo.org/api": {"record_id": "99"},
            }
        )
    )
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / ".zenodo-record.json").write_text(json.dumps({API: {"record_id": "5"}}))
    (tmp_path / "broken.zenodo-record.json").write_text("{")
    assert record_ids_named_elsewhere(tmp_path, own, API) == {"8", "7", "6"}
