"""Communities against the real InvenioRDM (issue 13): the calls the client makes exist and do
what the emulator says. A first publish with communities submits a community-submission review
instead of publishing; a curator's accept publishes it and a later run sees that; a declined
review is reported; unknown slugs stop the run before any write; a published record gets an
inclusion request. (Open requests are found by search, which this in-process server cannot
answer, so "no duplicate" is covered by the emulator tests only.)"""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import pytest
import requests
from inveniordm import InvenioRDMServer

from zenodo_publish.cli import main

RECORD_FILE = ".zenodo-record.json"


def make_community(server: InvenioRDMServer, slug: str) -> str:
    from invenio_access.permissions import system_identity
    from invenio_communities.proxies import current_communities

    with server.app_context():
        community = current_communities.service.create(
            system_identity,
            {
                "slug": slug,
                "metadata": {"title": slug.replace("-", " ").title()},
                "access": {
                    "visibility": "public",
                    "member_policy": "open",
                    "record_submission_policy": "open",
                },
            },
        )
        return str(community.id)


def decide(server: InvenioRDMServer, request_id: str, action: str) -> None:
    """A curator's decision. Notifications are left out: sending them resolves users through
    a service the system identity may not read in this stripped-down app."""
    from invenio_access.permissions import system_identity
    from invenio_notifications.services.uow import NotificationOp
    from invenio_requests.proxies import current_requests_service

    with server.app_context(), pytest.MonkeyPatch.context() as patch:
        patch.setattr(NotificationOp, "on_post_commit", lambda self, uow: None)
        current_requests_service.execute_action(system_identity, request_id, action)


def manifest(endpoint: str, communities: list[str]) -> str:
    return "\n".join(
        [
            f"endpoint: {endpoint}",
            "api: rdm",
            f"record_file: {RECORD_FILE}",
            "metadata:",
            "  title: Community conformance dataset",
            "  description: Files for the communities conformance tests.",
            "  resource_type: dataset",
            "  license: cc-by-4.0",
            "  creators:",
            "    - family_name: Doe",
            "      given_name: Jane",
            f"  communities: [{', '.join(communities)}]",
            "files:",
            "  - data/*",
            "",
        ]
    )


@pytest.fixture
def slugs(inveniordm: InvenioRDMServer) -> list[str]:
    suffix = uuid.uuid4().hex[:8]
    found = [f"lab-{suffix}", f"rivers-{suffix}"]
    for slug in found:
        make_community(inveniordm, slug)
    return found


def make_repo(root: Path, server: InvenioRDMServer, communities: list[str]) -> Path:
    (root / "data").mkdir(parents=True)
    (root / "data" / "a.csv").write_bytes(b"a,b\n1,2\n" * 5)
    (root / "zenodo.yaml").write_text(manifest(server.api_url, communities))
    return root


def zp(repo: Path, capsys: pytest.CaptureFixture[str], *args: str) -> dict[str, Any]:
    code = main([args[0], "--manifest", str(repo / "zenodo.yaml"), *args[1:], "--json"])
    out = capsys.readouterr().out
    assert code == 0, out
    result: dict[str, Any] = json.loads(out)
    return result


def review(server: InvenioRDMServer, record_id: str) -> dict[str, Any]:
    answer = requests.get(
        f"{server.api_url}/records/{record_id}/draft/review",
        headers=server.headers(rdm=False),
        timeout=30,
    )
    assert answer.status_code == 200, answer.text
    found: dict[str, Any] = answer.json()
    return found


def test_first_publish_is_a_review_and_accept_publishes(
    inveniordm: InvenioRDMServer,
    slugs: list[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("ZENODO_TOKEN", inveniordm.token)
    repo = make_repo(tmp_path / "repo", inveniordm, slugs)

    first = zp(repo, capsys, "publish")

    record_id = first["ids"]["record_id"]
    assert first["ids"]["review_state"] == "in review" and not first["published"]
    submitted = review(inveniordm, record_id)
    assert submitted["status"] == "submitted" and submitted["type"] == "community-submission"
    direct = requests.post(
        f"{inveniordm.api_url}/records/{record_id}/draft/actions/publish",
        headers=inveniordm.headers(),
        timeout=30,
    )
    assert direct.status_code >= 400, "a draft in review cannot be published directly"

    again = zp(repo, capsys, "publish")
    assert again["ids"]["review_state"] == "in review" and not again["published"]

    decide(inveniordm, submitted["id"], "accept")
    after = zp(repo, capsys, "sync")

    assert after["ids"]["state"] == "published" and after["ids"]["doi"]
    assert any("inclusion request sent to" in m for m in after["messages"])


def test_declined_review_is_reported_and_not_resent(
    inveniordm: InvenioRDMServer,
    slugs: list[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("ZENODO_TOKEN", inveniordm.token)
    repo = make_repo(tmp_path / "repo", inveniordm, slugs[:1])
    first = zp(repo, capsys, "publish")
    decide(inveniordm, review(inveniordm, first["ids"]["record_id"])["id"], "decline")
    mark = inveniordm.log.mark()

    after = zp(repo, capsys, "publish")

    assert after["ids"]["review_state"] == "declined" and not after["published"]
    assert any("declined" in m for m in after["messages"])
    assert [e for e in inveniordm.log.since(mark) if e.is_write] == []


def test_unknown_slug_stops_before_any_write(
    inveniordm: InvenioRDMServer,
    slugs: list[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("ZENODO_TOKEN", inveniordm.token)
    repo = make_repo(tmp_path / "repo", inveniordm, [slugs[0], "no-such-community-here"])
    mark = inveniordm.log.mark()

    code = main(["sync", "--manifest", str(repo / "zenodo.yaml")])

    assert code == 2
    assert "no-such-community-here is not a community" in capsys.readouterr().err
    assert [e for e in inveniordm.log.since(mark) if e.is_write] == []
