from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from zenodo_publish.errors import ManifestError
from zenodo_publish.sync.record_file import RecordEntry, read_entry, remove_entry, write_entry

SANDBOX = "https://sandbox.zenodo.org/api"
PRODUCTION = "https://zenodo.org/api"


def test_entries_per_endpoint_never_overwrite_each_other(tmp_path: Path) -> None:
    path = tmp_path / ".zenodo-record.json"
    assert write_entry(path, SANDBOX, RecordEntry("12", concept_id="11"))
    assert write_entry(path, PRODUCTION, RecordEntry("900", state="published", doi="10.5281/z.900"))
    assert read_entry(path, SANDBOX) == RecordEntry("12", concept_id="11")
    assert read_entry(path, PRODUCTION) == RecordEntry(
        "900", state="published", doi="10.5281/z.900"
    )
    assert set(json.loads(path.read_text())) == {SANDBOX, PRODUCTION}


def test_unchanged_entry_is_not_rewritten_and_file_is_world_readable(tmp_path: Path) -> None:
    path = tmp_path / ".zenodo-record.json"
    write_entry(path, SANDBOX, RecordEntry("12"))
    assert stat.S_IMODE(path.stat().st_mode) == 0o644
    assert write_entry(path, SANDBOX, RecordEntry("12")) is False


def test_stepup_txt_form_holds_the_id_alone(tmp_path: Path) -> None:
    path = tmp_path / "record_id.txt"
    write_entry(path, SANDBOX, RecordEntry("77", state="published"))
    assert path.read_text() == "77\n"
    assert read_entry(path, SANDBOX) == RecordEntry("77")
    assert remove_entry(path, SANDBOX) and not path.exists()


def test_a_broken_record_file_is_a_manifest_problem_naming_it(tmp_path: Path) -> None:
    path = tmp_path / ".zenodo-record.json"
    path.write_text("{not json")
    with pytest.raises(ManifestError, match=r"\.zenodo-record\.json"):
        read_entry(path, SANDBOX)


def test_the_latest_published_version_is_kept_next_to_an_open_draft(tmp_path: Path) -> None:
    from zenodo_publish.sync.result import PublishedVersion

    path = tmp_path / ".zenodo-record.json"
    latest = PublishedVersion("5", "10.5072/zenodo.5", "1.0.0", "https://x/records/5")
    entry = RecordEntry(
        "7", concept_id="4", concept_doi="10.5072/zenodo.4", latest_published=latest
    )
    write_entry(path, SANDBOX, entry)
    assert read_entry(path, SANDBOX) == entry
    stored = json.loads(path.read_text())[SANDBOX]
    assert stored["latest_published"]["doi"] == "10.5072/zenodo.5"
    assert stored["doi"] is None and stored["state"] == "draft"
