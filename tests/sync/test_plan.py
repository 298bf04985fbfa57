"""The pure planner: every rule of SPEC §5.3, without I/O."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pytest

from zenodo_publish.sync.plan import (
    LocalSnapshot,
    Located,
    PlanPolicy,
    WantedFile,
    plan,
    plan_files,
)


@dataclass(frozen=True)
class File:
    key: str
    size: int
    md5: str | None
    status: str = "completed"


@dataclass(frozen=True)
class Record:
    id: str
    files: Mapping[str, File]
    metadata: dict[str, Any] = field(default_factory=dict)
    is_draft: bool = False
    is_published: bool = True


class FakeCodec:
    """Compares the ``metadata`` dicts key by key."""

    def differences(self, local_body: Mapping[str, Any], remote: Any) -> list[str]:
        local = local_body["metadata"]
        theirs = remote.metadata
        return sorted(k for k in set(local) | set(theirs) if local.get(k) != theirs.get(k))

    def publication_date(self, body_or_record: Any) -> str | None:
        md = body_or_record.metadata if isinstance(body_or_record, Record) else body_or_record
        md = md.get("metadata", md)
        return md.get("publication_date")

    def with_publication_date(self, body: Mapping[str, Any], date: str) -> dict[str, Any]:
        return {**body, "metadata": {**body["metadata"], "publication_date": date}}

    def version(self, body_or_record: Any) -> str | None:
        md = body_or_record.metadata if isinstance(body_or_record, Record) else body_or_record
        md = md.get("metadata", md)
        return md.get("version")


A = WantedFile("a.csv", 3, "aaa", "data/a.csv")
B = WantedFile("b.csv", 4, "bbb", "data/b.csv")
TODAY = "2026-11-21"
SYNC = PlanPolicy(may_publish=False, today=TODAY)
PUBLISH = PlanPolicy(may_publish=True, today=TODAY)


def local(*files: WantedFile, **metadata: Any) -> LocalSnapshot:
    md = {"title": "T", **metadata}
    return LocalSnapshot(files, {"metadata": md}, "publication_date" in metadata)


def remote_files(*files: WantedFile) -> dict[str, File]:
    return {f.name: File(f.name, f.size, f.md5) for f in files}


def test_plan_files_classifies_new_changed_unfinished_unchanged_and_vanished() -> None:
    remote = {
        "a.csv": File("a.csv", 3, "aaa"),
        "b.csv": File("b.csv", 4, "old"),
        "c.csv": File("c.csv", 1, "ccc"),
        "d.csv": File("d.csv", 0, None, "pending"),
    }
    d = WantedFile("d.csv", 2, "ddd", "d.csv")
    e = WantedFile("e.csv", 2, "eee", "e.csv")
    ops = {op.name: op.action for op in plan_files([A, B, d, e], remote)}
    assert ops == {
        "a.csv": "skip",
        "b.csv": "replace",
        "d.csv": "replace",
        "e.csv": "upload",
        "c.csv": "delete",
    }


def test_same_md5_different_size_is_a_change() -> None:
    ops = plan_files([A], {"a.csv": File("a.csv", 99, "aaa")})
    assert [op.action for op in ops] == ["replace"]


def test_nothing_there_creates_with_today_as_publication_date() -> None:
    result = plan(local(A, B), Located("none"), SYNC, FakeCodec())
    assert result.action == "create"
    assert [op.action for op in result.files] == ["upload", "upload"]
    assert result.body["metadata"]["publication_date"] == TODAY
    assert result.publish is False


def test_identical_draft_is_a_no_op_without_any_write() -> None:
    draft = Record(
        "7",
        remote_files(A, B),
        {"title": "T", "publication_date": "2026-01-01"},
        is_draft=True,
        is_published=False,
    )
    result = plan(local(A, B), Located("draft", draft), SYNC, FakeCodec())
    assert result.action == "none"
    assert not result.writes
    # The draft keeps its own date rather than being moved to today.
    assert result.body["metadata"]["publication_date"] == "2026-01-01"


def test_identical_draft_with_publishing_allowed_is_published() -> None:
    draft = Record(
        "7", remote_files(A), {"title": "T", "publication_date": "2026-01-01"}, True, False
    )
    result = plan(local(A), Located("draft", draft), PUBLISH, FakeCodec())
    assert result.action == "none"
    assert result.publish is True
    assert result.writes


def test_draft_with_changed_metadata_updates_it_and_names_the_fields() -> None:
    draft = Record(
        "7", remote_files(A), {"title": "Old", "publication_date": "2026-01-01"}, True, False
    )
    result = plan(local(A), Located("draft", draft), SYNC, FakeCodec())
    assert result.action == "update_draft"
    assert result.metadata_changes == ("title",)


def test_published_with_changed_file_opens_a_new_version_dated_today() -> None:
    record = Record("5", remote_files(A, B), {"title": "T", "publication_date": "2025-01-01"})
    changed = WantedFile("b.csv", 4, "new", "data/b.csv")
    result = plan(local(A, changed), Located("published", record), SYNC, FakeCodec())
    assert result.action == "new_version"
    assert result.base_id == "5"
    assert {op.name: op.action for op in result.files} == {"a.csv": "skip", "b.csv": "replace"}
    assert result.body["metadata"]["publication_date"] == TODAY


def test_published_with_a_new_version_string_opens_a_new_version_even_with_same_files() -> None:
    record = Record("5", remote_files(A), {"title": "T", "version": "1.0", "publication_date": "x"})
    result = plan(local(A, version="1.1"), Located("published", record), SYNC, FakeCodec())
    assert result.action == "new_version"
    assert any("1.1" in note for note in result.notes)


def test_published_metadata_only_change_is_an_edit_only_when_publishing() -> None:
    record = Record("5", remote_files(A), {"title": "Old", "publication_date": "2025-01-01"})
    on_push = plan(local(A), Located("published", record), SYNC, FakeCodec())
    assert on_push.action == "none"
    assert on_push.metadata_changes == ("title",)
    assert not on_push.writes
    assert any("applied when publishing" in note for note in on_push.notes)

    on_release = plan(local(A), Located("published", record), PUBLISH, FakeCodec())
    assert on_release.action == "edit"
    assert on_release.publish is True
    # An edit keeps the original publication date.
    assert on_release.body["metadata"]["publication_date"] == "2025-01-01"


def test_published_and_identical_is_a_no_op_even_when_publishing_is_allowed() -> None:
    record = Record("5", remote_files(A), {"title": "T", "publication_date": "2025-01-01"})
    result = plan(local(A), Located("published", record), PUBLISH, FakeCodec())
    assert result.action == "none"
    assert result.publish is False
    assert not result.writes


def test_explicit_publication_date_wins_over_the_records() -> None:
    record = Record("5", remote_files(A), {"title": "T", "publication_date": "2025-01-01"})
    result = plan(
        local(A, publication_date="2024-05-05"), Located("published", record), PUBLISH, FakeCodec()
    )
    assert result.body["metadata"]["publication_date"] == "2024-05-05"
    assert "publication_date" in result.metadata_changes


def test_edit_draft_with_changed_files_is_blocked_not_silently_discarded() -> None:
    record = Record("5", remote_files(A), {"title": "T", "publication_date": "x"}, True, True)
    changed = WantedFile("a.csv", 3, "zzz", "data/a.csv")
    result = plan(local(changed), Located("edit_draft", record), PUBLISH, FakeCodec())
    assert result.action == "blocked"
    assert result.publish is False
    assert "open edit draft" in result.notes[-1]


def test_edit_draft_with_same_files_takes_the_metadata_and_publishes() -> None:
    record = Record("5", remote_files(A), {"title": "Old", "publication_date": "x"}, True, True)
    result = plan(local(A), Located("edit_draft", record), PUBLISH, FakeCodec())
    assert result.action == "update_draft"
    assert result.publish is True


def test_an_md5_is_needed_only_against_a_completed_file_of_the_same_size() -> None:
    from zenodo_publish.sync.plan import md5_decides

    assert not md5_decides(3, None)
    assert not md5_decides(3, File("a.csv", 4, "aaa"))
    assert not md5_decides(3, File("a.csv", 3, None, "pending"))
    assert md5_decides(3, File("a.csv", 3, "aaa"))


def test_a_missing_md5_that_decides_the_plan_is_refused_not_guessed() -> None:
    unhashed = WantedFile("a.csv", 3, None, "data/a.csv")
    # Nothing to compare with: it is uploaded, and the upload makes its md5.
    assert [op.action for op in plan_files([unhashed], {})] == ["upload"]
    assert [op.action for op in plan_files([unhashed], remote_files(B))] == ["upload", "delete"]
    with pytest.raises(ValueError, match="not hashed"):
        plan_files([unhashed], remote_files(A))
