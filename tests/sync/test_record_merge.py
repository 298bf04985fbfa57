"""sync.record_merge: two runs' record files combined where git's line merge conflicts."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from zenodo_publish.sync.record_file import render_json
from zenodo_publish.sync.record_merge import later_entry, merge_record_files

SANDBOX = "https://sandbox.zenodo.org/api"
PRODUCTION = "https://zenodo.org/api"


def published(record_id: str, version: str, concept: str = "1") -> dict[str, Any]:
    latest = {"record_id": record_id, "doi": f"10.5072/zenodo.{record_id}", "version": version}
    return {
        "record_id": record_id,
        "concept_id": concept,
        "state": "published",
        "version": version,
        "latest_published": latest,
    }


def draft(record_id: str, latest: dict[str, Any] | None, concept: str = "1") -> dict[str, Any]:
    entry: dict[str, Any] = {"record_id": record_id, "concept_id": concept, "state": "draft"}
    if latest is not None:
        entry["latest_published"] = latest["latest_published"]
    return entry


def doc(**entries: dict[str, Any]) -> bytes:
    names = {"sandbox": SANDBOX, "production": PRODUCTION}
    return render_json({names[k]: v for k, v in entries.items()}).encode()


def merged(base: bytes, ours: bytes, theirs: bytes) -> dict[str, Any] | None:
    out = merge_record_files(base, ours, theirs)
    return None if out is None else json.loads(out)


V1 = published("2", "1.0.0")


def test_a_published_record_beats_the_draft_it_was() -> None:
    """A release run published draft 3 while a push named it: the publish is the later state."""
    v2 = published("3", "1.1.0")
    named = draft("3", V1)
    assert merged(doc(sandbox=V1), doc(sandbox=v2), doc(sandbox=named)) == {SANDBOX: v2}
    assert merged(doc(sandbox=V1), doc(sandbox=named), doc(sandbox=v2)) == {SANDBOX: v2}


def test_the_open_draft_beats_its_published_version() -> None:
    """An old tag run opened draft 3 (issue 9's finding 4); main still names 1.0.0 itself."""
    base = doc(sandbox=draft("2", None))
    named = draft("3", V1)
    assert merged(base, doc(sandbox=named), doc(sandbox=V1)) == {SANDBOX: named}


def test_the_newer_published_version_wins_by_version_then_by_id() -> None:
    v2 = published("3", "1.1.0")
    assert merged(doc(sandbox=V1), doc(sandbox=v2), doc(sandbox=draft("9", V1))) == {SANDBOX: v2}
    assert later_entry(published("7", "2.0.0"), published("9", "1.5.0")) == published("7", "2.0.0")
    by_id = later_entry(published("7", "x"), published("9", "y"))
    assert by_id is not None and by_id["record_id"] == "9"


def test_what_cannot_be_ordered_stays_a_conflict() -> None:
    base = doc(sandbox=V1)
    # two different drafts over the same published version
    assert merged(base, doc(sandbox=draft("3", V1)), doc(sandbox=draft("4", V1))) is None
    # two concepts
    other = published("8", "1.0.0", concept="7")
    assert merged(base, doc(sandbox=published("3", "1.1.0")), doc(sandbox=other)) is None
    # ids that are not numbers and versions that are not versions
    assert later_entry(published("ab-1", "draft"), published("cd-2", "final")) is None
    # not JSON, or not an object
    assert merge_record_files(base, b"{", doc(sandbox=V1)) is None
    assert merge_record_files(base, b"[]", doc(sandbox=V1)) is None


def test_other_endpoints_are_combined_line_by_line_as_before() -> None:
    base = doc(sandbox=V1)
    prod = published("50", "1.0.0", concept="49")
    v2 = published("3", "1.1.0")
    assert merged(base, doc(sandbox=v2), doc(sandbox=V1, production=prod)) == {
        SANDBOX: v2,
        PRODUCTION: prod,
    }
    # an entry removed on one side and untouched on the other is removed
    assert merged(
        doc(sandbox=V1, production=prod), doc(sandbox=V1), doc(sandbox=V1, production=prod)
    ) == {SANDBOX: V1}


ids = st.sampled_from(["2", "3", "4", "5"])
entries = st.one_of(
    st.builds(published, ids, st.sampled_from(["1.0.0", "1.1.0", "2.0.0"])),
    st.builds(draft, ids, st.one_of(st.none(), st.builds(published, ids, st.just("1.0.0")))),
)


@given(entries, entries, entries)
def test_the_merge_is_symmetric_and_picks_one_side_whole(
    was: dict[str, Any], a: dict[str, Any], b: dict[str, Any]
) -> None:
    one = merge_record_files(doc(sandbox=was), doc(sandbox=a), doc(sandbox=b))
    two = merge_record_files(doc(sandbox=was), doc(sandbox=b), doc(sandbox=a))
    assert one == two
    if one is not None:
        assert json.loads(one)[SANDBOX] in (a, b)
