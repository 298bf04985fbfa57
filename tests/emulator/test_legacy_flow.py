"""§7 step 7 through the legacy deposit API, with today's behaviour and the §8 quirks."""

from __future__ import annotations

import datetime
from typing import Any

from emu_support import LEGACY_METADATA, Api, md5

from zenodo_publish.emulator.testing import EmulatorHandle

DEP = "/deposit/depositions"


def _published_deposition(legacy: Api, files: dict[str, bytes] | None = None) -> dict[str, Any]:
    dep = legacy.post(DEP, json={}).json()
    bucket = legacy.get(f"{DEP}/{dep['id']}").json()["links"]["bucket"]
    for key, data in (files or {"data.csv": b"1,2\n"}).items():
        assert legacy.put(f"{bucket}/{key}", data=data).status_code == 201
    assert legacy.put(f"{DEP}/{dep['id']}", json={"metadata": LEGACY_METADATA}).status_code == 200
    r = legacy.post(f"{DEP}/{dep['id']}/actions/publish")
    assert r.status_code == 202, r.text
    return dict(r.json())


def test_new_deposition_flow(legacy: Api) -> None:
    r = legacy.post(DEP, json={})
    assert r.status_code == 201
    dep = r.json()
    assert isinstance(dep["id"], int) and dep["record_id"] == dep["id"]
    assert dep["conceptrecid"] == str(int(dep["conceptrecid"]))
    assert (dep["state"], dep["submitted"], dep["title"]) == ("unsubmitted", False, "")
    assert dep["metadata"]["prereserve_doi"] == {
        "doi": f"10.5281/zenodo.{dep['id']}",
        "recid": dep["id"],
    }
    assert "doi" not in dep and "conceptdoi" not in dep
    bucket = dep["links"]["bucket"]
    assert "/api/files/" in bucket

    data = b"x,y\n1,2\n"
    r = legacy.put(
        f"{bucket}/data.csv", data=data, headers={"Content-Type": "application/octet-stream"}
    )
    assert r.status_code == 201
    obj = r.json()
    assert obj["checksum"] == f"md5:{md5(data)}" and obj["size"] == len(data)
    assert obj["key"] == "data.csv" and obj["mimetype"] == "text/csv"
    assert obj["is_head"] is True and obj["delete_marker"] is False
    # Bucket PUT overwrites.
    r = legacy.put(f"{bucket}/data.csv", data=b"new")
    assert r.status_code == 201 and r.json()["checksum"] == f"md5:{md5(b'new')}"

    r = legacy.post(
        f"{DEP}/{dep['id']}/files", files={"file": ("x", b"abc")}, data={"name": "my file (v2).csv"}
    )
    assert r.status_code == 201
    multipart = r.json()
    assert multipart["filename"] == "my_file_v2.csv"
    assert multipart["checksum"] == md5(b"abc") and multipart["filesize"] == 3
    r = legacy.post(f"{DEP}/{dep['id']}/files", files={"file": ("my_file_v2.csv", b"z")})
    assert r.status_code == 400  # no overwrite through multipart

    listing = legacy.get(f"{DEP}/{dep['id']}/files").json()
    assert {f["filename"]: f["checksum"] for f in listing} == {
        "data.csv": md5(b"new"),
        "my_file_v2.csv": md5(b"abc"),
    }
    assert legacy.delete(f"{DEP}/{dep['id']}/files/{multipart['id']}").status_code == 204
    assert legacy.put(f"{DEP}/{dep['id']}/files", json=[]).status_code == 405
    assert legacy.put(f"{DEP}/{dep['id']}/files/{multipart['id']}", json={}).status_code == 405

    r = legacy.put(f"{DEP}/{dep['id']}", json={"metadata": LEGACY_METADATA})
    assert r.status_code == 200
    assert r.json()["metadata"]["license"] == "cc-by-4.0"

    r = legacy.post(f"{DEP}/{dep['id']}/actions/publish")
    assert r.status_code == 202
    done = r.json()
    assert (done["state"], done["submitted"]) == ("done", True)
    assert done["doi"] == f"10.5072/zenodo.{dep['id']}"  # sandbox flavour
    assert done["conceptdoi"] == f"10.5072/zenodo.{dep['conceptrecid']}"
    # prereserve_doi stays hard-coded to 10.5281 even on the sandbox (§8.11).
    assert done["metadata"]["prereserve_doi"]["doi"] == f"10.5281/zenodo.{dep['id']}"
    assert done["links"]["self"].endswith(f"/api/records/{dep['id']}")
    assert legacy.post(f"{DEP}/{dep['id']}/actions/publish").status_code == 404
    assert legacy.put(f"{DEP}/{dep['id']}", json={"metadata": {}}).status_code == 404
    assert legacy.delete(f"{DEP}/{dep['id']}").status_code == 404
    assert legacy.put(f"{bucket}/late.txt", data=b"late").status_code == 403


def test_newversion_current_behaviour(legacy: Api) -> None:
    first = _published_deposition(legacy, {"a.txt": b"a", "b.txt": b"b"})
    r = legacy.post(f"{DEP}/{first['id']}/actions/newversion")
    assert r.status_code == 201
    new = r.json()
    assert new["id"] != first["id"] and new["conceptrecid"] == first["conceptrecid"]
    assert new["links"]["latest_draft"].endswith(f"{DEP}/{new['id']}")
    assert sorted(f["filename"] for f in new["files"]) == ["a.txt", "b.txt"]
    assert (new["state"], new["submitted"]) == ("unsubmitted", False)
    # Today's publication date, no version (inveniordm-real.md §3.8).
    assert new["metadata"]["publication_date"] == emulator_today(legacy)
    assert "version" not in new["metadata"]

    r = legacy.post(f"{DEP}/{first['id']}/actions/newversion")
    assert r.status_code == 400  # §8.1
    assert r.json()["errors"] == [
        {"field": "files.enabled", "messages": ["Please remove all files first."]}
    ]

    bucket = legacy.get(f"{DEP}/{new['id']}").json()["links"]["bucket"]
    assert legacy.put(f"{bucket}/b.txt", data=b"b2").status_code == 201
    metadata = dict(LEGACY_METADATA, version="2.0", publication_date="2026-06-01")
    assert legacy.put(f"{DEP}/{new['id']}", json={"metadata": metadata}).status_code == 200
    r = legacy.post(f"{DEP}/{new['id']}/actions/publish")
    assert r.status_code == 202
    assert {f["filename"]: f["checksum"] for f in r.json()["files"]} == {
        "a.txt": md5(b"a"),
        "b.txt": md5(b"b2"),
    }


def test_newversion_with_empty_draft_reimports(legacy: Api) -> None:
    first = _published_deposition(legacy)
    new = legacy.post(f"{DEP}/{first['id']}/actions/newversion").json()
    for f in new["files"]:
        legacy.delete(f"{DEP}/{new['id']}/files/{f['id']}")
    again = legacy.post(f"{DEP}/{first['id']}/actions/newversion")
    assert again.status_code == 201 and again.json()["id"] == new["id"]
    assert len(again.json()["files"]) == 1


def test_put_replaces_metadata_with_defaults(emulator: EmulatorHandle, legacy: Api) -> None:
    dep = legacy.post(
        DEP, json={"metadata": dict(LEGACY_METADATA, license="MIT", publication_date="2020-01-01")}
    ).json()
    assert dep["metadata"]["license"] == "mit-license"  # read back as the legacy id
    r = legacy.put(f"{DEP}/{dep['id']}", json={"metadata": {"title": "Only a title"}})
    assert r.status_code == 200
    md = r.json()["metadata"]
    assert md["title"] == "Only a title"
    assert "creators" not in md and "keywords" not in md and "upload_type" not in md
    assert md["publication_date"] == datetime.datetime.now(datetime.UTC).date().isoformat()
    assert md["access_right"] == "open" and md["license"] == "cc-by-4.0"
    dataset = legacy.put(f"{DEP}/{dep['id']}", json={"metadata": {"upload_type": "dataset"}})
    assert dataset.json()["metadata"]["license"] == "cc-zero"


def test_legacy_translation_details(legacy: Api) -> None:
    metadata = dict(
        LEGACY_METADATA,
        upload_type="publication",
        publication_type="thesis",
        license="Apache-2.0",
        access_right="closed",
        related_identifiers=[
            {"identifier": "https://github.com/o/r", "relation": "isSupplementTo"}
        ],
        creators=[
            {"name": "Lovelace, Ada", "orcid": "https://orcid.org/0000-0002-1825-0097"},
            {"name": "Babbage Charles Jr, III, X"},
        ],
    )
    dep = legacy.post(DEP, json={"metadata": metadata}).json()
    md = dep["metadata"]
    assert md["publication_type"] == "dissertation"
    assert md["access_right"] == "restricted"  # closed reads back as restricted
    assert "license" not in md  # no license for restricted access
    assert md["related_identifiers"] == [
        {"identifier": "https://github.com/o/r", "relation": "isSupplementTo", "scheme": "url"}
    ]
    assert md["creators"][0] == {"name": "Lovelace, Ada", "orcid": "0000-0002-1825-0097"}
    assert md["creators"][1]["name"] == "Babbage Charles Jr, III, X"

    for body, field in (
        ({"metadata": dict(LEGACY_METADATA, license="not-a-license")}, "metadata.license"),
        ({"metadata": dict(LEGACY_METADATA, access_right="secret")}, "metadata.access_right"),
        (
            {"metadata": dict(LEGACY_METADATA, related_identifiers="x")},
            "metadata.related_identifiers",
        ),
        ({"metadata": dict(LEGACY_METADATA, language="english")}, "metadata.language"),
        ({"metadata": {}, "unknown": 1}, "unknown"),
    ):
        r = legacy.post(DEP, json=body)
        assert r.status_code == 400, body
        assert r.json()["errors"][0]["field"] == field
        assert isinstance(r.json()["errors"][0]["messages"], list)
    r = legacy.post(DEP, json={"metadata": dict(LEGACY_METADATA, license="nope")})
    assert r.json()["errors"][0]["messages"] == ["Invalid license provided: nope"]


def test_edit_discard_and_list(legacy: Api) -> None:
    dep = _published_deposition(legacy)
    r = legacy.post(f"{DEP}/{dep['id']}/actions/edit")
    assert r.status_code == 201
    edit = r.json()
    assert (edit["state"], edit["submitted"]) == ("inprogress", True)
    # Edits must re-send publication_date, or it becomes today (§5.3).
    metadata = dict(LEGACY_METADATA, title="Edited")
    assert legacy.put(f"{DEP}/{dep['id']}", json={"metadata": metadata}).status_code == 200
    bucket = legacy.get(f"{DEP}/{dep['id']}").json()["links"]["bucket"]
    assert legacy.put(f"{bucket}/new.txt", data=b"n").status_code == 403  # locked
    r = legacy.post(f"{DEP}/{dep['id']}/actions/publish")
    assert r.status_code == 202 and r.json()["title"] == "Edited"

    legacy.post(f"{DEP}/{dep['id']}/actions/edit")
    r = legacy.post(f"{DEP}/{dep['id']}/actions/discard")
    assert r.status_code == 204 and r.content == b""
    assert legacy.get(f"{DEP}/{dep['id']}").json()["state"] == "done"

    draft = legacy.post(DEP, json={}).json()
    listing = legacy.get(DEP)
    assert listing.status_code == 200 and isinstance(listing.json(), list)
    ids = [d["id"] for d in listing.json()]
    assert set(ids) == {dep["id"], draft["id"]}
    assert all("bucket" not in d["links"] for d in listing.json())  # §8.2
    assert "bucket" in legacy.get(f"{DEP}/{draft['id']}").json()["links"]
    assert legacy.delete(f"{DEP}/{draft['id']}").status_code == 204


def test_bucket_keys_with_slash_404_but_rdm_accepts_them(api: Api, legacy: Api) -> None:
    dep = legacy.post(DEP, json={}).json()
    bucket = dep["links"]["bucket"]
    assert legacy.put(f"{bucket}/dir/file.txt", data=b"x").status_code == 404
    rid = str(dep["id"])
    committed = api.upload(rid, "owner/repo-v1.zip", b"zip")
    assert committed["key"] == "owner/repo-v1.zip"
    assert api.get(f"/records/{rid}/draft/files/owner/repo-v1.zip").status_code == 200
    assert api.get(f"/records/{rid}/draft/files/owner%2Frepo-v1.zip").status_code == 404
    r = api.get(f"/records/{rid}/draft/files/owner/repo-v1.zip/content")
    assert r.content == b"zip"


def test_mixed_apis_share_one_state(api: Api, legacy: Api) -> None:
    draft = api.create()
    api.upload(draft["id"], "a.txt", b"a")
    dep = legacy.get(f"{DEP}/{draft['id']}").json()
    assert [f["filename"] for f in dep["files"]] == ["a.txt"]
    assert dep["metadata"]["title"] == "My tool"
    r = legacy.post(f"{DEP}/{draft['id']}/actions/publish")
    assert r.status_code == 202
    assert api.get(f"/records/{draft['id']}").json()["is_published"] is True


def emulator_today(api: Api) -> str:
    clock = api.handle.control.clock()
    now = clock.get("now", clock.get("time"))
    return datetime.datetime.fromtimestamp(float(now), datetime.UTC).date().isoformat()
