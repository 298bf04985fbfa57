"""The InvenioRDM payload, field by field against zenodo-api.md §6.7, and normalisation of what
Zenodo echoes back."""

from __future__ import annotations

import copy
import datetime
from pathlib import Path
from typing import Any

import pytest

from zenodo_publish.manifest import load_manifest
from zenodo_publish.metadata import (
    Metadata,
    Person,
    metadata_differences,
    normalise_rdm,
    to_rdm_payload,
)

DATA = Path(__file__).resolve().parent.parent / "data"
TODAY = datetime.date(2026, 6, 1)


def payload(example: str) -> dict[str, Any]:
    md = load_manifest(DATA / example / "zenodo.yaml").metadata.metadata
    return to_rdm_payload(md, today=TODAY)


def test_stepup_example_payload_field_by_field() -> None:
    body = payload("stepup")
    assert set(body) == {"metadata", "access", "files", "custom_fields"}
    assert body["files"] == {"enabled": True}
    assert body["access"] == {"record": "public", "files": "public"}
    assert body["custom_fields"] == {
        "code:codeRepository": "https://github.com/example/stepup-dataset"
    }
    md = body["metadata"]
    assert md["resource_type"] == {"id": "dataset"}
    assert md["title"] == "Measurements of the thermal conductivity of porous silica"
    assert md["publication_date"] == "2026-06-01"  # none given: today, in EDTF level 0
    assert md["publisher"] == "Ghent University"
    assert md["version"] == "1.2.0"
    assert md["rights"] == [{"id": "cc-by-nc-4.0"}]
    assert md["copyright"] == "© 2026 The Authors"
    assert md["subjects"] == [{"subject": "thermal conductivity"}, {"subject": "silica"}]
    assert md["creators"][0] == {
        "person_or_org": {
            "type": "personal",
            "family_name": "Verstraelen",
            "given_name": "Toon",
            "identifiers": [
                {"scheme": "orcid", "identifier": "0000-0002-1825-0097"},
                {"scheme": "isni", "identifier": "000000012146438X"},
            ],
        },
        "affiliations": [{"id": "00cv9y106"}, {"name": "Center for Molecular Modeling"}],
    }
    assert md["related_identifiers"][0] == {
        "identifier": "10.1234/example.article",
        "scheme": "doi",
        "relation_type": {"id": "issupplementto"},
        "resource_type": {"id": "publication-article"},
    }
    assert md["funding"] == [
        {"funder": {"id": "00k4n6c32"}, "award": {"id": "00k4n6c32::101001332"}},
        {
            "funder": {"name": "Research Foundation Flanders"},
            "award": {
                "title": {"en": "Porous materials for heat storage"},
                "number": "G0A1234N",
                "identifiers": [
                    {"scheme": "url", "identifier": "https://www.fwo.be/en/projects/G0A1234N"}
                ],
            },
        },
    ]
    assert md["description"].startswith("<h1>")


def test_full_example_payload_field_by_field() -> None:
    body = payload("full")
    md = body["metadata"]
    assert md["publication_date"] == "2026-05-01"
    assert md["publisher"] == "Zenodo"
    assert md["creators"][1] == {
        "person_or_org": {
            "type": "organizational",
            "name": "ACME Lab",
            "identifiers": [{"scheme": "ror", "identifier": "01ggx4157"}],
        }
    }
    assert md["contributors"] == [
        {
            "person_or_org": {
                "type": "personal",
                "family_name": "Babbage",
                "given_name": "Charles",
            },
            "affiliations": [{"name": "University of Cambridge"}],
            "role": {"id": "supervisor"},
        }
    ]
    assert md["languages"] == [{"id": "eng"}]
    assert md["subjects"][-2:] == [{"subject": "Thermodynamics"}, {"id": "euroscivoc:421"}]
    assert md["dates"] == [
        {
            "date": "2024-05/2025-06",
            "type": {"id": "collected"},
            "description": "Measurement campaign",
        }
    ]
    assert md["additional_descriptions"] == [
        {
            "description": "<p>Measured with a <strong>home-built</strong> calorimeter.</p>",
            "type": {"id": "notes"},
        }
    ]
    assert md["references"] == [{"reference": "Doe J (2020) Calorimetry. J. Heat 1:1."}]
    assert md["locations"] == {
        "features": [
            {
                "place": "Ghent",
                "geometry": {"type": "Point", "coordinates": [3.72, 51.05]},  # lon, lat
                "description": "Lab 3",
            }
        ]
    }
    # Embargoed: the record stays public (Zenodo forbids restricted records), files wait.
    assert body["access"] == {
        "record": "public",
        "files": "restricted",
        "embargo": {
            "active": True,
            "until": "2099-01-01",
            "reason": "Awaiting the companion paper",
        },
    }
    assert "communities" not in md  # not RDM metadata; community inclusion is a request


def test_an_embargo_in_the_past_is_over() -> None:
    md = Metadata(
        title="Old", resource_type="dataset", creators=(Person(family_name="Doe"),),
        embargo_until="2020-01-01",
    )  # fmt: skip
    assert to_rdm_payload(md, today=TODAY)["access"] == {"record": "public", "files": "public"}


def zenodo_echo(body: dict[str, Any]) -> dict[str, Any]:
    """A draft as Zenodo returns it (RDM JSON): titles on vocabulary entries, the server-filled
    person name, empty lists and None for unset fields, reflowed HTML, extra keys."""
    echo = copy.deepcopy(body)
    md = echo["metadata"]
    md["resource_type"]["title"] = {"en": "Dataset"}
    for right in md.get("rights", []):
        right.update({"title": {"en": "Creative Commons"}, "props": {"url": "https://..."}})
    for creator in md["creators"] + md.get("contributors", []):
        person = creator["person_or_org"]
        if person["type"] == "personal":
            person["name"] = f"{person['family_name']}, {person.get('given_name', '')}"
        person.setdefault("identifiers", [])
        person["identifiers"].reverse()
        for affiliation in creator.get("affiliations", []):
            if "id" in affiliation:
                affiliation["name"] = "Ghent University"
        if "role" in creator:
            creator["role"]["title"] = {"en": "Supervisor"}
    for related in md.get("related_identifiers", []):
        related["relation_type"]["title"] = {"en": "Is supplement to"}
    for funding in md.get("funding", []):
        if "id" in funding["funder"]:
            funding["funder"]["name"] = "European Commission"
        if "id" in funding.get("award", {}):
            funding["award"].update({"title": {"en": "A grant"}, "number": "101001332"})
    md["description"] = md["description"].replace("\n", "\n\n  ") + "\n"
    md.setdefault("contributors", [])
    md.setdefault("dates", [])
    md["identifiers"] = []
    md["version"] = md.get("version")
    echo["access"]["status"] = "open"
    echo["access"].setdefault("embargo", {"active": False, "reason": None})
    echo["files"] = {"enabled": True, "order": [], "count": 3, "entries": {}}
    echo["id"] = "123"
    echo["revision_id"] = 4
    return echo


@pytest.mark.parametrize("example", ["stepup", "full", "cff_only"])
def test_what_zenodo_echoes_normalises_to_what_we_sent(example: str) -> None:
    body = payload(example)
    echo = zenodo_echo(body)
    assert normalise_rdm(echo) == normalise_rdm(body)
    assert metadata_differences(body, echo) == []
    assert metadata_differences(body["metadata"], echo["metadata"]) == []


def test_normalisation_is_idempotent() -> None:
    echo = zenodo_echo(payload("full"))
    once = normalise_rdm(echo)
    assert normalise_rdm(once) == once


def test_differences_name_the_fields_that_changed() -> None:
    body = payload("stepup")
    echo = zenodo_echo(body)
    echo["metadata"]["title"] = "An older title"
    echo["metadata"]["rights"] = [{"id": "cc-by-4.0", "title": {"en": "CC BY 4.0"}}]
    echo["metadata"]["creators"][1]["person_or_org"]["given_name"] = "Augusta Ada"
    echo["access"]["files"] = "restricted"
    del echo["custom_fields"]
    assert metadata_differences(body, echo) == [
        "access",
        "creators",
        "custom_fields",
        "rights",
        "title",
    ]


def test_marking_a_record_with_the_repository_is_idempotent() -> None:
    md = load_manifest(DATA / "cff_only" / "zenodo.yaml").metadata.metadata
    url = "https://github.com/example/fluxfit"
    marked = md.with_related_identifier(url, "url", "isSupplementTo")
    assert marked.with_related_identifier(url, "url", "issupplementto") == marked
    related = to_rdm_payload(marked, today=TODAY)["metadata"]["related_identifiers"]
    assert related == [
        {"identifier": url, "scheme": "url", "relation_type": {"id": "issupplementto"}}
    ]
    assert md.with_version("1.0.0").version == "1.0.0"
