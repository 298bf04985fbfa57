"""Finding records (§6.9) and the CLI subprocess mode."""

from __future__ import annotations

from emu_support import Api, full_body

from zenodo_publish.cli import main
from zenodo_publish.emulator.testing import EmulatorHandle, spawned_emulator


def _ids(response: object) -> list[str]:
    body = response.json()  # type: ignore[attr-defined]
    return [hit["id"] for hit in body["hits"]["hits"]]


def test_user_records_queries(api: Api) -> None:
    v1 = api.published_record()
    v2 = api.post(f"/records/{v1['id']}/versions").json()
    other = api.create(full_body(title="Something else", related_identifiers=[]))
    concept = v1["parent"]["id"]

    # Latest per concept by default: the pending new-version draft stands for the concept.
    assert sorted(_ids(api.get("/user/records"))) == sorted([v2["id"], other["id"]])
    everything = api.get("/user/records", params={"allversions": "true"})
    assert sorted(_ids(everything)) == sorted([v1["id"], v2["id"], other["id"]])

    for q in (f"parent.id:{concept}", f"conceptrecid:{concept}"):
        hits = api.get("/user/records", params={"q": q, "allversions": "true"})
        assert sorted(_ids(hits)) == sorted([v1["id"], v2["id"]])
        states = {h["id"]: h["is_published"] for h in hits.json()["hits"]["hits"]}
        assert states == {v1["id"]: True, v2["id"]: False}
    for q in (
        f"id:{v1['id']}",
        f"recid:{v1['id']}",
        f'doi:"{v1["pids"]["doi"]["identifier"]}"',
        f'conceptdoi:"{v1["parent"]["pids"]["doi"]["identifier"]}" AND is_published:true',
        'metadata.related_identifiers.identifier:"https://github.com/o/r" AND is_published:true',
        r"related_identifiers.identifier:https\://github.com/o/r AND is_published:true",
    ):
        hits = api.get("/user/records", params={"q": q, "allversions": "true"})
        assert _ids(hits) == [v1["id"]], q
    assert _ids(api.get("/user/records", params={"q": '"Something else"'})) == [other["id"]]
    assert _ids(api.get("/user/records", params={"q": "title:nothing"})) == []

    page = api.get(
        "/user/records", params={"allversions": "true", "size": 2, "page": 2, "sort": "oldest"}
    )
    assert page.json()["hits"]["total"] == 3 and _ids(page) == [other["id"]]
    assert api.get("/user/records", params={"sort": "bogus"}).status_code == 400
    # Versions lists published versions only.
    assert _ids(api.get(f"/records/{v1['id']}/versions")) == [v1["id"]]


def test_legacy_list_queries(legacy: Api, api: Api) -> None:
    v1 = api.published_record()
    api.create(full_body(title="Unrelated"))
    concept = v1["parent"]["id"]
    hits = legacy.get("/deposit/depositions", params={"q": f"conceptrecid:{concept}"}).json()
    assert [d["id"] for d in hits] == [int(v1["id"])]
    assert legacy.get("/deposit/depositions", params={"size": 101}).status_code == 400


def test_cli_subprocess_production() -> None:
    with spawned_emulator("--production", "--token", "fixed-token") as emu:
        assert emu.token == "fixed-token"
        assert emu.control.health()["flavour"] == "production"
        record = Api(emu, emu.token).published_record()
        assert record["pids"]["doi"]["identifier"].startswith("10.5281/zenodo.")
    assert emu.process is not None and emu.process.returncode == 0


def test_cli_rejects_bad_settings(capsys: object) -> None:
    assert main(["emulator", "--rate-limit", "lots"]) == 2


def test_fixture_isolation_first(emulator: EmulatorHandle, api: Api) -> None:
    api.create()
    emulator.control.config(max_files=1)


def test_fixture_isolation_second(emulator: EmulatorHandle, api: Api) -> None:
    assert api.get("/user/records").json()["hits"]["total"] == 0
    assert emulator.control.config()["max_files"] == 100
