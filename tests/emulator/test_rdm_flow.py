"""§7 through the RDM API: locate, decide, files, metadata, publish; new versions and edits."""

from __future__ import annotations

from emu_support import RDM, Api, full_body, full_metadata, md5

from zenodo_publish.emulator.testing import EmulatorHandle


def test_new_record_full_flow(api: Api) -> None:
    draft = api.create()
    rid = draft["id"]
    assert isinstance(rid, str) and draft["is_draft"] and not draft["is_published"]
    assert draft["pids"] == {} and draft["versions"]["index"] == 1
    assert int(draft["parent"]["id"]) < int(rid)  # one counter, parent first
    assert draft["links"]["self"].endswith(f"/api/records/{rid}/draft")
    assert "ui" in draft and "errors" not in draft

    data = b"col\n1\n2\n"
    r = api.post(f"/records/{rid}/draft/files", json=[{"key": "a.csv"}, {"key": "b.bin"}])
    assert r.status_code == 201
    entries = r.json()["entries"]
    assert [e["key"] for e in entries] == ["a.csv", "b.bin"]
    assert all(e["status"] == "pending" for e in entries)
    assert set(entries[0]["links"]) >= {"self", "content", "commit"}

    r = api.put(
        f"/records/{rid}/draft/files/a.csv/content",
        data=data,
        headers={"Content-Type": "application/octet-stream"},
    )
    assert r.status_code == 200 and r.json()["status"] == "pending"
    r = api.post(f"/records/{rid}/draft/files/a.csv/commit")
    assert r.status_code == 200
    committed = r.json()
    assert committed["status"] == "completed"
    assert committed["checksum"] == f"md5:{md5(data)}" and committed["size"] == len(data)

    # b.bin is still pending: publish refuses.
    r = api.post(f"/records/{rid}/draft/actions/publish")
    assert r.status_code == 400
    assert any(e["field"] == "files" for e in r.json()["errors"])
    assert api.delete(f"/records/{rid}/draft/files/b.bin").status_code == 204

    body = full_body()
    body["files"] = {"enabled": True, "order": ["a.csv"], "default_preview": "a.csv"}
    r = api.put(f"/records/{rid}/draft", json=body)
    assert r.status_code == 200 and "errors" not in r.json()
    assert r.json()["files"]["entries"]["a.csv"]["checksum"] == f"md5:{md5(data)}"

    record = api.publish(rid)
    assert record["is_published"] and not record["is_draft"]
    assert record["pids"]["doi"]["identifier"] == f"10.5072/zenodo.{rid}"
    parent = record["parent"]
    assert parent["pids"]["doi"]["identifier"] == f"10.5072/zenodo.{parent['id']}"
    assert record["versions"] == {"index": 1, "is_latest": True, "is_latest_draft": True}
    assert api.get(f"/records/{rid}/draft").status_code == 404
    r = api.get(f"/records/{rid}/files/a.csv/content")
    assert r.status_code == 200 and r.content == data
    assert r.headers["ETag"] == f'"md5:{md5(data)}"'


def test_new_version_flow(api: Api) -> None:
    v1 = api.published_record({"keep.txt": b"keep", "old.txt": b"old"})
    r = api.post(f"/records/{v1['id']}/versions")
    assert r.status_code == 201
    v2 = r.json()
    assert v2["id"] != v1["id"] and v2["parent"]["id"] == v1["parent"]["id"]
    assert v2["versions"]["index"] == 2 and v2["pids"] == {}
    assert v2["files"]["entries"] == {} and v2["files"]["enabled"] is True
    # Today's publication date, no version (inveniordm-real.md §3.8).
    assert v2["metadata"]["publication_date"] and "version" not in v2["metadata"]
    assert v2["metadata"]["title"] == "My tool"

    # Idempotent: the same draft comes back.
    again = api.post(f"/records/{v1['id']}/versions")
    assert again.status_code == 201 and again.json()["id"] == v2["id"]

    r = api.post(f"/records/{v2['id']}/draft/actions/files-import")
    assert r.status_code == 201
    assert {e["key"]: e["checksum"] for e in r.json()["entries"]} == {
        "keep.txt": f"md5:{md5(b'keep')}",
        "old.txt": f"md5:{md5(b'old')}",
    }
    r = api.post(f"/records/{v2['id']}/draft/actions/files-import")
    assert r.status_code == 400
    assert r.json()["errors"] == [
        {"field": "files.enabled", "messages": ["Please remove all files first."]}
    ]

    assert api.delete(f"/records/{v2['id']}/draft/files/old.txt").status_code == 204
    api.upload(v2["id"], "new.txt", b"new")

    # zenodo-api.md §8.16 said publication_date is gone on the new version; the real code gives
    # it today's date, so the draft saves and publishes without one being sent
    # (inveniordm-real.md §3.8).
    body = full_body(version="v2.0.0")
    del body["metadata"]["publication_date"]
    r = api.put(
        f"/records/{v2['id']}/draft",
        json={
            **body,
            "metadata": {
                **body["metadata"],
                "publication_date": v2["metadata"]["publication_date"],
            },
        },
    )
    assert r.status_code == 200 and "errors" not in r.json()
    published = api.publish(v2["id"])
    assert published["pids"]["doi"]["identifier"] == f"10.5072/zenodo.{v2['id']}"
    assert sorted(published["files"]["entries"]) == ["keep.txt", "new.txt"]

    old = api.get(f"/records/{v1['id']}").json()
    assert old["versions"]["is_latest"] is False
    latest = api.get(f"/records/{v1['id']}/versions/latest")
    assert latest.status_code == 301
    assert latest.headers["Location"].endswith(f"/api/records/{v2['id']}")
    assert latest.json()["location"] == latest.headers["Location"]

    versions = api.get(f"/records/{v1['id']}/versions").json()["hits"]
    assert [h["id"] for h in versions["hits"]] == [v2["id"], v1["id"]]
    assert versions["total"] == 2
    # Old file content stays readable on the old version.
    assert api.get(f"/records/{v1['id']}/files/old.txt/content").content == b"old"


def test_edit_published_record_locks_files(api: Api) -> None:
    record = api.published_record()
    rid = record["id"]
    r = api.post(f"/records/{rid}/draft")
    assert r.status_code == 201
    edit = r.json()
    assert edit["id"] == rid and edit["is_published"] and edit["is_draft"]
    assert edit["pids"]["doi"] == record["pids"]["doi"]
    assert api.post(f"/records/{rid}/draft").json()["revision_id"] == edit["revision_id"]

    # Adding a file to an edit draft is allowed; the lock stops content and delete (§3.10).
    r = api.post(f"/records/{rid}/draft/files", json=[{"key": "x.txt"}])
    assert r.status_code == 201
    assert api.delete(f"/records/{rid}/draft/files/x.txt").status_code == 403
    # The pending x.txt can be neither filled nor removed: only discarding the edit helps.
    assert api.delete(f"/records/{rid}/draft").status_code == 204
    assert api.post(f"/records/{rid}/draft").status_code == 201
    assert api.delete(f"/records/{rid}/draft/files/data.csv").status_code == 403
    r = api.put(f"/records/{rid}/draft/files/data.csv/content", data=b"x")
    assert r.status_code == 403

    r = api.put(f"/records/{rid}/draft", json=full_body(title="Better title"))
    assert r.status_code == 200
    republished = api.publish(rid)
    assert republished["metadata"]["title"] == "Better title"
    assert republished["pids"]["doi"] == record["pids"]["doi"]

    # Discarding an edit leaves the published record alone.
    api.post(f"/records/{rid}/draft")
    assert api.delete(f"/records/{rid}/draft").status_code == 204
    assert api.get(f"/records/{rid}").json()["metadata"]["title"] == "Better title"


def test_delete_new_draft_removes_it(api: Api) -> None:
    draft = api.create()
    assert api.delete(f"/records/{draft['id']}/draft").status_code == 204
    assert api.get(f"/records/{draft['id']}/draft").status_code == 404
    assert api.get("/user/records").json()["hits"]["total"] == 0


def test_reserve_doi(api: Api) -> None:
    draft = api.create()
    r = api.post(f"/records/{draft['id']}/draft/pids/doi")
    assert r.status_code == 201
    assert r.json()["pids"]["doi"] == {
        "identifier": f"10.5072/zenodo.{draft['id']}",
        "provider": "datacite",
        "client": "datacite",
    }
    r = api.post(f"/records/{draft['id']}/draft/pids/doi")
    assert r.status_code == 400
    assert r.json()["errors"][0] == {
        "field": "pids.doi",
        "messages": ["A PID already exists for type doi"],
    }
    assert api.delete(f"/records/{draft['id']}/draft/pids/doi").status_code == 204
    assert api.get(f"/records/{draft['id']}/draft").json()["pids"] == {}


def test_etag_and_if_match(api: Api) -> None:
    draft = api.create()
    r = api.get(f"/records/{draft['id']}/draft")
    etag = r.headers["ETag"]
    assert etag == f'"{r.json()["revision_id"]}"'
    ok = api.put(f"/records/{draft['id']}/draft", json=full_body(), headers={"If-Match": etag})
    assert ok.status_code == 200 and ok.headers["ETag"] != etag
    stale = api.put(f"/records/{draft['id']}/draft", json=full_body(), headers={"If-Match": etag})
    assert stale.status_code == 412 and stale.json()["status"] == 412
    assert (
        api.delete(f"/records/{draft['id']}/draft", headers={"If-Match": etag}).status_code == 412
    )


def test_production_flavour_uses_10_5281() -> None:
    from zenodo_publish.emulator.testing import running_emulator

    with running_emulator(flavour="production") as emu:
        record = Api(emu, emu.token).published_record()
        assert record["pids"]["doi"]["identifier"] == f"10.5281/zenodo.{record['id']}"


def test_zenodo_json_is_the_default(emulator: EmulatorHandle, api: Api) -> None:
    record = api.published_record({"f.txt": b"hello"})
    plain = Api(emulator, emulator.token, accept="application/json")
    body = plain.get(f"/records/{record['id']}").json()
    assert body["id"] == int(record["id"]) and body["recid"] == record["id"]
    assert body["conceptrecid"] == record["parent"]["id"]
    assert body["status"] == "published" and body["state"] == "done"
    assert body["files"][0]["key"] == "f.txt"  # "key", not "filename" (§8.3)
    assert body["files"][0]["checksum"] == f"md5:{md5(b'hello')}"
    assert body["metadata"]["license"] == {"id": "cc-by-4.0"}
    assert body["metadata"]["relations"]["version"][0]["index"] == 0
    for rdm_only in ("access", "pids", "versions", "is_published"):
        assert rdm_only not in body
    no_accept = Api(emulator, emulator.token, accept=None)
    assert "recid" in no_accept.get(f"/records/{record['id']}").json()
    rdm = api.get(f"/records/{record['id']}")
    assert rdm.headers["Content-Type"].startswith(RDM) and "ui" in rdm.json()
    assert api.get(f"/records/{record['id']}", headers={"Accept": "text/csv"}).status_code == 406


def test_draft_saves_report_errors(api: Api) -> None:
    r = api.post(
        "/records",
        json={
            "metadata": {
                "title": "ab",
                "creators": [{"person_or_org": {"type": "personal", "given_name": "Ada"}}],
            }
        },
    )
    assert r.status_code == 201
    fields = {e["field"]: e["messages"] for e in r.json()["errors"]}
    assert fields["metadata.title"] == ["Shorter than minimum length 3."]
    assert fields["metadata.creators.0.person_or_org.family_name"] == [
        "Family name cannot be blank."
    ]
    assert fields["metadata.resource_type"] == ["Missing data for required field."]
    assert "title" not in r.json()["metadata"]  # invalid fields are dropped
    # The Zenodo JSON shape never shows errors (§6.3).
    plain = api.get(f"/records/{r.json()['id']}/draft", headers={"Accept": "application/json"})
    assert "errors" not in plain.json()

    r = api.post("/records", json={"metadata": full_metadata()})
    assert "errors" not in r.json()
    r = api.post(f"/records/{r.json()['id']}/draft/actions/publish")
    assert r.status_code == 400  # no files
    assert r.json()["message"] == "A validation error occurred."


def test_publisher_required_at_publish(api: Api) -> None:
    metadata = full_metadata()
    del metadata["publisher"]
    draft = api.create({"metadata": metadata})
    assert "errors" not in draft  # the schema accepts it...
    api.upload(draft["id"], "a.txt", b"a")
    r = api.post(f"/records/{draft['id']}/draft/actions/publish")
    assert r.status_code == 400  # ...the DOI provider does not
    assert r.json()["errors"] == [
        {
            "field": "metadata.publisher",
            "messages": ["Missing publisher field required for DOI registration."],
        }
    ]


def test_vocabulary_and_shape_errors(api: Api) -> None:
    for metadata, bad in (
        (full_metadata(rights=[{"id": "MIT"}]), "MIT"),
        (full_metadata(resource_type={"id": "publication-thesis"}), "publication-thesis"),
        (full_metadata(languages=[{"id": "en"}]), "en"),
        (
            full_metadata(
                related_identifiers=[
                    {
                        "identifier": "10.1/x",
                        "scheme": "doi",
                        "relation_type": {"id": "isSupplementTo"},
                    }
                ]
            ),
            "isSupplementTo",
        ),
    ):
        r = api.post("/records", json={"metadata": metadata})
        assert r.status_code == 400
        assert r.json() == {"status": 400, "message": f"Invalid value {bad}."}
    r = api.post("/records", data="{not json", headers={"Content-Type": "application/json"})
    assert r.status_code == 400
    r = api.post("/records", data="<xml/>", headers={"Content-Type": "application/xml"})
    assert r.status_code == 415
    # No metadata-only records on Zenodo: saved, files stay enabled, the answer says why (§3.11).
    r = api.post("/records", json={"metadata": full_metadata(), "files": {"enabled": False}})
    assert r.status_code == 201 and r.json()["errors"][0]["field"] == "files.enabled"
    assert r.json()["files"]["enabled"] is True
    r = api.post(
        "/records",
        json={"metadata": full_metadata(), "access": {"record": "restricted", "files": "public"}},
    )
    assert r.status_code == 400
    r = api.get("/vocabularies/licenses", params={"q": "mit"})
    ids = [h["id"] for h in r.json()["hits"]["hits"]]
    assert "mit" in ids and "cc-by-4.0" not in ids


def test_sandbox_rejects_production_doi(api: Api) -> None:
    body = full_body()
    body["pids"] = {"doi": {"identifier": "10.5281/zenodo.5", "provider": "datacite"}}
    draft = api.create(body)
    assert {
        "field": "pids.doi",
        "messages": ["Wrong DOI 10.5281 prefix provided, it should be 10.5072"],
    } in draft["errors"]
