"""The InvenioRDM backend: parsing, exact call sequences, upload verification, publish safety."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import pytest
import requests
import responses

from zenodo_publish.errors import (
    IntegrityError,
    PublishOutcomeUnknown,
    ServerError,
    UnexpectedResponseError,
    ValidationRejected,
)
from zenodo_publish.zenodo import RDMBackend, RemoteFile
from zenodo_publish.zenodo.http import ZenodoSession

BASE = "http://127.0.0.1:9/api"
A, B = b"a,b\n1,2\n", b"\x00\x01binary"


def md5(data: bytes) -> str:
    return hashlib.md5(data).hexdigest()


def entry(key: str, data: bytes | None, status: str = "completed") -> dict[str, Any]:
    out: dict[str, Any] = {"key": key, "status": status}
    if data is not None:
        out.update(size=len(data), checksum=f"md5:{md5(data)}")
    return out


def record(
    rid: str,
    *,
    parent: str = "100",
    published: bool = False,
    draft: bool = True,
    files: dict[str, bytes] | None = None,
    index: int = 1,
    latest: bool = True,
    **extra: Any,
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": rid,
        "is_published": published,
        "is_draft": draft,
        "parent": {"id": parent},
        "pids": {"doi": {"identifier": f"10.5072/zenodo.{rid}"}} if published else {},
        "versions": {"index": index, "is_latest": latest},
        "metadata": {"title": "Data", "version": "1.0"},
        "access": {"record": "public", "files": "public"},
        "files": {
            "enabled": True,
            "entries": {
                k: {"key": k, "size": len(v), "checksum": f"md5:{md5(v)}"}
                for k, v in (files or {}).items()
            },
        },
        "links": {"self_html": f"http://127.0.0.1:9/uploads/{rid}"},
    }
    body.update(extra)
    return body


@pytest.fixture
def rdm(session: ZenodoSession) -> RDMBackend:
    return RDMBackend(session)


def commit_ok(rsps: responses.RequestsMock, rid: str, key: str, data: bytes) -> None:
    rsps.put(f"{BASE}/records/{rid}/draft/files/{key}/content", json=entry(key, None, "pending"))
    rsps.post(f"{BASE}/records/{rid}/draft/files/{key}/commit", json=entry(key, data))


def test_parses_the_record_json(rsps: responses.RequestsMock, rdm: RDMBackend) -> None:
    body = record(
        "101", files={"a.csv": A}, published=True, draft=False, parent="100", index=3, latest=False
    )
    body["parent"]["pids"] = {"doi": {"identifier": "10.5072/zenodo.100"}}
    body["files"]["entries"]["p.bin"] = {"key": "p.bin", "status": "pending"}
    rsps.get(f"{BASE}/records/101", json=body)
    got = rdm.read_record("101")
    assert got is not None
    assert (got.id, got.concept_id, got.doi, got.concept_doi) == (
        "101",
        "100",
        "10.5072/zenodo.101",
        "10.5072/zenodo.100",
    )
    assert (got.is_published, got.is_draft, got.files_locked) == (True, False, True)
    assert (got.version, got.version_index, got.is_latest) == ("1.0", 3, False)
    assert got.files["a.csv"] == RemoteFile("a.csv", len(A), md5(A), "completed")
    assert got.files["p.bin"] == RemoteFile("p.bin", 0, None, "pending")
    assert got.pending_files == ("p.bin",)
    assert got.html_url == "http://127.0.0.1:9/uploads/101"


def test_read_falls_back_from_draft_to_record_and_to_none(
    rsps: responses.RequestsMock, rdm: RDMBackend, call_log: Any
) -> None:
    rsps.get(f"{BASE}/records/5/draft", status=404, json={"status": 404, "message": "x"})
    rsps.get(f"{BASE}/records/5", status=410, json={"status": 410, "message": "gone"})
    assert rdm.read("5") is None
    assert call_log() == ["GET /api/records/5/draft", "GET /api/records/5"]


def test_a_draft_read_costs_one_request(
    rsps: responses.RequestsMock, rdm: RDMBackend, call_log: Any
) -> None:
    files = {f"f{i:03}.csv": str(i).encode() for i in range(100)}
    rsps.get(f"{BASE}/records/5/draft", json=record("5", files=files))
    got = rdm.read("5")
    assert got is not None and len(got.files) == 100
    assert call_log() == ["GET /api/records/5/draft"]


def test_missing_required_fields_are_named(rsps: responses.RequestsMock, rdm: RDMBackend) -> None:
    body = record("5")
    del body["files"]
    rsps.get(f"{BASE}/records/5/draft", json=body)
    with pytest.raises(UnexpectedResponseError, match=r"GET /records/5/draft.*'files'"):
        rdm.read_draft("5")
    rsps.get(f"{BASE}/records/6/draft", json={"is_draft": True})
    with pytest.raises(UnexpectedResponseError, match="'id'"):
        rdm.read_draft("6")


def test_non_md5_checksums_are_refused(rsps: responses.RequestsMock, rdm: RDMBackend) -> None:
    body = record("5")
    body["files"]["entries"] = {"a": {"key": "a", "size": 1, "checksum": "sha256:ab"}}
    rsps.get(f"{BASE}/records/5/draft", json=body)
    with pytest.raises(UnexpectedResponseError, match="not an md5"):
        rdm.read_draft("5")


def test_update_draft_returns_field_errors(rsps: responses.RequestsMock, rdm: RDMBackend) -> None:
    errors = [{"field": "metadata.publisher", "messages": ["Missing publisher field."]}]
    rsps.put(f"{BASE}/records/5/draft", json=record("5", errors=errors))
    got = rdm.update_draft("5", {"metadata": {}})
    assert got.field_errors[0].field == "metadata.publisher"
    assert json.loads(rsps.calls[0].request.body or b"") == {"metadata": {}}


def test_create_upload_two_files_publish(
    rsps: responses.RequestsMock, rdm: RDMBackend, call_log: Any, make_spec: Any
) -> None:
    rsps.post(f"{BASE}/records", status=201, json=record("101"))
    rsps.post(
        f"{BASE}/records/101/draft/files",
        status=201,
        json={"entries": [entry("a.csv", None, "pending"), entry("b.bin", None, "pending")]},
    )
    commit_ok(rsps, "101", "a.csv", A)
    commit_ok(rsps, "101", "b.bin", B)
    rsps.post(
        f"{BASE}/records/101/draft/actions/publish",
        status=202,
        json=record("101", published=True, draft=False, files={"a.csv": A, "b.bin": B}),
    )

    draft = rdm.create_draft({"metadata": {"title": "Data"}, "files": {"enabled": True}})
    stored = rdm.upload_files(draft.id, [make_spec("a.csv", A), make_spec("b.bin", B)])
    published = rdm.publish(draft.id)

    assert call_log() == [
        "POST /api/records",
        "POST /api/records/101/draft/files",
        "PUT /api/records/101/draft/files/a.csv/content",
        "POST /api/records/101/draft/files/a.csv/commit",
        "PUT /api/records/101/draft/files/b.bin/content",
        "POST /api/records/101/draft/files/b.bin/commit",
        "POST /api/records/101/draft/actions/publish",
    ]
    assert json.loads(rsps.calls[1].request.body or b"") == [{"key": "a.csv"}, {"key": "b.bin"}]
    assert rsps.calls[2].request.body == A
    assert [f.md5 for f in stored] == [md5(A), md5(B)]
    assert published.doi == "10.5072/zenodo.101"


def test_new_version_flow(
    rsps: responses.RequestsMock, rdm: RDMBackend, call_log: Any, make_spec: Any
) -> None:
    B2 = b"changed"
    rsps.post(f"{BASE}/records/101/versions", status=201, json=record("102", index=2))
    rsps.post(
        f"{BASE}/records/102/draft/actions/files-import",
        status=201,
        json={"entries": [entry("a.csv", A), entry("b.bin", B)]},
    )
    rsps.delete(f"{BASE}/records/102/draft/files/b.bin", status=204)
    rsps.post(
        f"{BASE}/records/102/draft/files",
        status=201,
        json={"entries": [entry("a.csv", A), entry("b.bin", None, "pending")]},
    )
    commit_ok(rsps, "102", "b.bin", B2)
    rsps.put(f"{BASE}/records/102/draft", json=record("102", files={"a.csv": A, "b.bin": B2}))
    rsps.post(
        f"{BASE}/records/102/draft/actions/publish",
        status=202,
        json=record("102", published=True, draft=False, files={"a.csv": A, "b.bin": B2}),
    )

    draft = rdm.new_version("101")
    assert set(draft.files) == {"a.csv", "b.bin"}
    rdm.delete_file(draft.id, "b.bin")
    rdm.upload_files(draft.id, [make_spec("b.bin", B2)])
    rdm.update_draft(draft.id, {"metadata": {"version": "2.0"}})
    rdm.publish(draft.id)
    assert call_log() == [
        "POST /api/records/101/versions",
        "POST /api/records/102/draft/actions/files-import",
        "DELETE /api/records/102/draft/files/b.bin",
        "POST /api/records/102/draft/files",
        "PUT /api/records/102/draft/files/b.bin/content",
        "POST /api/records/102/draft/files/b.bin/commit",
        "PUT /api/records/102/draft",
        "POST /api/records/102/draft/actions/publish",
    ]


REMOVE_ALL_FILES_FIRST = {
    "status": 400,
    "message": "A validation error occurred.",
    "errors": [{"field": "files.enabled", "messages": ["Please remove all files first."]}],
}


def test_an_import_another_run_made_first_answers_with_the_drafts_files(
    rsps: responses.RequestsMock, rdm: RDMBackend, call_log: Any
) -> None:
    """Two runs fill the same empty new-version draft (both opened the new version, or both
    found it empty): InvenioRDM refuses the second import. That run goes on from the draft as
    the first left it, in new_version and in import_files alike (the applier's call)."""
    rsps.post(f"{BASE}/records/101/versions", status=201, json=record("102", index=2))
    rsps.post(
        f"{BASE}/records/102/draft/actions/files-import", status=400, json=REMOVE_ALL_FILES_FIRST
    )
    rsps.get(f"{BASE}/records/102/draft", json=record("102", index=2, files={"a.csv": A}))

    assert set(rdm.new_version("101").files) == {"a.csv"}
    assert set(rdm.import_files("102")) == {"a.csv"}
    assert call_log() == [
        "POST /api/records/101/versions",
        "POST /api/records/102/draft/actions/files-import",
        "GET /api/records/102/draft",
        "POST /api/records/102/draft/actions/files-import",
        "GET /api/records/102/draft",
    ]


def test_any_other_refused_import_is_an_error(
    rsps: responses.RequestsMock, rdm: RDMBackend, call_log: Any
) -> None:
    refused = {**REMOVE_ALL_FILES_FIRST, "errors": [{"field": "files", "messages": ["No."]}]}
    rsps.post(f"{BASE}/records/102/draft/actions/files-import", status=400, json=refused)
    with pytest.raises(ValidationRejected):
        rdm.import_files("102")
    assert call_log() == ["POST /api/records/102/draft/actions/files-import"]


def test_new_version_reuses_an_existing_draft_without_reimporting(
    rsps: responses.RequestsMock, rdm: RDMBackend, call_log: Any
) -> None:
    rsps.post(
        f"{BASE}/records/101/versions", status=201, json=record("102", index=2, files={"a.csv": A})
    )
    assert set(rdm.new_version("101").files) == {"a.csv"}
    assert call_log() == ["POST /api/records/101/versions"]


def test_a_wrong_checksum_after_commit_deletes_the_file(
    rsps: responses.RequestsMock, rdm: RDMBackend, call_log: Any, make_spec: Any
) -> None:
    rsps.post(
        f"{BASE}/records/7/draft/files",
        status=201,
        json={"entries": [entry("a.csv", None, "pending")]},
    )
    rsps.put(f"{BASE}/records/7/draft/files/a.csv/content", json={})
    rsps.post(f"{BASE}/records/7/draft/files/a.csv/commit", json=entry("a.csv", b"garbled!"))
    rsps.delete(f"{BASE}/records/7/draft/files/a.csv", status=204)
    with pytest.raises(IntegrityError, match="md5 is") as info:
        rdm.upload_files("7", [make_spec("a.csv", A)])
    assert "removed from the draft" in str(info.value)
    assert call_log()[-1] == "DELETE /api/records/7/draft/files/a.csv"


def test_a_file_changed_on_disk_since_the_scan_is_removed_again(
    rsps: responses.RequestsMock, rdm: RDMBackend, call_log: Any
) -> None:
    """The body is not hashed on the way out: the md5 of the scan is compared with the one
    Zenodo computed, and a file that changed in between leaves the draft again."""
    import io

    from zenodo_publish.zenodo import UploadSpec

    lying = UploadSpec("a.csv", len(A), md5(b"other!!!"), lambda: io.BytesIO(A))
    rsps.post(
        f"{BASE}/records/7/draft/files",
        status=201,
        json={"entries": [entry("a.csv", None, "pending")]},
    )
    commit_ok(rsps, "7", "a.csv", A)
    rsps.delete(f"{BASE}/records/7/draft/files/a.csv", status=204)
    with pytest.raises(IntegrityError, match="changed on disk during the run"):
        rdm.upload_files("7", [lying])
    assert call_log()[-2:] == [
        "POST /api/records/7/draft/files/a.csv/commit",
        "DELETE /api/records/7/draft/files/a.csv",
    ]


def test_init_error_relists_instead_of_repeating(
    rsps: responses.RequestsMock, rdm: RDMBackend, call_log: Any, make_spec: Any
) -> None:
    rsps.post(f"{BASE}/records/7/draft/files", status=502, body="<html>bad gateway</html>")
    rsps.get(f"{BASE}/records/7/draft/files", json={"entries": [entry("a.csv", None, "pending")]})
    commit_ok(rsps, "7", "a.csv", A)
    rdm.upload_files("7", [make_spec("a.csv", A)])
    assert call_log()[:3] == [
        "POST /api/records/7/draft/files",
        "GET /api/records/7/draft/files",
        "PUT /api/records/7/draft/files/a.csv/content",
    ]


def test_init_error_with_nothing_created_inits_again(
    rsps: responses.RequestsMock, rdm: RDMBackend, call_log: Any, make_spec: Any
) -> None:
    rsps.post(f"{BASE}/records/7/draft/files", body=requests.ReadTimeout("slow"))
    rsps.get(f"{BASE}/records/7/draft/files", json={"entries": []})
    rsps.post(
        f"{BASE}/records/7/draft/files",
        status=201,
        json={"entries": [entry("a.csv", None, "pending")]},
    )
    commit_ok(rsps, "7", "a.csv", A)
    rdm.upload_files("7", [make_spec("a.csv", A)])
    assert call_log()[:3] == [
        "POST /api/records/7/draft/files",
        "GET /api/records/7/draft/files",
        "POST /api/records/7/draft/files",
    ]


def test_commit_error_rereads_the_file(
    rsps: responses.RequestsMock, rdm: RDMBackend, call_log: Any, make_spec: Any
) -> None:
    rsps.post(
        f"{BASE}/records/7/draft/files",
        status=201,
        json={"entries": [entry("a.csv", None, "pending")]},
    )
    rsps.put(f"{BASE}/records/7/draft/files/a.csv/content", json={})
    rsps.post(f"{BASE}/records/7/draft/files/a.csv/commit", status=504, body="timeout")
    rsps.get(f"{BASE}/records/7/draft/files/a.csv", json=entry("a.csv", A))
    stored = rdm.upload_files("7", [make_spec("a.csv", A)])
    assert stored[0].md5 == md5(A)
    assert call_log()[-2:] == [
        "POST /api/records/7/draft/files/a.csv/commit",
        "GET /api/records/7/draft/files/a.csv",
    ]


def test_parallel_uploads_report_progress(
    rsps: responses.RequestsMock, rdm: RDMBackend, make_spec: Any
) -> None:
    keys = [f"f{i}.bin" for i in range(4)]
    rsps.post(
        f"{BASE}/records/7/draft/files",
        status=201,
        json={"entries": [entry(k, None, "pending") for k in keys]},
    )
    for k in keys:
        commit_ok(rsps, "7", k, k.encode())
    seen: list[tuple[str, int, int]] = []
    stored = rdm.upload_files(
        "7",
        [make_spec(k, k.encode()) for k in keys],
        parallel=3,
        progress=lambda k, n, t: seen.append((k, n, t)),
    )
    assert [f.key for f in stored] == keys
    assert sorted(seen) == sorted(
        [(k, 0, len(k)) for k in keys] + [(k, len(k), len(k)) for k in keys]
    )


def test_publish_504_is_not_retried(
    rsps: responses.RequestsMock, rdm: RDMBackend, call_log: Any
) -> None:
    rsps.post(
        f"{BASE}/records/7/draft/actions/publish",
        status=504,
        body="<html><title>504 Gateway Time-out</title></html>",
    )
    with pytest.raises(PublishOutcomeUnknown) as info:
        rdm.publish("7")
    assert call_log() == ["POST /api/records/7/draft/actions/publish"]
    assert info.value.record_id == "7"
    assert info.value.status == 504
    assert isinstance(info.value.__cause__, ServerError)


def test_read_latest_follows_the_redirect(
    rsps: responses.RequestsMock, rdm: RDMBackend, call_log: Any
) -> None:
    rsps.get(
        f"{BASE}/records/101/versions/latest",
        status=301,
        headers={"Location": "/api/records/105"},  # relative: resolved against the request
        json={"status": 301, "message": "Redirecting..."},
    )
    rsps.get(f"{BASE}/records/105", json=record("105", published=True, draft=False, index=5))
    assert rdm.read_latest("101").id == "105"
    assert call_log() == ["GET /api/records/101/versions/latest", "GET /api/records/105"]


def test_find_drafts_keeps_unpublished_drafts_and_pages(
    rsps: responses.RequestsMock, rdm: RDMBackend
) -> None:
    page1 = [record(str(i)) for i in range(100)]
    page2 = [record("200", published=True, draft=True), record("201")]
    rsps.get(
        f"{BASE}/user/records",
        match=[
            responses.matchers.query_param_matcher(
                {
                    "q": "parent.id:100",
                    "allversions": "true",
                    "sort": "updated-desc",
                    "size": "100",
                    "page": "1",
                }
            )
        ],
        json={"hits": {"hits": page1, "total": 102}},
    )
    rsps.get(
        f"{BASE}/user/records",
        match=[
            responses.matchers.query_param_matcher(
                {
                    "q": "parent.id:100",
                    "allversions": "true",
                    "sort": "updated-desc",
                    "size": "100",
                    "page": "2",
                }
            )
        ],
        json={"hits": {"hits": page2, "total": 102}},
    )
    found = rdm.find_drafts("parent.id:100")
    assert len(found) == 101
    assert "200" not in {r.id for r in found}


def test_discard_is_a_delete_of_the_draft(
    rsps: responses.RequestsMock, rdm: RDMBackend, call_log: Any
) -> None:
    rsps.delete(f"{BASE}/records/7/draft", status=204)
    rdm.discard("7")
    assert call_log() == ["DELETE /api/records/7/draft"]
