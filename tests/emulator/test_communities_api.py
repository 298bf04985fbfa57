"""The emulator's communities and requests (InvenioRDM's rules as Zenodo applies them): a draft
in review cannot be published nor deleted, one open review per draft, reviews only for first
versions, inclusion requests never duplicated while open, curators decide through the control
API."""

from __future__ import annotations

from typing import Any

import pytest
from emu_support import Api

from zenodo_publish.emulator.testing import EmulatorHandle


@pytest.fixture
def lab(emulator: EmulatorHandle) -> dict[str, Any]:
    return emulator.control.new_community("hydrology-lab", "Hydrology Lab")


def draft_with_file(api: Api) -> str:
    draft = api.create()
    api.upload(draft["id"], "data.csv", b"a,b\n1,2\n")
    return str(draft["id"])


def put_review(api: Api, rid: str, community: str) -> Any:
    return api.put(
        f"/records/{rid}/draft/review",
        json={"type": "community-submission", "receiver": {"community": community}},
    )


def test_community_is_read_by_slug_or_id_and_unknown_is_404(api: Api, lab: dict[str, Any]) -> None:
    by_slug = api.get("/communities/hydrology-lab")
    by_id = api.get(f"/communities/{lab['id']}")

    assert by_slug.status_code == by_id.status_code == 200
    assert (
        by_slug.json()["id"] == lab["id"] and by_slug.json()["metadata"]["title"] == "Hydrology Lab"
    )
    assert api.get("/communities/no-such-lab").status_code == 404


def test_a_draft_in_review_cannot_be_published_deleted_or_reviewed_twice(
    api: Api, lab: dict[str, Any], emulator: EmulatorHandle
) -> None:
    rid = draft_with_file(api)
    created = put_review(api, rid, lab["id"])
    assert created.status_code == 200 and created.json()["status"] == "created"
    # An unsubmitted review already blocks a direct publish.
    assert api.post(f"/records/{rid}/draft/actions/publish").status_code == 400

    submitted = api.post(f"/records/{rid}/draft/actions/submit-review", json={})
    assert submitted.status_code == 202 and submitted.json()["status"] == "submitted"

    blocked = api.post(f"/records/{rid}/draft/actions/publish")
    assert blocked.status_code == 400 and "open review request" in blocked.json()["message"]
    assert api.delete(f"/records/{rid}/draft").status_code == 400
    assert put_review(api, rid, lab["id"]).status_code == 400
    assert api.post(f"/records/{rid}/draft/actions/submit-review", json={}).status_code == 400
    assert api.get(f"/records/{rid}").status_code == 404


def test_accept_publishes_the_draft_into_the_community(
    api: Api, lab: dict[str, Any], emulator: EmulatorHandle
) -> None:
    rid = draft_with_file(api)
    put_review(api, rid, lab["id"])
    review = api.post(f"/records/{rid}/draft/actions/submit-review", json={}).json()

    decided = emulator.control.decide(review["id"], "accept")

    assert decided["status"] == "accepted"
    record = api.get(f"/records/{rid}").json()
    assert record["is_published"] and record["pids"]["doi"]["identifier"]
    assert record["parent"]["communities"]["ids"] == [lab["id"]]
    assert api.get(f"/requests/{review['id']}").json()["status"] == "accepted"


def test_decline_leaves_a_draft_that_can_be_published_without_the_community(
    api: Api, lab: dict[str, Any], emulator: EmulatorHandle
) -> None:
    rid = draft_with_file(api)
    put_review(api, rid, lab["id"])
    review = api.post(f"/records/{rid}/draft/actions/submit-review", json={}).json()

    emulator.control.decide(review["id"], "decline")

    draft = api.get(f"/records/{rid}/draft").json()
    assert draft["parent"]["review"]["status"] == "declined"
    assert api.get(f"/records/{rid}/draft/review").json()["status"] == "declined"
    published = api.publish(rid)
    assert published["parent"]["communities"]["ids"] == []


def test_reviews_are_for_first_versions_only(api: Api, lab: dict[str, Any]) -> None:
    record = api.published_record()
    draft = api.post(f"/records/{record['id']}/versions").json()

    answer = put_review(api, draft["id"], lab["id"])

    assert answer.status_code == 400 and "new version" in answer.json()["message"]


def test_inclusion_requests_are_not_duplicated_while_open(
    api: Api, lab: dict[str, Any], emulator: EmulatorHandle
) -> None:
    record = api.published_record()
    rid = record["id"]

    first = api.post(f"/records/{rid}/communities", json={"communities": [{"id": lab["id"]}]})
    again = api.post(
        f"/records/{rid}/communities",
        json={"communities": [{"id": "hydrology-lab"}, {"id": "no-such-lab"}]},
    )

    assert first.status_code == 200 and len(first.json()["processed"]) == 1
    assert again.status_code == 400 and again.json()["processed"] == []
    messages = sorted(e["message"] for e in again.json()["errors"])
    assert messages == [
        "Community not found.",
        "There is already an open inclusion request for this community.",
    ]
    open_requests = api.get(f"/records/{rid}/requests", params={"is_open": "true"}).json()
    assert open_requests["hits"]["total"] == 1

    emulator.control.decide(first.json()["processed"][0]["request_id"], "accept")

    assert api.get(f"/records/{rid}").json()["parent"]["communities"]["ids"] == [lab["id"]]
    included = api.post(f"/records/{rid}/communities", json={"communities": [{"id": lab["id"]}]})
    assert included.json()["errors"][0]["message"].startswith("The record is already included")


def test_a_draft_cannot_ask_for_inclusion(api: Api, lab: dict[str, Any]) -> None:
    rid = draft_with_file(api)
    answer = api.post(f"/records/{rid}/communities", json={"communities": [{"id": lab["id"]}]})
    assert answer.status_code == 404
