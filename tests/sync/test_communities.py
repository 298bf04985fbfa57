"""Communities on the InvenioRDM API against the emulator (SPEC §11, issue 13): the review of a
new record's first publish, the curator's accept or decline seen by a later run, inclusion
requests for the other communities, never duplicated while one is open, and unknown slugs
refused before any write."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from engine_support import RECORD_FILE, Harness, make_repo, writes

from zenodo_publish.commands._engine_options import render_plan
from zenodo_publish.errors import UsageError
from zenodo_publish.github.summary import render_result
from zenodo_publish.sync.engine import SyncRequest, run

SLUGS = ["hydrology-lab", "rivers"]


def with_communities(repo: Path, slugs: list[str]) -> None:
    manifest = repo / "zenodo.yaml"
    text = manifest.read_text()
    lines = [line for line in text.splitlines() if not line.startswith("  communities:")]
    at = lines.index("  publisher: Zenodo") + 1
    lines.insert(at, f"  communities: [{', '.join(slugs)}]")
    manifest.write_text("\n".join(lines) + "\n")


@pytest.fixture
def communities(harness: Harness) -> dict[str, str]:
    """slug -> community id, made through the control API."""
    return {
        slug: harness.emu.control.new_community(slug, slug.title())["id"]
        for slug in [*SLUGS, "oceans"]
    }


@pytest.fixture
def repo(tmp_path: Path, harness: Harness, communities: dict[str, str]) -> Path:
    root = make_repo(tmp_path / "repo", endpoint=harness.emu.api_url, api="rdm", n_files=2)
    with_communities(root, SLUGS)
    return root


def requests_of(harness: Harness) -> list[dict[str, Any]]:
    """Every community request the emulator holds (through the owner's API)."""
    session = harness.emu.control.session
    found: list[dict[str, Any]] = []
    state = harness.emu.control.state()
    for record in state["records"]:
        answer = session.get(
            f"{harness.emu.api_url}/records/{record['id']}/requests",
            headers=harness.emu.headers(),
            timeout=10,
        )
        found.extend(answer.json()["hits"]["hits"])
    return found


def review_of(harness: Harness, record_id: str) -> dict[str, Any]:
    answer = harness.emu.control.session.get(
        f"{harness.emu.api_url}/records/{record_id}/draft/review",
        headers=harness.emu.headers(),
        timeout=10,
    )
    assert answer.status_code == 200, answer.text
    review: dict[str, Any] = answer.json()
    return review


def record_entry(repo: Path, harness: Harness) -> dict[str, Any]:
    entry: dict[str, Any] = json.loads((repo / RECORD_FILE).read_text())[harness.emu.api_url]
    return entry


def test_first_publish_is_a_review_request_to_the_first_community(
    harness: Harness, repo: Path, communities: dict[str, str]
) -> None:
    result = harness.run(repo, "publish")

    calls = writes(harness.log())
    record_id = result.ids.record_id
    assert f"PUT /api/records/{record_id}/draft/review" in calls
    assert f"POST /api/records/{record_id}/draft/actions/submit-review" in calls
    assert not any(c.endswith("/actions/publish") for c in calls)
    assert not result.published
    assert (result.ids.state, result.ids.review_state) == ("draft", "in review")
    assert record_entry(repo, harness)["review_state"] == "in review"
    review = review_of(harness, str(record_id))
    assert review["type"] == "community-submission" and review["status"] == "submitted"
    assert review["receiver"] == {"community": communities["hydrology-lab"]}
    assert [r["request"] for r in result.plan["communities"]] == ["review"]
    assert "| Community review | in review |" in render_result(result)


def test_a_run_while_in_review_sends_no_second_request_and_does_not_publish(
    harness: Harness, repo: Path
) -> None:
    harness.run(repo, "publish")
    harness.mark()

    again = harness.run(repo, "publish")

    assert writes(harness.log()) == []
    assert again.ids.review_state == "in review" and not again.published
    assert any("in review by hydrology-lab" in m for m in again.messages)
    assert len(requests_of(harness)) == 1


def test_accepted_review_is_published_and_the_other_communities_get_inclusion_requests(
    harness: Harness, repo: Path, communities: dict[str, str]
) -> None:
    first = harness.run(repo, "publish")
    review = review_of(harness, str(first.ids.record_id))
    harness.emu.control.decide(review["id"], "accept")
    harness.mark()

    after = harness.run(repo, "sync")

    assert after.ids.state == "published" and after.ids.doi
    assert "review_state" not in record_entry(repo, harness)
    calls = writes(harness.log())
    assert calls == [f"POST /api/records/{first.ids.record_id}/communities"]
    inclusions = [r for r in requests_of(harness) if r["type"] == "community-inclusion"]
    assert [r["receiver"]["community"] for r in inclusions] == [communities["rivers"]]

    harness.mark()
    once_more = harness.run(repo, "sync")

    assert writes(harness.log()) == [], "an open inclusion request is never duplicated"
    assert any("inclusion request to rivers is still open" in m for m in once_more.messages)


def test_declined_review_is_reported_and_not_sent_again(
    harness: Harness, repo: Path, communities: dict[str, str]
) -> None:
    first = harness.run(repo, "publish")
    harness.emu.control.decide(review_of(harness, str(first.ids.record_id))["id"], "decline")
    harness.mark()

    after = harness.run(repo, "publish")

    assert writes(harness.log()) == []
    assert after.ids.review_state == "declined" and not after.published
    assert record_entry(repo, harness)["review_state"] == "declined"
    assert any(
        "hydrology-lab declined" in m and "put another community first" in m for m in after.messages
    )

    with_communities(repo, ["rivers"])
    harness.mark()
    moved = harness.run(repo, "publish")

    assert moved.ids.review_state == "in review"
    assert review_of(harness, str(first.ids.record_id))["receiver"] == {
        "community": communities["rivers"]
    }


def test_communities_added_to_a_published_record_get_inclusion_requests(
    harness: Harness, repo: Path, communities: dict[str, str]
) -> None:
    with_communities(repo, [])
    (repo / "zenodo.yaml").write_text(
        (repo / "zenodo.yaml").read_text().replace("  communities: []\n", "")
    )
    published = harness.run(repo, "publish")
    assert published.published
    with_communities(repo, ["oceans", "rivers"])
    harness.mark()

    result = harness.run(repo, "sync")

    assert writes(harness.log()) == [f"POST /api/records/{published.ids.record_id}/communities"]
    got = sorted(r["receiver"]["community"] for r in requests_of(harness))
    assert got == sorted([communities["oceans"], communities["rivers"]])
    assert [c["request"] for c in result.plan["communities"]] == ["inclusion", "inclusion"]

    for request in requests_of(harness):
        harness.emu.control.decide(request["id"], "accept")
    harness.mark()
    harness.run(repo, "sync")
    assert writes(harness.log()) == [], "a community the record is in needs no request"


def test_plan_lists_the_requests_and_writes_nothing(harness: Harness, repo: Path) -> None:
    harness.run(repo, "sync")
    harness.mark()

    result = harness.run(repo, "plan")
    assert result.plan["communities"] == []
    assert any(
        "publishing will send a review request to hydrology-lab" in n for n in result.plan["notes"]
    )

    planned = run(
        SyncRequest(
            mode="plan",
            manifest_path=repo / "zenodo.yaml",
            token=harness.emu.token,
            may_publish=True,
        ),
        backend_factory=harness.factory(),
    )
    assert [(c["request"], c["community"]) for c in planned.plan["communities"]] == [
        ("review", "hydrology-lab")
    ]
    assert "community: review request to hydrology-lab" in render_plan(planned)
    assert writes(harness.log()) == []


def test_unknown_slugs_are_refused_before_any_write(harness: Harness, repo: Path) -> None:
    with_communities(repo, ["hydrology-lab", "no-such-lab", "nor-this"])

    with pytest.raises(UsageError, match="no-such-lab, nor-this are not communities"):
        harness.run(repo, "sync")

    assert writes(harness.log()) == []
