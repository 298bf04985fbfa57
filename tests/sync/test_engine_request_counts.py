"""Request economy of the sync engine, counted from the emulator's request log.

A sync runs on every push, so a repository that did not change must cost next to nothing:
a no-op sync of 100 files makes at most 3 requests and one changed file among 100 at most 5
(RDM backend). The figures for the legacy backend and for a first sync are pinned as well, so
that a change that adds requests shows up here.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from engine_support import (
    Api,
    Harness,
    assert_converged,
    calls,
    make_repo,
    upload_calls,
    writes,
)


@pytest.fixture
def repo100(harness: Harness, tmp_path: Path) -> Path:
    return make_repo(tmp_path / "repo", endpoint=harness.emu.api_url, api="rdm", n_files=100)


def test_first_sync_of_100_files_is_paced_below_the_rate_limit(
    harness: Harness, repo100: Path
) -> None:
    harness.run(repo100)

    log = harness.log()
    # 1 search, create, 1 init for all keys, content + commit per file; the draft is not read
    # back (the commits' answers say what it holds).
    assert len(log) == 1 + 1 + 1 + 200, calls(log)
    assert calls(log)[:2] == ["GET /api/user/records", "POST /api/records"]
    # 205 requests against "100 per minute": the client waits (in virtual time) instead of
    # running into 429s.
    assert [e for e in log if e["status"] == 429] == []
    assert sum(harness.slept) >= 60
    assert_converged(harness, repo100, endpoint_url=harness.emu.api_url)


def test_parallel_first_sync_of_100_files_honours_the_rate_limit(
    harness: Harness, repo100: Path
) -> None:
    harness.run(repo100, parallel=4)

    log = harness.log()
    refused = [i for i, e in enumerate(log) if e["status"] == 429]
    # The pacer counts the 4 requests in flight against the remaining budget and waits for
    # the moving window to free slots: no 429 at all.
    assert refused == []
    assert len(log) == 203, calls(log)
    assert_converged(harness, repo100, endpoint_url=harness.emu.api_url)


def test_no_op_sync_of_100_files_makes_at_most_3_requests(harness: Harness, repo100: Path) -> None:
    harness.run(repo100)
    harness.mark()

    harness.run(repo100)

    log = harness.log()
    assert len(log) <= 3, calls(log)
    assert writes(log) == []
    assert calls(log) == ["GET /api/records/2/draft"]


def test_one_changed_file_among_100_makes_at_most_5_requests(
    harness: Harness, repo100: Path
) -> None:
    harness.run(repo100)
    (repo100 / "data" / "f042.csv").write_bytes(b"changed\n")
    harness.mark()

    harness.run(repo100)

    log = harness.log()
    assert len(log) <= 5, calls(log)
    assert upload_calls(log) == ["f042.csv"]
    assert calls(log) == [
        "GET /api/records/2/draft",
        "DELETE /api/records/2/draft/files/f042.csv",
        "POST /api/records/2/draft/files",
        "PUT /api/records/2/draft/files/f042.csv/content",
        "POST /api/records/2/draft/files/f042.csv/commit",
    ]
    assert_converged(harness, repo100, endpoint_url=harness.emu.api_url)


def test_no_op_sync_of_a_published_record_of_100_files(harness: Harness, repo100: Path) -> None:
    harness.run(repo100, "publish")
    harness.mark()

    harness.run(repo100)

    log = harness.log()
    # The record file says "published": the record is read, no draft is asked for.
    assert calls(log) == ["GET /api/records/2"]


def test_a_change_to_a_published_record_asks_for_an_open_draft_first(
    harness: Harness, repo100: Path
) -> None:
    harness.run(repo100, "publish")
    (repo100 / "data" / "f042.csv").write_bytes(b"changed\n")
    harness.mark()

    harness.run(repo100)

    log = harness.log()
    assert calls(log)[:3] == [
        "GET /api/records/2",
        "GET /api/records/2/draft",
        "POST /api/records/2/versions",
    ]
    assert upload_calls(log) == ["f042.csv"]
    assert_converged(harness, repo100, endpoint_url=harness.emu.api_url, published_versions=1)


@pytest.mark.parametrize(("api", "first", "no_op", "one_changed"), [("legacy", 12, 1, 2)])
def test_legacy_request_counts(
    harness: Harness, tmp_path: Path, api: Api, first: int, no_op: int, one_changed: int
) -> None:
    repo = make_repo(tmp_path / "repo", endpoint=harness.emu.api_url, api=api, n_files=10)
    harness.run(repo)
    assert len(harness.log()) == first, calls(harness.log())
    harness.mark()
    harness.run(repo)
    assert len(harness.log()) == no_op, calls(harness.log())
    (repo / "data" / "f004.csv").write_bytes(b"changed\n")
    harness.mark()
    harness.run(repo)
    assert len(harness.log()) == one_changed, calls(harness.log())
    # GET, bucket PUT (it overwrites the old f004.csv in place; its answer is the new state).
    assert upload_calls(harness.log()) == ["f004.csv"]
    assert [c for c in calls(harness.log()) if c.startswith("DELETE")] == []


def test_an_edit_draft_unseen_in_the_record_file_is_found_before_changing_anything(
    harness: Harness, repo100: Path
) -> None:
    """The record file says "published", so a no-op reads only the record; but before a
    change the open edit draft (opened on the web, say) is asked for and worked in."""
    import requests

    from zenodo_publish.errors import StateError

    harness.run(repo100, "publish")
    opened = requests.post(
        f"{harness.emu.api_url}/records/2/draft", headers=harness.emu.headers(), timeout=30
    )
    assert opened.status_code == 201, opened.text
    harness.mark()
    harness.run(repo100)
    assert calls(harness.log()) == ["GET /api/records/2"]

    # Files differ and the edit draft's files are locked: refused, as when the draft is seen.
    (repo100 / "data" / "f042.csv").write_bytes(b"changed\n")
    harness.mark()
    with pytest.raises(StateError, match="open edit draft"):
        harness.run(repo100)
    assert calls(harness.log()) == ["GET /api/records/2", "GET /api/records/2/draft"]
    assert writes(harness.log()) == []
