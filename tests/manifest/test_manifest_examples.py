"""Valid set-ups: a StepUp RepRep zenodo.yaml unchanged, metadata only from CITATION.cff, and a
manifest using every field of SPEC §3 with both lower-precedence sources."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from zenodo_publish.manifest import Endpoint, PublishPolicy, load_manifest, resolve_files
from zenodo_publish.metadata import Affiliation, Person, RelatedIdentifier, Subject

DATA = Path(__file__).resolve().parent.parent / "data"


def test_stepup_zenodo_yaml_is_accepted_unchanged(tmp_path: Path) -> None:
    manifest = load_manifest(DATA / "stepup" / "zenodo.yaml")
    assert manifest.endpoint == Endpoint("sandbox", "https://sandbox.zenodo.org/api")
    assert manifest.record_file == Path("zenodo_id.txt")
    assert manifest.record_file_is_stepup
    assert manifest.token_file == "~/.config/zenodo/sandbox_token.txt"
    assert manifest.code_repository == "https://github.com/example/stepup-dataset"
    assert manifest.publish == PublishPolicy("never", "v*")
    md = manifest.metadata.metadata
    assert md.version == "1.2.0"
    assert md.license == "cc-by-nc-4.0"
    assert md.resource_type == "dataset"
    assert md.publisher == "Ghent University"
    assert md.copyright == "© 2026 The Authors"
    assert md.keywords == ("thermal conductivity", "silica")
    assert md.creators[0] == Person(
        family_name="Verstraelen",
        given_name="Toon",
        identifiers=(("orcid", "0000-0002-1825-0097"), ("isni", "000000012146438X")),
        affiliations=(
            Affiliation(ror="00cv9y106"),
            Affiliation(name="Center for Molecular Modeling"),
        ),
    )
    # StepUp's single name "Family, Given" is a person.
    assert (md.creators[1].family_name, md.creators[1].given_name) == ("Lovelace", "Ada")
    # isSupplementTo (DataCite spelling) is lower-cased into the vocabulary id.
    assert md.related[1] == RelatedIdentifier(
        "https://github.com/example/stepup-dataset", "url", "issupplementto", "software"
    )
    assert md.funding[1].award is not None
    assert md.funding[1].award.identifiers == (("url", "https://www.fwo.be/en/projects/G0A1234N"),)
    # path_readme: Markdown rendered to HTML.
    assert md.description is not None
    assert md.description.startswith("<h1>Thermal conductivity of porous silica</h1>")
    assert "<strong>measurements</strong>" in md.description
    assert set(manifest.metadata.provenance.values()) == {"zenodo.yaml", "default"}
    local = resolve_files(manifest, build_dir=tmp_path)
    assert [f.name for f in local.files] == ["measurements.csv", "analysis.ipynb", "paper.pdf"]
    assert local.by_name()["paper.pdf"].origin == "paper.pdf"


def test_metadata_only_from_citation_cff(tmp_path: Path) -> None:
    manifest = load_manifest(DATA / "cff_only" / "zenodo.yaml")
    md = manifest.metadata.metadata
    provenance = manifest.metadata.provenance
    assert md.title == "fluxfit"
    assert md.version == "0.4.1"
    assert md.resource_type == "software"
    assert md.license == "apache-2.0"  # CFF's SPDX "Apache-2.0", lower-cased for InvenioRDM
    assert md.publication_date == "2026-03-14"
    assert md.description == "<p>Fits <em>heat flux</em> curves.</p>"
    assert md.creators[0].identifiers == (("orcid", "0000-0002-1825-0097"),)
    assert md.creators[1].family_name == "de Broglie"
    assert md.creators[2] == Person(kind="organizational", name="The fluxfit developers")
    assert md.code_repository == "https://github.com/example/fluxfit"
    assert provenance["title"] == provenance["creators"] == "CITATION.cff"
    assert provenance["publisher"] == "default"
    assert manifest.publish.tag_publishes("v0.4.1")
    assert not manifest.publish.tag_publishes("nightly")
    names = [f.name for f in resolve_files(manifest, build_dir=tmp_path).files]
    assert names == ["fit.csv", "report.txt"]


def test_every_field_resolves_with_precedence_and_provenance() -> None:
    manifest = load_manifest(DATA / "full" / "zenodo.yaml")
    md = manifest.metadata.metadata
    provenance = manifest.metadata.provenance
    # metadata: wins over CITATION.cff, which wins over .zenodo.json, field by field.
    assert md.title == "Heat flux measurements and fitting code"
    assert provenance["title"] == "zenodo.yaml"
    assert (md.version, provenance["version"]) == ("2.0.0", "CITATION.cff")
    assert provenance["code_repository"] == "CITATION.cff"
    assert md.notes == "<p>Measured with a <strong>home-built</strong> calorimeter.</p>"
    assert provenance["notes"] == "zenodo.yaml"
    assert md.license == "cc-by-4.0"
    assert md.languages == ("eng",)  # ISO 639-1 "en" mapped to 639-3
    assert md.subjects == (Subject(subject="Thermodynamics"), Subject(id="euroscivoc:421"))
    assert md.related[0].identifier == "10.1234/paper.2026"  # doi.org prefix stripped
    assert md.related[0].scheme == "doi"  # detected: no scheme was written
    assert md.contributors[0].role == "supervisor"
    assert md.access_files == "restricted"
    assert md.embargo_until == "2099-01-01"
    assert md.locations[0].lat == pytest.approx(51.05)
    assert manifest.publish == PublishPolicy("tags", "v[0-9]*")
    assert manifest.publish.tag_publishes("v2.0.0") and not manifest.publish.tag_publishes("vx")


def test_every_kind_of_file_rule(tmp_path: Path) -> None:
    manifest = load_manifest(DATA / "full" / "zenodo.yaml")
    local = resolve_files(manifest, build_dir=tmp_path)
    table = [(f.name, f.origin) for f in local.files]
    assert table == [
        ("a.csv", "data/a.csv"),
        ("b.csv", "data/b.csv"),
        ("r2.txt", "results/nested/r2.txt"),  # a folder: every file under it, flattened
        ("r1.txt", "results/r1.txt"),
        ("figures.zip", "archive of figures/"),
        ("second.txt", "out/second.txt"),  # a catalog keeps its own order
        ("first.txt", "out/first.txt"),
    ]
    archive = local.by_name()["figures.zip"]
    assert archive.source == (tmp_path / "figures.zip").resolve()
    with zipfile.ZipFile(archive.source) as opened:
        assert opened.namelist() == ["plot1.png", "sub/plot2.png"]  # ignore.tmp excluded
    assert local.total_size == sum(f.size for f in local.files)
