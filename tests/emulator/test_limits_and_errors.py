"""Hard limits (§4), error shapes (§2), tokens (§1.2) and users kept apart."""

from __future__ import annotations

import threading

import requests
from emu_support import Api, full_body, md5

from zenodo_publish.emulator.testing import EmulatorHandle

DEP = "/deposit/depositions"


def test_file_count_limit_at_init(emulator: EmulatorHandle, api: Api) -> None:
    draft = api.create()
    r = api.post(
        f"/records/{draft['id']}/draft/files", json=[{"key": f"f{i}.txt"} for i in range(101)]
    )
    assert r.status_code == 400
    assert r.json() == {
        "status": 400,
        "message": "Uploading selected files will result in exceeding the max amount per record.",
    }
    r = api.post(
        f"/records/{draft['id']}/draft/files", json=[{"key": f"f{i}.txt"} for i in range(100)]
    )
    assert r.status_code == 201 and len(r.json()["entries"]) == 100

    emulator.control.config(max_files=2)
    dep = Api(emulator, emulator.token, accept=None).post(DEP, json={}).json()
    bucket = dep["links"]["bucket"]
    for name in ("a", "b"):
        assert api.put(f"{bucket}/{name}", data=b"x").status_code == 201
    assert api.put(f"{bucket}/c", data=b"x").status_code == 400
    assert api.put(f"{bucket}/a", data=b"overwrite is fine").status_code == 201


def test_duplicate_and_long_keys(api: Api) -> None:
    draft = api.create()
    files = f"/records/{draft['id']}/draft/files"
    assert api.post(files, json=[{"key": "a.txt"}]).status_code == 201
    r = api.post(files, json=[{"key": "a.txt"}])
    assert r.json() == {"status": 400, "message": "File with key a.txt already exists."}
    r = api.post(files, json=[{"key": "k" * 256}])
    assert (r.status_code, r.json()["message"]) == (400, "Filename is too long.")
    assert api.post(files, json=[{"key": "k" * 255}]).status_code == 201
    assert api.post(files, json=[]).status_code == 400


def test_empty_file_refused_at_commit(api: Api) -> None:
    draft = api.create()
    rid = draft["id"]
    api.post(f"/records/{rid}/draft/files", json=[{"key": "empty.txt"}])
    assert api.put(f"/records/{rid}/draft/files/empty.txt/content", data=b"").status_code == 200
    r = api.post(f"/records/{rid}/draft/files/empty.txt/commit")
    assert r.json() == {"status": 400, "message": "Empty files are not accepted."}
    entry = api.get(f"/records/{rid}/draft/files/empty.txt").json()
    assert entry["status"] == "pending"
    bucket = (
        Api(api.handle, api.handle.token, accept=None).get(f"{DEP}/{rid}").json()["links"]["bucket"]
    )
    assert api.put(f"{bucket}/zero.bin", data=b"").status_code == 400


def test_quota_and_max_file_size(emulator: EmulatorHandle, api: Api) -> None:
    emulator.control.config(quota_bytes=10, max_file_bytes=6)
    draft = api.create()
    rid = draft["id"]
    api.post(f"/records/{rid}/draft/files", json=[{"key": "a"}, {"key": "b"}, {"key": "c"}])
    content = f"/records/{rid}/draft/files/{{}}/content"
    r = api.put(content.format("a"), data=b"1234567")
    assert r.json() == {"status": 400, "message": "Maximum file size exceeded."}
    assert api.put(content.format("a"), data=b"123456").status_code == 200
    # Content may be re-PUT before commit; the old bytes no longer count.
    assert api.put(content.format("a"), data=b"12345").status_code == 200
    assert api.put(content.format("b"), data=b"12345").status_code == 200
    r = api.put(content.format("c"), data=b"1")
    assert r.json() == {"status": 400, "message": "Bucket quota exceeded."}
    # A streamed body (no Content-Length) is checked while it arrives.
    r = api.put(content.format("c"), data=iter([b"1", b"2"]))
    assert r.json()["message"] == "Bucket quota exceeded."
    api.post(f"/records/{rid}/draft/files/a/commit")
    # A failed transfer, as InvenioRDM answers it (inveniordm-real.md §3.2): 200 with
    # "errors", and the entry is gone.
    r = api.put(content.format("a"), data=b"1")
    assert r.status_code == 200 and r.json()["errors"] == "File upload transfer failed."
    listed = api.get(f"/records/{rid}/draft/files").json()["entries"]
    assert "a" not in [e["key"] for e in listed]


def test_content_type_rules(api: Api) -> None:
    draft = api.create()
    rid = draft["id"]
    api.post(f"/records/{rid}/draft/files", json=[{"key": "a.zip"}])
    url = f"/records/{rid}/draft/files/a.zip/content"
    assert api.put(url, data=b"z", headers={"Content-Type": "application/zip"}).status_code == 415
    r = api.put(url, data=b"zip")  # no Content-Type at all is accepted
    assert r.status_code == 200 and r.json()["checksum"] == f"md5:{md5(b'zip')}"


def test_missing_or_wrong_token_is_403(emulator: EmulatorHandle, api: Api) -> None:
    record = api.published_record()
    for token in (None, "wrong-token"):
        anon = Api(emulator, token)
        r = anon.post("/records", json=full_body())
        assert r.status_code == 403 and r.json()["status"] == 403
        assert anon.get("/user/records").status_code == 403
        assert anon.post(DEP, json={}).status_code == 403
        # Public reads need no token, and a bad token is simply anonymous.
        assert anon.get(f"/records/{record['id']}").status_code == 200
    as_query = requests.get(
        f"{emulator.api_url}/user/records", params={"access_token": emulator.token}, timeout=10
    )
    assert as_query.status_code == 200


def test_two_users_cannot_see_each_other(emulator: EmulatorHandle, api: Api) -> None:
    other = Api(emulator, emulator.new_user())
    mine = api.create()
    theirs = other.create()
    rid = mine["id"]
    assert other.get(f"/records/{rid}/draft").status_code == 403
    assert other.put(f"/records/{rid}/draft", json=full_body()).status_code == 403
    assert other.delete(f"/records/{rid}/draft").status_code == 403
    assert other.post(f"/records/{rid}/draft/files", json=[{"key": "x"}]).status_code == 403
    assert other.post(f"/records/{rid}/draft/actions/publish").status_code == 403
    assert other.get(f"{DEP}/{rid}").status_code == 403
    assert other.put(f"{DEP}/{rid}", json={"metadata": {}}).status_code == 403
    bucket = (
        Api(emulator, emulator.token, accept=None).get(f"{DEP}/{rid}").json()["links"]["bucket"]
    )
    assert other.put(f"{bucket}/x.txt", data=b"x").status_code == 403
    assert [h["id"] for h in other.get("/user/records").json()["hits"]["hits"]] == [theirs["id"]]
    assert [d["id"] for d in other.get(DEP).json()] == [int(theirs["id"])]
    assert api.get(f"/records/{rid}/draft").status_code == 200
    # Once published, the record is public, but still not theirs to version or edit.
    api.upload(rid, "a.txt", b"a")
    api.publish(rid)
    assert other.get(f"/records/{rid}").status_code == 200
    assert other.post(f"/records/{rid}/versions").status_code == 403
    assert other.post(f"/records/{rid}/draft").status_code == 403


def test_page_size_limits(emulator: EmulatorHandle, api: Api) -> None:
    assert api.get("/user/records", params={"size": 100}).status_code == 200
    r = api.get("/user/records", params={"size": 101})
    assert r.json() == {"status": 400, "message": "Page size cannot be greater than 100."}
    anon = Api(emulator, None)
    assert anon.get("/records", params={"size": 26}).status_code == 400


def test_concurrent_uploads(api: Api) -> None:
    draft = api.create()
    rid = draft["id"]
    keys = [f"part{i}.bin" for i in range(6)]
    api.post(f"/records/{rid}/draft/files", json=[{"key": k} for k in keys])
    results: dict[str, int] = {}

    def put(key: str) -> None:
        body = (key.encode() * 50_000)[:200_000]
        r = api.put(
            f"/records/{rid}/draft/files/{key}/content", data=iter([body[:1000], body[1000:]])
        )
        results[key] = r.status_code

    threads = [threading.Thread(target=put, args=(k,)) for k in keys]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == dict.fromkeys(keys, 200)
    for key in keys:
        r = api.post(f"/records/{rid}/draft/files/{key}/commit")
        assert r.json()["checksum"] == f"md5:{md5((key.encode() * 50_000)[:200_000])}"
