"""The legacy deposit payload against zenodo-api.md §5.3, and its read-back quirks."""

from __future__ import annotations

import copy
import datetime
from pathlib import Path
from typing import Any

from zenodo_publish.manifest import load_manifest
from zenodo_publish.metadata import (
    Affiliation,
    Award,
    DateEntry,
    Funding,
    Metadata,
    Person,
    RelatedIdentifier,
    legacy_problems,
    metadata_differences,
    normalise_legacy,
    to_legacy_payload,
)

DATA = Path(__file__).resolve().parent.parent / "data"
TODAY = datetime.date(2026, 6, 1)

ADA = Person(
    family_name="Lovelace",
    given_name="Ada",
    identifiers=(("orcid", "0000-0002-1825-0097"),),
    affiliations=(Affiliation(name="Analytical Engine Society"), Affiliation(name="Second")),
)


def article(**changes: Any) -> Metadata:
    fields: dict[str, Any] = {
        "title": "On engines",
        "resource_type": "publication-article",
        "creators": (ADA,),
        "description": "<p>Notes.</p>",
        "license": "cc0-1.0",
        "version": "1.0",
        **changes,
    }
    return Metadata(**fields)


def test_cff_example_legacy_payload_is_complete() -> None:
    md = load_manifest(DATA / "cff_only" / "zenodo.yaml").metadata.metadata
    body = to_legacy_payload(md, today=TODAY)
    assert set(body) == {"metadata"}
    legacy = body["metadata"]
    # §5.3: every PUT replaces everything, so the defaults-prone fields are always sent.
    for key in ("upload_type", "title", "creators", "description", "publication_date",
                "access_right", "license", "imprint_publisher"):  # fmt: skip
        assert key in legacy
    assert legacy["upload_type"] == "software"
    assert legacy["access_right"] == "open"
    assert legacy["imprint_publisher"] == "Zenodo"
    assert legacy["publication_date"] == "2026-03-14"
    assert legacy["creators"][0] == {
        "name": "Noether, Emmy",
        "affiliation": "University of Göttingen",
        "orcid": "0000-0002-1825-0097",
    }
    assert legacy["creators"][2] == {"name": "The fluxfit developers"}
    assert "doi" not in legacy and "prereserve_doi" not in legacy


def test_resource_types_split_into_upload_and_publication_type() -> None:
    legacy = to_legacy_payload(article(), today=TODAY)["metadata"]
    assert (legacy["upload_type"], legacy["publication_type"]) == ("publication", "article")
    figure = to_legacy_payload(article(resource_type="image-figure"), today=TODAY)["metadata"]
    assert (figure["upload_type"], figure["image_type"]) == ("image", "figure")


def test_field_mapping_of_section_5_3() -> None:
    md = article(
        keywords=("engines",),
        related=(RelatedIdentifier("10.1/x", "doi", "issupplementto", "publication-article"),),
        contributors=(Person(family_name="Babbage", given_name="Charles", role="supervisor"),),
        communities=("history",),
        funding=(Funding(Affiliation(ror="00k4n6c32"), Award(id="00k4n6c32::101001332")),),
        references=("Menabrea 1842",),
        languages=("eng",),
        notes="<p>n</p>",
        dates=(DateEntry("1842/1843", "created", "Translation"),),
        access_files="restricted",
    )
    legacy = to_legacy_payload(md, today=TODAY)["metadata"]
    assert legacy["access_right"] == "restricted"
    assert legacy["keywords"] == ["engines"]
    assert legacy["related_identifiers"] == [
        {
            "identifier": "10.1/x",
            "relation": "isSupplementTo",
            "resource_type": "publication-article",
        }
    ]
    assert legacy["contributors"] == [{"name": "Babbage, Charles", "type": "Supervisor"}]
    assert legacy["communities"] == [{"identifier": "history"}]
    assert legacy["grants"] == [{"id": "10.13039/501100000780::101001332"}]
    assert legacy["references"] == ["Menabrea 1842"]
    assert legacy["language"] == "eng"
    assert legacy["notes"] == "<p>n</p>"
    assert legacy["dates"] == [
        {"start": "1842", "end": "1843", "type": "Created", "description": "Translation"}
    ]


def test_embargo() -> None:
    legacy = to_legacy_payload(article(embargo_until="2099-12-31"), today=TODAY)["metadata"]
    assert (legacy["access_right"], legacy["embargo_date"]) == ("embargoed", "2099-12-31")


def zenodo_legacy_echo(sent: dict[str, Any]) -> dict[str, Any]:
    """Deposition metadata as Zenodo returns it (§5.3 "Output quirks")."""
    echo = copy.deepcopy(sent["metadata"])
    echo["license"] = {"cc0-1.0": "cc-zero", "mit": "mit-license"}.get(
        echo["license"], echo["license"]
    )
    echo["prereserve_doi"] = {"doi": "10.5281/zenodo.542201", "recid": 542201}
    echo["doi"] = "10.5281/zenodo.542201"
    for creator in echo["creators"]:
        creator.setdefault("affiliation", None)
    echo["keywords"] = echo.get("keywords", [])
    echo["description"] = echo["description"] + "\n"
    return echo


def test_read_back_quirks_normalise_away() -> None:
    sent = to_legacy_payload(article(), today=TODAY)
    echo = zenodo_legacy_echo(sent)
    assert normalise_legacy(echo) == normalise_legacy(sent)
    assert metadata_differences(sent, echo, api="legacy") == []
    closed = dict(echo, access_right="closed")
    assert normalise_legacy(closed)["access_right"] == "restricted"


def test_legacy_differences_are_named() -> None:
    sent = to_legacy_payload(article(), today=TODAY)
    echo = zenodo_legacy_echo(sent)
    echo["license"] = "cc-by-4.0"
    echo["title"] = "Old"
    assert metadata_differences(sent, echo, api="legacy") == ["license", "title"]


def test_what_the_legacy_api_cannot_carry_is_named() -> None:
    md = article(
        description=None,
        copyright="© me",
        creators=(Person(family_name="Doe", identifiers=(("isni", "000000012146438X"),)),),
        funding=(Funding(Affiliation(name="Some Foundation")),),
        languages=("eng", "fra"),
    )
    fields = [name for name, _, _ in legacy_problems(md)]
    assert fields == ["description", "copyright", "creators[0]", "funding[0]", "languages"]
    assert legacy_problems(article()) == []
