"""SPEC §13.5: the record file carries the open draft, also one it never heard of.

A run killed right after opening a new version, or a tag run whose record file could not be
merged onto the branch (exit 5), leaves a new-version draft that the record file does not
name. A later run with changes reopens (and so reuses) it; these tests are about the runs with
nothing to change, which used to keep naming the published record: they now find the draft
without writing anything and name it, and the next change is made in it.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import requests
from engine_support import (
    RECORD_FILE,
    Api,
    Harness,
    assert_converged,
    calls,
    make_repo,
    only_concept,
    record_entry,
    upload_calls,
    writes,
)

from zenodo_publish.zenodo.rdm import shows_newer_draft


def _open_new_version_behind_the_runs_back(harness: Harness, api: Api, record_id: str) -> str:
    """What the killed run did: newversion (legacy imports the files; RDM's run would have
    imported them next, which these tests do too)."""
    base = harness.emu.api_url
    headers = harness.emu.headers()
    if api == "legacy":
        r = requests.post(
            f"{base}/deposit/depositions/{record_id}/actions/newversion",
            headers=headers,
            timeout=30,
        )
        assert r.status_code == 201, r.text
        return str(r.json()["id"])
    r = requests.post(f"{base}/records/{record_id}/versions", headers=headers, timeout=30)
    assert r.status_code == 201, r.text
    draft_id = str(r.json()["id"])
    imported = requests.post(
        f"{base}/records/{draft_id}/draft/actions/files-import", headers=headers, timeout=30
    )
    assert imported.status_code == 201, imported.text
    return draft_id


@pytest.mark.parametrize(
    ("api", "finding"),
    [
        # The record says so itself; one search finds the draft, one GET reads it.
        ("rdm", ["GET /api/records/2", "GET /api/user/records", "GET /api/records/3/draft"]),
        # The deposition does not say; the record's RDM view does, then the same two reads.
        (
            "legacy",
            [
                "GET /api/deposit/depositions/2",
                "GET /api/records/2",
                "GET /api/deposit/depositions",
                "GET /api/deposit/depositions/3",
            ],
        ),
    ],
)
def test_a_run_with_nothing_to_change_names_the_open_new_version_draft(
    harness: Harness, tmp_path: Path, api: Api, finding: list[str]
) -> None:
    repo = make_repo(tmp_path / "repo", endpoint=harness.emu.api_url, api=api, n_files=3)
    published = harness.run(repo, "publish", version="1.0.0")
    assert published.ids.record_id == "2"
    draft_id = _open_new_version_behind_the_runs_back(harness, api, "2")
    assert draft_id == "3"
    harness.mark()

    named = harness.run(repo)

    assert calls(harness.log()) == finding
    assert writes(harness.log()) == []
    assert (named.ids.record_id, named.ids.state) == ("3", "draft")
    assert any("new-version draft 3" in note for note in named.messages), named.messages
    entry = record_entry(repo, harness.emu.api_url)
    assert entry is not None and (entry["record_id"], entry["state"]) == ("3", "draft")
    # The latest published DOI stays in the record file next to the draft (§13.5).
    assert entry["latest_published"]["doi"] == published.ids.doi

    # The next change is made in that draft: no second draft, nothing re-uploaded but it.
    (repo / "data" / "f001.csv").write_bytes(b"changed\n")
    harness.mark()
    harness.run(repo)
    assert not any(c.endswith(("/versions", "/actions/newversion")) for c in calls(harness.log()))
    concept = assert_converged(
        harness, repo, endpoint_url=harness.emu.api_url, published_versions=1
    )
    assert concept.drafts[0].record_id == "3"


def test_a_plan_reports_the_unnamed_draft_and_names_nothing(
    harness: Harness, tmp_path: Path
) -> None:
    repo = make_repo(tmp_path / "repo", endpoint=harness.emu.api_url, api="rdm", n_files=2)
    harness.run(repo, "publish", version="1.0.0")
    before = (repo / ".zenodo-record.json").read_text()
    _open_new_version_behind_the_runs_back(harness, "rdm", "2")
    harness.mark()

    shown = harness.run(repo, "plan")

    assert writes(harness.log()) == []
    assert any("a sync names it" in note for note in shown.messages), shown.messages
    assert (repo / ".zenodo-record.json").read_text() == before


def test_a_draft_the_search_does_not_list_yet_is_left_for_a_later_run(
    harness: Harness, tmp_path: Path
) -> None:
    """The search index may lag a just-opened draft (a concurrent run's): the run then keeps
    naming the published record, writes nothing, and fails nothing."""
    repo = make_repo(tmp_path / "repo", endpoint=harness.emu.api_url, api="rdm", n_files=2)
    harness.run(repo, "publish", version="1.0.0")
    harness.emu.control.config(index_delay=3600)
    _open_new_version_behind_the_runs_back(harness, "rdm", "2")
    harness.mark()

    result = harness.run(repo)

    assert writes(harness.log()) == []
    assert (result.ids.record_id, result.ids.state) == ("2", "published")


@pytest.mark.parametrize(
    ("versions", "shows"),
    [
        ({"is_latest": True, "is_latest_draft": False}, True),
        ({"is_latest": True, "is_latest_draft": True}, False),  # none, or an edit draft
        ({"is_latest": False, "is_latest_draft": False}, False),  # an older version
        ({"is_latest": True}, False),  # a server that does not say
        (None, False),
        ("yes", False),
    ],
)
def test_shows_newer_draft_reads_only_a_clear_answer(versions: object, shows: bool) -> None:
    assert shows_newer_draft({"id": "2", "versions": versions}) is shows


def test_a_legacy_no_op_of_a_published_record_reads_it_twice_not_three_times(
    harness: Harness, tmp_path: Path
) -> None:
    """The RDM view says the deposition is the latest version and no new version is open:
    two GETs, where the deposition API alone took three (versions/latest, then the latest
    deposition again)."""
    repo = make_repo(tmp_path / "repo", endpoint=harness.emu.api_url, api="legacy", n_files=3)
    harness.run(repo, "publish", version="1.0.0")
    harness.mark()
    result = harness.run(repo)
    assert calls(harness.log()) == ["GET /api/deposit/depositions/2", "GET /api/records/2"]
    assert (result.ids.record_id, result.ids.state) == ("2", "published")


def _published_and_stray(harness: Harness, tmp_path: Path, api: Api) -> tuple[Path, str]:
    repo = make_repo(tmp_path / "repo", endpoint=harness.emu.api_url, api=api, n_files=3)
    published = harness.run(repo, "publish", version="1.0.0")
    assert published.ids.doi is not None
    assert _open_new_version_behind_the_runs_back(harness, api, "2") == "3"
    return repo, published.ids.doi


@pytest.mark.parametrize("api", ["rdm", "legacy"])
def test_a_release_of_the_published_version_reuses_it_while_a_new_version_is_open(
    harness: Harness, tmp_path: Path, api: Api
) -> None:
    """SPEC §13.3 and §13.5 together: re-running the 1.0.0 release (its files are the
    published ones) re-uses record 2, and its outputs say so; the record file names the open
    draft 3 next to the published DOI. A second re-run, the record file now naming draft 3,
    re-uses record 2 the same way instead of refusing a version that is taken."""
    repo, doi = _published_and_stray(harness, tmp_path, api)
    for _ in range(2):
        harness.mark()
        again = harness.run(repo, "publish", version="1.0.0")
        assert writes(harness.log()) == []
        assert again.published is False
        assert (again.ids.record_id, again.ids.state, again.ids.doi) == ("2", "published", doi)
        entry = record_entry(repo, harness.emu.api_url)
        assert entry is not None and (entry["record_id"], entry["state"]) == ("3", "draft")
        assert entry["latest_published"]["doi"] == doi


def test_a_release_of_the_published_version_with_other_files_is_still_refused(
    harness: Harness, tmp_path: Path
) -> None:
    from zenodo_publish.errors import PolicyError

    repo, _ = _published_and_stray(harness, tmp_path, "rdm")
    harness.run(repo)  # names draft 3
    (repo / "data" / "f000.csv").write_bytes(b"other\n")
    harness.mark()
    with pytest.raises(PolicyError, match="already published, with other files"):
        harness.run(repo, "publish", version="1.0.0")
    assert writes(harness.log()) == []


def test_an_empty_new_version_draft_gets_the_published_files_imported_not_uploaded(
    harness: Harness, tmp_path: Path
) -> None:
    """The run was killed between ``POST versions`` and ``files-import`` (RDM): the draft is
    empty. The run that names it writes nothing; the next one imports the published files
    server-side (as the killed run would have) instead of uploading every file again."""
    repo = make_repo(tmp_path / "repo", endpoint=harness.emu.api_url, api="rdm", n_files=3)
    harness.run(repo, "publish", version="1.0.0")
    opened = requests.post(
        f"{harness.emu.api_url}/records/2/versions", headers=harness.emu.headers(), timeout=30
    )
    assert opened.status_code == 201 and opened.json()["id"] == "3"
    harness.mark()
    assert harness.run(repo).ids.record_id == "3"
    assert writes(harness.log()) == []

    harness.mark()
    result = harness.run(repo)
    assert writes(harness.log()) == ["POST /api/records/3/draft/actions/files-import"]
    assert upload_calls(harness.log()) == []
    assert any("imported first" in m for m in result.messages), result.messages
    assert_converged(harness, repo, endpoint_url=harness.emu.api_url, published_versions=1)


def test_a_new_version_draft_without_this_datasets_marker_is_left_alone(
    harness: Harness, tmp_path: Path
) -> None:
    """SPEC §13.1: a new-version draft whose marker someone removed (on the web) is not
    provably this dataset's: reported, not named."""
    repo, _ = _published_and_stray(harness, tmp_path, "rdm")
    url = f"{harness.emu.api_url}/records/3/draft"
    draft = requests.get(url, headers=harness.emu.headers(), timeout=30).json()
    metadata = {k: v for k, v in draft["metadata"].items() if k != "related_identifiers"}
    saved = requests.put(
        url,
        json={"metadata": metadata, "access": draft["access"], "files": {"enabled": True}},
        headers=harness.emu.headers(),
        timeout=30,
    )
    assert saved.status_code == 200, saved.text
    harness.mark()
    result = harness.run(repo)
    assert writes(harness.log()) == []
    assert (result.ids.record_id, result.ids.state) == ("2", "published")
    assert any("does not carry this dataset's marker" in m for m in result.messages)


def test_a_metadata_only_re_release_edits_the_published_version_while_a_draft_is_open(
    harness: Harness, tmp_path: Path
) -> None:
    """Same files, a corrected description: the release of 1.0.0 edits and republishes
    record 2 as it does with no draft open; draft 3 stays open and named."""
    repo, doi = _published_and_stray(harness, tmp_path, "rdm")
    harness.run(repo)  # names draft 3
    manifest = repo / "zenodo.yaml"
    manifest.write_text(manifest.read_text().replace("title: ", "title: Corrected ", 1))
    harness.mark()

    again = harness.run(repo, "publish", version="1.0.0")

    assert writes(harness.log())[0] == "POST /api/records/2/draft"
    assert again.published is True
    assert (again.ids.record_id, again.ids.state, again.ids.doi) == ("2", "published", doi)
    entry = record_entry(repo, harness.emu.api_url)
    assert entry is not None and (entry["record_id"], entry["state"]) == ("3", "draft")
    assert entry["latest_published"]["doi"] == doi
    concept = only_concept(harness.emu)
    assert [d.record_id for d in concept.drafts] == ["3"]
    assert concept.published[-1].metadata["title"].startswith("Corrected ")


@pytest.mark.parametrize("api", ["rdm", "legacy"])
def test_a_record_file_naming_an_older_version_still_finds_the_open_draft(
    harness: Harness, tmp_path: Path, api: Api
) -> None:
    """The record file names version 1 (version 2's run could not commit it), and a new-version
    draft of version 2 is open: a run with nothing to change continues from version 2 and
    names that draft. On the legacy API the latest version used to be read through the
    deposition API alone, which does not tell that a new version is open."""
    repo = make_repo(tmp_path / "repo", endpoint=harness.emu.api_url, api=api, n_files=3)
    assert harness.run(repo, "publish", version="1.0.0").ids.record_id == "2"
    record_file = repo / RECORD_FILE
    naming_version_1 = record_file.read_bytes()
    (repo / "data" / "f001.csv").write_bytes(b"changed\n")
    assert harness.run(repo, "publish", version="1.1.0").ids.record_id == "3"
    record_file.write_bytes(naming_version_1)
    assert _open_new_version_behind_the_runs_back(harness, api, "3") == "4"
    harness.mark()

    named = harness.run(repo)

    assert writes(harness.log()) == []
    assert (named.ids.record_id, named.ids.state) == ("4", "draft")
    entry = record_entry(repo, harness.emu.api_url)
    assert entry is not None and (entry["record_id"], entry["state"]) == ("4", "draft")
    assert entry["latest_published"]["record_id"] == "3"
