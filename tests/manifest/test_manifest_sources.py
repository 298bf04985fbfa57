"""Metadata sources: .zenodo.json (legacy shape) converted into the canonical model, and the
precedence between the manifest and the sources, field by field."""

from __future__ import annotations

import json
from pathlib import Path

from zenodo_publish.manifest import load_manifest
from zenodo_publish.metadata import Affiliation, Award, Funding, Person, RelatedIdentifier

FILES = "files: [data.csv]\n"


def repo(tmp_path: Path, manifest: str, zenodo_json: dict[str, object] | None = None) -> Path:
    (tmp_path / "data.csv").write_text("a\n1\n", encoding="utf-8")
    if zenodo_json is not None:
        (tmp_path / ".zenodo.json").write_text(json.dumps(zenodo_json, indent=2), "utf-8")
    path = tmp_path / "zenodo.yaml"
    path.write_text(manifest + FILES, encoding="utf-8")
    return path


def test_zenodo_json_in_the_legacy_shape(tmp_path: Path) -> None:
    path = repo(
        tmp_path,
        "metadata_from: [.zenodo.json]\n",
        {
            "title": "A thesis",
            "upload_type": "publication",
            "publication_type": "thesis",
            "description": "<p>Abstract</p>",
            "creators": [
                {"name": "Doe, Jane", "affiliation": "Uni", "orcid": "0000-0002-1825-0097"},
                {"name": "Plato"},
            ],
            "contributors": [{"name": "Roe, Rick", "type": "Supervisor"}],
            "license": "cc-zero",
            "access_right": "embargoed",
            "embargo_date": "2099-01-01",
            "related_identifiers": [
                {"identifier": "10.1234/abc", "relation": "isSupplementTo"},
                {"identifier": "https://example.org/x", "relation": "references"},
            ],
            "grants": [{"id": "10.13039/501100000780::101001332"}, {"id": "654321"}],
            "communities": [{"identifier": "physics"}],
            "dates": [{"start": "2020-01-01", "end": "2020-12-31", "type": "Collected"}],
            "language": "de",
            "keywords": ["k"],
            "imprint_publisher": "Uni Press",
        },
    )
    md = load_manifest(path).metadata.metadata
    assert md.resource_type == "publication-dissertation"  # Zenodo rewrites thesis the same way
    assert md.creators == (
        Person(
            family_name="Doe",
            given_name="Jane",
            identifiers=(("orcid", "0000-0002-1825-0097"),),
            affiliations=(Affiliation(name="Uni"),),
        ),
        Person(family_name="Plato"),  # the legacy API keeps a name without a comma whole
    )
    assert md.contributors[0].role == "supervisor"
    assert md.license == "cc0-1.0"
    assert (md.access_files, md.embargo_until) == ("public", "2099-01-01")
    assert md.related == (
        RelatedIdentifier("10.1234/abc", "doi", "issupplementto"),
        RelatedIdentifier("https://example.org/x", "url", "references"),
    )
    assert md.funding == (
        Funding(Affiliation(ror="00k4n6c32"), Award(id="00k4n6c32::101001332")),
        Funding(Affiliation(ror="00k4n6c32"), Award(id="00k4n6c32::654321")),  # bare: EC
    )
    assert md.communities == ("physics",)
    assert md.dates[0].date == "2020-01-01/2020-12-31"
    assert md.languages == ("deu",)
    assert md.publisher == "Uni Press"


def test_precedence_is_per_field_in_metadata_from_order(tmp_path: Path) -> None:
    (tmp_path / "CITATION.cff").write_text(
        "cff-version: 1.2.0\ntitle: From CFF\nversion: '3.0'\nauthors:\n  - family-names: Cff\n",
        encoding="utf-8",
    )
    path = repo(
        tmp_path,
        "metadata_from: [.zenodo.json, CITATION.cff]\nmetadata:\n  keywords: [own]\n",
        {"title": "From JSON", "upload_type": "dataset", "creators": [{"name": "Json, J"}]},
    )
    resolved = load_manifest(path).metadata
    md, provenance = resolved.metadata, resolved.provenance
    assert (md.title, provenance["title"]) == ("From JSON", ".zenodo.json")  # listed first
    assert (md.version, provenance["version"]) == ("3.0", "CITATION.cff")  # only CFF has it
    assert (md.keywords, provenance["keywords"]) == (("own",), "zenodo.yaml")
    assert md.creators[0].family_name == "Json"  # whole lists are never stitched
    assert md.resource_type == "dataset"
    tagged = resolved.with_version("3.1")
    assert (tagged.metadata.version, tagged.provenance["version"]) == ("3.1", "tag")
