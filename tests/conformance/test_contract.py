"""The emulator's contract, run against both servers: the same calls, the same assertions, once
against the emulator and once against the stock InvenioRDM (``server`` fixture).

What differs on purpose is listed in ``zenodo_publish.emulator``'s docstring ("Known
divergences from the real InvenioRDM"); those differences are not asserted here.
"""

from __future__ import annotations

import datetime

import requests
from conformance_support import Server, full_body, md5


def error_texts(response: requests.Response) -> list[str]:
    """The message and every field message of an error answer: InvenioRDM puts a schema
    error in ``errors`` under "A validation error occurred."."""
    body = response.json()
    texts = [body.get("message", "")]
    for error in body.get("errors") or []:
        texts += error.get("messages", [])
    return texts


def test_draft_create_read_update_delete(server: Server) -> None:
    api = server.client()
    draft = api.create()
    assert draft["is_published"] is False and draft["is_draft"] is True
    rid = draft["id"]
    r = api.get(f"/records/{rid}/draft")
    assert r.status_code == 200 and r.json()["metadata"]["title"] == "My tool"
    r = api.put(f"/records/{rid}/draft", json=full_body(title="Another title"))
    assert r.status_code == 200 and r.json()["metadata"]["title"] == "Another title"
    assert api.delete(f"/records/{rid}/draft").status_code == 204
    assert api.get(f"/records/{rid}/draft").status_code == 404


def test_three_step_upload_and_checksum(server: Server) -> None:
    api = server.client()
    rid = api.create()["id"]
    r = api.init(rid, "data.csv")
    assert r.status_code == 201
    assert [e["key"] for e in r.json()["entries"]] == ["data.csv"]
    assert r.json()["entries"][0]["status"] == "pending"
    data = b"a,b\n1,2\n"
    r = api.content(rid, "data.csv", data)
    assert r.status_code == 200
    assert "errors" not in r.json()
    r = api.commit(rid, "data.csv")
    assert r.status_code == 200
    assert r.json()["status"] == "completed"
    assert r.json()["checksum"] == "md5:" + md5(data)
    assert r.json()["size"] == 8


def test_commit_before_content_is_500_and_a_second_commit_is_200(server: Server) -> None:
    api = server.client()
    rid = api.create()["id"]
    assert api.init(rid, "a.txt").status_code == 201
    assert api.commit(rid, "a.txt").status_code == 500
    assert api.content(rid, "a.txt", b"x").status_code == 200
    assert api.commit(rid, "a.txt").status_code == 200
    assert api.commit(rid, "a.txt").status_code == 200


def test_init_refusals(server: Server) -> None:
    api = server.client()
    rid = api.create()["id"]
    r = api.post(f"/records/{rid}/draft/files", json=[])
    assert r.status_code == 400 and "No files to upload." in error_texts(r)
    assert api.init(rid, "a.txt").status_code == 201
    assert api.init(rid, "a.txt").status_code == 400


def test_wrong_content_type_is_415_and_empty_file_400(server: Server) -> None:
    api = server.client()
    rid = api.create()["id"]
    assert api.init(rid, "a.txt", "empty.txt").status_code == 201
    r = api.put(
        f"/records/{rid}/draft/files/a.txt/content",
        data=b"x",
        headers={"Content-Type": "text/plain"},
    )
    assert r.status_code == 415
    assert api.content(rid, "empty.txt", b"").status_code == 200
    r = api.commit(rid, "empty.txt")
    assert r.status_code == 400 and r.json()["message"] == "Empty files are not accepted."


def test_publish_then_second_publish_404(server: Server) -> None:
    api = server.client()
    draft = api.create()
    api.upload(draft["id"], "data.csv", b"1,2\n")
    record = api.publish(draft["id"])
    assert record["is_published"] is True
    assert record["pids"]["doi"]["identifier"].startswith("10.5072/")
    assert api.post(f"/records/{draft['id']}/draft/actions/publish").status_code == 404


def test_publish_without_files_is_refused(server: Server) -> None:
    api = server.client()
    rid = api.create()["id"]
    r = api.post(f"/records/{rid}/draft/actions/publish")
    assert r.status_code == 400


def test_edit_draft_locks_content_and_delete_but_allows_adding_a_file(server: Server) -> None:
    """§3.10: on the real server only content upload and delete are locked; init is 201."""
    api = server.client()
    record = api.published_record()
    rid = record["id"]
    assert api.post(f"/records/{rid}/draft").status_code == 201
    r = api.delete(f"/records/{rid}/draft/files/data.csv")
    assert r.status_code == 403
    r = api.init(rid, "more.csv")
    assert r.status_code == 201, r.text
    assert [e["key"] for e in r.json()["entries"] if e["key"] == "more.csv"] == ["more.csv"]


def test_new_version_is_idempotent_and_gets_today_as_publication_date(server: Server) -> None:
    """§3.8: the new-version draft carries today's publication date (not none)."""
    api = server.client()
    record = api.published_record()
    r = api.post(f"/records/{record['id']}/versions")
    assert r.status_code == 201
    first = r.json()
    assert first["id"] != record["id"]
    assert first["files"]["entries"] == {} or first["files"].get("entries") in ({}, None)
    today = datetime.datetime.now(datetime.UTC).date().isoformat()
    assert first["metadata"].get("publication_date") == today
    assert "version" not in first["metadata"]
    again = api.post(f"/records/{record['id']}/versions")
    assert again.status_code == 201 and again.json()["id"] == first["id"]


def test_a_published_records_versions_tell_whether_a_new_version_draft_is_open(
    server: Server,
) -> None:
    """``versions.is_latest_draft`` of the latest published record: true with no draft or
    only an edit draft open (it shares the record's id), false while a new-version draft
    exists; once that draft is published the flags move to it. A sync with
    nothing to change relies on it to find a draft its record file does not name (§13.5)."""
    api = server.client()
    record = api.published_record()
    rid = record["id"]

    def flags() -> tuple[bool, bool]:
        answer = api.get(f"/records/{rid}")
        assert answer.status_code == 200, (answer.status_code, answer.text[:300])
        versions = answer.json()["versions"]
        return versions["is_latest"], versions["is_latest_draft"]

    assert flags() == (True, True)
    assert api.post(f"/records/{rid}/draft").status_code == 201
    assert flags() == (True, True)
    assert api.delete(f"/records/{rid}/draft").status_code == 204
    new = api.post(f"/records/{rid}/versions").json()
    assert flags() == (True, False)
    # The published record can still be edited (a metadata-only re-release does that).
    assert api.post(f"/records/{rid}/draft").status_code == 201
    assert api.post(f"/records/{rid}/draft/actions/publish").status_code == 202
    assert flags() == (True, False)
    # (Not discarded here: the harness's SQLite does not enforce the foreign key that keeps
    # InvenioRDM from deleting the parent with a discarded new-version draft.)
    assert api.post(f"/records/{new['id']}/draft/actions/files-import").status_code == 201
    api.publish(new["id"])
    assert flags() == (False, False)
    rid = new["id"]
    assert flags() == (True, True)


def test_files_import_then_refused_when_files_exist(server: Server) -> None:
    api = server.client()
    record = api.published_record({"a.csv": b"1\n", "b.csv": b"2\n"})
    new = api.post(f"/records/{record['id']}/versions").json()
    r = api.post(f"/records/{new['id']}/draft/actions/files-import")
    assert r.status_code == 201
    assert sorted(e["key"] for e in r.json()["entries"]) == ["a.csv", "b.csv"]
    r = api.post(f"/records/{new['id']}/draft/actions/files-import")
    assert r.status_code == 400
    assert "Please remove all files first." in error_texts(r)


def test_latest_version_redirects(server: Server) -> None:
    api = server.client()
    record = api.published_record()
    r = api.get(f"/records/{record['id']}/versions/latest")
    assert r.status_code == 301
    assert r.headers["Location"].endswith(f"/records/{record['id']}")


def test_errors_only_in_create_and_update_answers(server: Server) -> None:
    """§3.9: a draft missing a required field is saved and the create/update answers carry
    ``errors``; reading the draft (GET) does not re-validate."""
    api = server.client()
    body = full_body()
    del body["metadata"]["creators"]
    r = api.post("/records", json=body)
    assert r.status_code == 201
    assert any(e["field"].startswith("metadata.creators") for e in r.json()["errors"])
    rid = r.json()["id"]
    r = api.put(f"/records/{rid}/draft", json=body)
    assert r.status_code == 200 and r.json().get("errors")
    r = api.get(f"/records/{rid}/draft")
    assert r.status_code == 200 and "errors" not in r.json()


def test_edit_and_reserve_doi_answers_carry_no_errors(server: Server) -> None:
    api = server.client()
    record = api.published_record()
    r = api.post(f"/records/{record['id']}/draft")
    assert r.status_code == 201 and "errors" not in r.json()
    new = api.post(f"/records/{record['id']}/versions")
    assert new.status_code == 201 and "errors" not in new.json()
    r = api.post(f"/records/{new.json()['id']}/draft/pids/doi")
    assert r.status_code == 201, r.text
    assert "errors" not in r.json()
    assert r.json()["pids"]["doi"]["identifier"].startswith("10.5072/")


def test_zenodo_licences_accepted_and_spdx_deprecated_ids_refused(server: Server) -> None:
    """§3.1 and §3.7: Zenodo's list is the vocabulary (eupl-1.2, zlib, 0bsd... accepted),
    ``gpl-3.0`` is not on it: 400 at the first POST."""
    api = server.client()
    for licence in ("eupl-1.2", "zlib", "0bsd", "artistic-2.0", "agpl-3.0-or-later", "ofl-1.1"):
        r = api.post("/records", json=full_body(rights=[{"id": licence}]))
        assert r.status_code == 201, (licence, r.text)
        assert not [e for e in r.json().get("errors", []) if "rights" in e["field"]], licence
    r = api.post("/records", json=full_body(rights=[{"id": "gpl-3.0"}]))
    assert r.status_code == 400
    assert r.json()["message"] == "Invalid value gpl-3.0."


def test_languages_are_inveniordm_fixture(server: Server) -> None:
    """§3.7: the whole ISO 639-3 fixture of InvenioRDM, not a common subset."""
    api = server.client()
    for language in ("eng", "gsw", "yue", "nds"):
        r = api.post("/records", json=full_body(languages=[{"id": language}]))
        assert r.status_code == 201, (language, r.text)


def test_files_disabled_is_kept_enabled_with_an_error(server: Server) -> None:
    """§3.11: files.enabled false on a Zenodo-configured server (metadata-only records not
    allowed): 200/201 with an ``errors`` entry, and the files stay enabled."""
    api = server.client()
    body = full_body()
    body["files"] = {"enabled": False}
    r = api.post("/records", json=body)
    assert r.status_code == 201
    assert any(e["field"].startswith("files") for e in r.json().get("errors", []))


def test_pending_file_blocks_publish_naming_files(server: Server) -> None:
    api = server.client()
    rid = api.create()["id"]
    api.upload(rid, "a.csv", b"1\n")
    assert api.init(rid, "pending.csv").status_code == 201
    r = api.post(f"/records/{rid}/draft/actions/publish")
    assert r.status_code == 400
    fields = [e["field"] for e in r.json().get("errors", [])]
    assert "files" in fields or "files.enabled" in fields, r.json()


def test_unknown_token_is_refused(server: Server) -> None:
    api = server.client(token="not-a-token")
    r = api.post("/records", json=full_body())
    assert r.status_code in (401, 403)


def test_content_sent_to_a_committed_key_fails_with_200_and_drops_the_entry(
    server: Server,
) -> None:
    """§3.2: a failed transfer is answered 200 with ``errors`` in the body, and the server
    deletes the file entry (so the commit that follows gets 404)."""
    api = server.client()
    rid = api.create()["id"]
    api.upload(rid, "a.txt", b"abc")
    r = api.content(rid, "a.txt", b"abcd")
    assert r.status_code == 200
    assert r.json()["errors"] == "File upload transfer failed."
    r = api.get(f"/records/{rid}/draft/files")
    assert [e["key"] for e in r.json()["entries"]] == []
    assert api.commit(rid, "a.txt").status_code == 404
