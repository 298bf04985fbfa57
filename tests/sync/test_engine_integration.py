"""The sync engine against the emulator, through both backends (issue 4: what it must show).

Every test builds a tiny repository in tmp_path, calls ``zenodo_publish.sync.engine.run`` and
checks both what Zenodo holds afterwards (the emulator's state dump) and what was sent (the
emulator's request log).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from engine_support import (
    RECORD_FILE,
    REPOSITORY_URL,
    TITLE,
    Api,
    Harness,
    assert_converged,
    assert_metadata_is_the_manifests,
    calls,
    concepts,
    file_bytes,
    make_repo,
    manifest_text,
    only_concept,
    record_entry,
    upload_calls,
    uploaded_bytes,
    writes,
)

from zenodo_publish.cli import main
from zenodo_publish.errors import ManifestError, PolicyError, ValidationRejected, ZenodoAPIError

APIS = pytest.mark.parametrize("api", ["rdm", "legacy"])


@pytest.fixture(params=["rdm", "legacy"])
def api(request: pytest.FixtureRequest) -> Api:
    value: Api = request.param
    return value


@pytest.fixture
def repo(tmp_path: Path, harness: Harness, api: Api) -> Path:
    return make_repo(tmp_path / "repo", endpoint=harness.emu.api_url, api=api, n_files=3)


def set_title(repo: Path, harness: Harness, api: Api, title: str, **manifest: str) -> None:
    (repo / "zenodo.yaml").write_text(
        manifest_text(endpoint=harness.emu.api_url, api=api, title=title, **manifest)
    )


def create_calls(entries: list[dict[str, object]]) -> list[str]:
    return [
        c for c in calls(entries) if c in ("POST /api/records", "POST /api/deposit/depositions")
    ]


def draft_put(api: Api, record_id: str) -> str:
    if api == "rdm":
        return f"PUT /api/records/{record_id}/draft"
    return f"PUT /api/deposit/depositions/{record_id}"


# --- first sync, no-op, changes --------------------------------------------------------------


def test_first_sync_creates_one_draft_with_every_file(
    harness: Harness, repo: Path, api: Api
) -> None:
    result = harness.run(repo)

    assert result.ids.state == "draft" and result.files_uploaded == 3
    assert result.record_file_changed
    concept = assert_converged(harness, repo, endpoint_url=harness.emu.api_url)
    assert result.ids.record_id == concept.drafts[0].record_id
    assert result.ids.concept_id == concept.id
    log = harness.log()
    assert len(create_calls(log)) == 1
    assert sorted(upload_calls(log)) == ["f000.csv", "f001.csv", "f002.csv"]
    assert uploaded_bytes(log) == sum(len(file_bytes(i)) for i in range(3))


def test_second_sync_sends_no_write_at_all(harness: Harness, repo: Path, api: Api) -> None:
    first = harness.run(repo)
    record_file = (repo / RECORD_FILE).read_bytes()
    harness.mark()

    again = harness.run(repo)

    log = harness.log()
    assert log, "the no-op sync must still compare with Zenodo"
    assert writes(log) == [], calls(log)
    assert again.plan["action"] == "none"
    assert (again.files_uploaded, again.files_skipped, again.files_deleted) == (0, 3, 0)
    assert again.ids == first.ids
    assert not again.record_file_changed
    assert (repo / RECORD_FILE).read_bytes() == record_file


def test_one_changed_file_is_the_only_upload(harness: Harness, repo: Path, api: Api) -> None:
    harness.run(repo)
    changed = b"a new second file\n" * 3
    (repo / "data" / "f001.csv").write_bytes(changed)
    harness.mark()

    result = harness.run(repo)

    log = harness.log()
    assert upload_calls(log) == ["f001.csv"]
    assert uploaded_bytes(log) == len(changed)
    assert create_calls(log) == []
    assert {f.name: f.action for f in result.files} == {
        "f000.csv": "skip",
        "f001.csv": "replace",
        "f002.csv": "skip",
    }
    assert_converged(harness, repo, endpoint_url=harness.emu.api_url)


def test_a_removed_file_is_deleted_on_zenodo(harness: Harness, repo: Path, api: Api) -> None:
    harness.run(repo)
    (repo / "data" / "f002.csv").unlink()
    harness.mark()

    result = harness.run(repo)

    log = harness.log()
    deletes = [c for c in writes(log) if c.startswith("DELETE")]
    assert len(deletes) == 1 and deletes[0].endswith("/f002.csv")
    assert upload_calls(log) == []
    assert result.files_deleted == 1
    concept = assert_converged(harness, repo, endpoint_url=harness.emu.api_url)
    assert set(concept.drafts[0].files) == {"f000.csv", "f001.csv"}


def test_metadata_change_on_a_draft_is_one_put(harness: Harness, repo: Path, api: Api) -> None:
    first = harness.run(repo)
    set_title(repo, harness, api, "A better title for the tiny dataset")
    harness.mark()

    result = harness.run(repo)

    assert writes(harness.log()) == [draft_put(api, str(first.ids.record_id))]
    assert result.plan["action"] == "update_draft"
    assert [c["field"] for c in result.plan["metadata_changes"]] == ["title"]
    assert_converged(
        harness, repo, endpoint_url=harness.emu.api_url, title="A better title for the tiny dataset"
    )


def test_metadata_change_on_a_published_record(harness: Harness, repo: Path, api: Api) -> None:
    published = harness.run(repo, "publish")
    assert published.published and published.ids.doi
    set_title(repo, harness, api, "A corrected title for the tiny dataset")
    harness.mark()

    # A sync may not publish: it changes nothing and says why.
    synced = harness.run(repo)
    assert writes(harness.log()) == []
    assert synced.plan["action"] == "none"
    assert any("applied when publishing" in m for m in synced.messages), synced.messages
    assert only_concept(harness.emu).published[0].metadata["title"] == TITLE

    # A publish run edits the published record: same id, same DOI, new metadata.
    harness.mark()
    edited = harness.run(repo, "publish")
    log_writes = writes(harness.log())
    assert edited.published
    assert edited.ids.record_id == published.ids.record_id
    assert edited.ids.doi == published.ids.doi
    assert edited.ids.concept_doi == published.ids.concept_doi
    assert upload_calls(harness.log()) == []
    rid = published.ids.record_id
    if api == "rdm":
        assert log_writes == [
            f"POST /api/records/{rid}/draft",
            f"PUT /api/records/{rid}/draft",
            f"POST /api/records/{rid}/draft/actions/publish",
        ]
    else:
        assert log_writes == [
            f"POST /api/deposit/depositions/{rid}/actions/edit",
            f"PUT /api/deposit/depositions/{rid}",
            f"POST /api/deposit/depositions/{rid}/actions/publish",
        ]
    assert_converged(
        harness,
        repo,
        endpoint_url=harness.emu.api_url,
        published_versions=1,
        draft=False,
        title="A corrected title for the tiny dataset",
    )


def test_new_version_imports_unchanged_files(harness: Harness, repo: Path, api: Api) -> None:
    v1 = harness.run(repo, "publish", version="1.0.0")
    changed = b"changed content of the first file\n"
    added = b"a file that is new in version 2\n" * 2
    (repo / "data" / "f000.csv").write_bytes(changed)
    (repo / "data" / "f009.csv").write_bytes(added)
    harness.mark()

    v2 = harness.run(repo, "publish", version="2.0.0")

    log = harness.log()
    assert v2.published
    assert v2.ids.record_id != v1.ids.record_id
    assert v2.ids.concept_id == v1.ids.concept_id
    assert v2.ids.concept_doi == v1.ids.concept_doi
    assert v2.ids.doi not in (None, v1.ids.doi)
    assert v2.ids.version == "2.0.0"
    # Only the changed and the new file travel; the other two are imported server-side.
    assert sorted(upload_calls(log)) == ["f000.csv", "f009.csv"]
    assert uploaded_bytes(log) == len(changed) + len(added)
    assert {f.name: f.action for f in v2.files} == {
        "f000.csv": "replace",
        "f001.csv": "skip",
        "f002.csv": "skip",
        "f009.csv": "upload",
    }
    concept = assert_converged(
        harness, repo, endpoint_url=harness.emu.api_url, published_versions=2, draft=False
    )
    assert [v.metadata.get("version") for v in concept.published] == ["1.0.0", "2.0.0"]
    assert concept.published[0].files["f000.csv"] != concept.published[1].files["f000.csv"]


def test_new_version_draft_is_reused_by_the_next_sync(
    harness: Harness, repo: Path, api: Api
) -> None:
    harness.run(repo, "publish", version="1.0.0")
    (repo / "data" / "f001.csv").write_bytes(b"v2 content\n")
    first = harness.run(repo, version="2.0.0")
    assert first.ids.state == "draft"
    (repo / "data" / "f002.csv").write_bytes(b"v2 content, later\n")
    harness.mark()

    second = harness.run(repo, version="2.0.0")

    assert second.ids.record_id == first.ids.record_id
    assert upload_calls(harness.log()) == ["f002.csv"]
    assert not any("versions" in c or "newversion" in c for c in writes(harness.log()))
    concept = assert_converged(
        harness, repo, endpoint_url=harness.emu.api_url, published_versions=1
    )
    assert concept.drafts[0].metadata.get("version") == "2.0.0"


# --- policy and limits: refused before any request --------------------------------------------


@APIS
def test_production_publish_needs_the_manifest_to_name_production(
    harness: Harness, tmp_path: Path, api: Api
) -> None:
    repo = make_repo(tmp_path / "r", endpoint="sandbox", api=api, publish_on="always")
    with pytest.raises(PolicyError, match="does not name `endpoint: production`"):
        harness.run(repo, "publish", endpoint="production")
    assert harness.log() == []
    assert not (repo / RECORD_FILE).exists()


@APIS
def test_production_publish_needs_publishing_enabled(
    harness: Harness, tmp_path: Path, api: Api
) -> None:
    repo = make_repo(tmp_path / "r", endpoint="production", api=api, publish_on="never")
    with pytest.raises(PolicyError, match=r"publish: \{on: never\}"):
        harness.run(repo, "publish")
    assert harness.log() == []
    assert not (repo / RECORD_FILE).exists()


@APIS
def test_production_publish_refused_when_versions_disagree(
    harness: Harness, tmp_path: Path, api: Api
) -> None:
    repo = make_repo(
        tmp_path / "r", endpoint="production", api=api, publish_on="tags", version="1.0.0"
    )
    (repo / "CITATION.cff").write_text(
        "cff-version: 1.2.0\ntitle: x\nmessage: cite\nversion: 1.0.1\n"
        "authors:\n  - family-names: Doe\n"
    )
    with pytest.raises(PolicyError, match="versions disagree"):
        harness.run(repo, "publish")
    assert harness.log() == []


@APIS
def test_production_publish_with_both_keys(harness: Harness, tmp_path: Path, api: Api) -> None:
    harness.emu.control.config(flavour="production")
    repo = make_repo(tmp_path / "r", endpoint="production", api=api, publish_on="tags")

    # A sync on production is always allowed: it only makes a draft.
    synced = harness.run(repo)
    assert synced.ids.state == "draft" and not synced.published
    published = harness.run(repo, "publish", version="1.0.0")

    assert published.published
    assert published.ids.doi == f"10.5281/zenodo.{published.ids.record_id}"
    entry = record_entry(repo, "https://zenodo.org/api")
    assert entry is not None and entry["state"] == "published"
    assert set(json.loads((repo / RECORD_FILE).read_text())) == {"https://zenodo.org/api"}


@APIS
def test_101_files_are_refused_before_any_request(
    harness: Harness, tmp_path: Path, api: Api
) -> None:
    repo = make_repo(tmp_path / "r", endpoint=harness.emu.api_url, api=api, n_files=101)
    with pytest.raises(ManifestError, match="100"):
        harness.run(repo)
    assert harness.log() == []
    assert concepts(harness.emu) == []
    assert not (repo / RECORD_FILE).exists()


def test_quota_exceeded_is_a_clear_error_and_a_rerun_converges(
    harness: Harness, tmp_path: Path, api: Api
) -> None:
    harness.emu.control.config(quota_bytes=4000)
    files = {"small-1.csv": file_bytes(1, 500), "small-2.csv": file_bytes(2, 500)}
    files["big.bin"] = file_bytes(3, 5000)
    repo = make_repo(tmp_path / "r", endpoint=harness.emu.api_url, api=api, files=files)

    with pytest.raises(ValidationRejected, match=r"(?i)quota") as caught:
        harness.run(repo)
    assert caught.value.status == 400
    # Nothing is half-done: one draft, named in the record file, and no usable big.bin in it.
    concept = only_concept(harness.emu)
    assert len(concept.drafts) == 1 and concept.published == []
    assert "big.bin" not in concept.drafts[0].files
    entry = record_entry(repo, harness.emu.api_url)
    assert entry is not None and entry["record_id"] == concept.drafts[0].record_id

    (repo / "data" / "big.bin").unlink()
    harness.run(repo)
    assert_converged(harness, repo, endpoint_url=harness.emu.api_url)


# --- crash safety ------------------------------------------------------------------------------


def test_an_orphaned_draft_is_adopted_not_duplicated(
    harness: Harness, repo: Path, api: Api
) -> None:
    first = harness.run(repo)
    (repo / RECORD_FILE).unlink()  # the commit of the record file never reached git
    (repo / "data" / "f001.csv").write_bytes(b"changed after the crash\n")
    harness.mark()

    again = harness.run(repo)

    assert create_calls(harness.log()) == []
    assert again.ids.record_id == first.ids.record_id
    assert any("adopted draft" in m for m in again.messages), again.messages
    assert upload_calls(harness.log()) == ["f001.csv"]
    assert_converged(harness, repo, endpoint_url=harness.emu.api_url)


def test_a_published_record_is_found_without_the_record_file(
    harness: Harness, repo: Path, api: Api
) -> None:
    first = harness.run(repo, "publish")
    (repo / RECORD_FILE).unlink()
    harness.mark()

    again = harness.run(repo)

    assert writes(harness.log()) == []
    assert again.ids.record_id == first.ids.record_id
    assert_converged(
        harness, repo, endpoint_url=harness.emu.api_url, published_versions=1, draft=False
    )


def test_the_record_file_names_the_draft_before_the_first_upload(
    harness: Harness, repo: Path, api: Api
) -> None:
    content_put = "/content$" if api == "rdm" else "^/api/files/"
    harness.emu.control.inject(content_put, 413, method="PUT")

    with pytest.raises(ZenodoAPIError) as caught:
        harness.run(repo)
    assert caught.value.status == 413

    concept = only_concept(harness.emu)
    assert len(concept.drafts) == 1 and concept.drafts[0].files == {}
    entry = record_entry(repo, harness.emu.api_url)
    assert entry is not None
    assert entry["record_id"] == concept.drafts[0].record_id
    assert entry["state"] == "draft"
    # And the next run carries on in that draft.
    harness.run(repo)
    assert_converged(harness, repo, endpoint_url=harness.emu.api_url)


# --- discard -----------------------------------------------------------------------------------


def discard(harness: Harness, repo: Path, monkeypatch: pytest.MonkeyPatch) -> int:
    monkeypatch.setenv("ZENODO_TOKEN", harness.emu.token)
    return main(
        ["discard", "--manifest", str(repo / "zenodo.yaml"), "--endpoint", harness.emu.api_url]
    )


def test_discard_removes_only_this_repositorys_draft(
    harness: Harness,
    repo: Path,
    api: Api,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    other = make_repo(
        tmp_path / "other",
        endpoint=harness.emu.api_url,
        api=api,
        code_repository="https://github.com/example/other",
    )
    theirs = harness.run(other)
    ours = harness.run(repo)

    assert discard(harness, repo, monkeypatch) == 0

    assert f"discarded draft {ours.ids.record_id}" in capsys.readouterr().out
    remaining = concepts(harness.emu)
    assert [c.drafts[0].record_id for c in remaining] == [theirs.ids.record_id]
    assert json.loads((repo / RECORD_FILE).read_text()) == {}
    # The next sync starts a new concept (the discarded draft is gone for good).
    again = harness.run(repo)
    assert again.ids.record_id not in (ours.ids.record_id, theirs.ids.record_id)
    assert len(concepts(harness.emu)) == 2


def test_discard_of_a_new_version_draft_goes_back_to_the_published_record(
    harness: Harness, repo: Path, api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    v1 = harness.run(repo, "publish", version="1.0.0")
    (repo / "data" / "f000.csv").write_bytes(b"v2\n")
    draft = harness.run(repo, version="2.0.0")
    assert draft.ids.record_id != v1.ids.record_id

    assert discard(harness, repo, monkeypatch) == 0

    concept = only_concept(harness.emu)
    assert concept.drafts == [] and len(concept.published) == 1
    entry = record_entry(repo, harness.emu.api_url)
    assert entry is not None
    assert (entry["record_id"], entry["state"]) == (v1.ids.record_id, "published")
    assert_metadata_is_the_manifests(concept.published[0].metadata)


def test_the_marker_is_the_repository_url(harness: Harness, repo: Path, api: Api) -> None:
    harness.run(repo)
    metadata = only_concept(harness.emu).drafts[0].metadata
    marker = [r for r in metadata["related_identifiers"] if r["identifier"] == REPOSITORY_URL]
    assert len(marker) == 1
