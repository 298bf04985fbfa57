"""Legacy API communities follow Zenodo's semantics (inveniordm-real.md §3.5): a published
record that Zenodo did not add to a listed community is not edited again and again."""

from __future__ import annotations

import dataclasses

from zenodo_publish.metadata.model import Metadata, Person
from zenodo_publish.sync.codec import LegacyCodec
from zenodo_publish.zenodo.backend import RemoteRecord

MD = Metadata(
    title="Tiny",
    resource_type="dataset",
    creators=(Person(kind="personal", family_name="Doe", given_name="Jane"),),
    license="cc-by-4.0",
    publication_date="2026-03-14",
    communities=("hydrology-lab", "rivers"),
)


def remote(metadata: dict[str, object], *, published: bool, draft: bool) -> RemoteRecord:
    return RemoteRecord(
        id="5",
        concept_id="4",
        doi=None,
        concept_doi=None,
        is_published=published,
        is_draft=draft,
        files_locked=published,
        version=None,
        version_index=None,
        is_latest=None,
        metadata=metadata,
        access=None,
        files={},
        html_url=None,
        field_errors=(),
        raw={},
    )


def test_a_published_record_without_the_communities_is_not_edited_for_them() -> None:
    codec = LegacyCodec()
    body = codec.body(MD)
    # What Zenodo reads back when the user curates neither community: none of them.
    without = {k: v for k, v in body["metadata"].items() if k != "communities"}

    assert codec.differences(body, remote(without, published=True, draft=False)) == []


def test_a_draft_still_compares_its_communities() -> None:
    codec = LegacyCodec()
    body = codec.body(MD)
    without = {k: v for k, v in body["metadata"].items() if k != "communities"}

    assert codec.differences(body, remote(without, published=False, draft=True)) == ["communities"]
    other = dataclasses.replace(MD, title="Other")
    assert "title" in codec.differences(
        codec.body(other), remote(without, published=True, draft=False)
    )
