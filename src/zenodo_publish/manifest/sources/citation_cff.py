"""CITATION.cff (Citation File Format 1.2) as a metadata source.

Read: title, version, abstract, authors, keywords, license, date-released, type,
repository-code. Other CFF keys (references, preferred-citation, identifiers, ...) have no
place in a Zenodo record's own metadata and are left alone; CFF's full validation is
cffconvert's job, not ours.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from zenodo_publish.errors import ManifestError, Problem
from zenodo_publish.manifest.loader import PathKey, load_yaml_file, source_file_problems
from zenodo_publish.manifest.sources import Checker, SourceFields, markdown_to_html
from zenodo_publish.manifest.vocabularies import (
    SPDX_DEPRECATED_EQUIVALENTS,
    check_edtf,
    check_license,
    check_orcid,
)
from zenodo_publish.metadata.model import Affiliation, Person

LABEL = "CITATION.cff"

#: CFF keys -> the metadata fields they give.
KEYS = {
    "title": "title",
    "version": "version",
    "abstract": "description",
    "authors": "creators",
    "keywords": "keywords",
    "license": "license",
    "date-released": "publication_date",
    "type": "resource_type",
    "repository-code": "code_repository",
}

#: CFF ``type`` -> InvenioRDM resource type (CFF's own default, software, is not assumed).
_TYPES = {"software": "software", "dataset": "dataset"}


def _author(checker: Checker, path: PathKey, entry: Any) -> Person | None:
    if not isinstance(entry, dict):
        checker.fail(path, "an author must be a mapping", "write family-names: and given-names:")
        return None
    identifiers: tuple[tuple[str, str], ...] = ()
    orcid = entry.get("orcid")
    if isinstance(orcid, str):
        bare, issue = check_orcid(orcid)
        if not checker.issue((*path, "orcid"), issue):
            return None
        identifiers = (("orcid", bare),)
    affiliation = entry.get("affiliation")
    affiliations = (Affiliation(name=affiliation.strip()),) if isinstance(affiliation, str) else ()
    family = entry.get("family-names")
    if isinstance(family, str):
        particle = entry.get("name-particle")
        if isinstance(particle, str) and particle.strip():
            family = f"{particle.strip()} {family.strip()}"
        suffix = entry.get("name-suffix")
        if isinstance(suffix, str) and suffix.strip():
            family = f"{family.strip()} {suffix.strip()}"
        given = entry.get("given-names")
        return Person(
            kind="personal",
            family_name=family.strip(),
            given_name=given.strip() if isinstance(given, str) and given.strip() else None,
            identifiers=identifiers,
            affiliations=affiliations,
        )
    name = entry.get("name")
    if isinstance(name, str) and name.strip():
        return Person(
            kind="organizational",
            name=name.strip(),
            identifiers=identifiers,
            affiliations=affiliations,
        )
    checker.fail(
        path,
        "an author needs family-names (a person) or name (an entity)",
        "add family-names: and given-names:",
    )
    return None


def read_citation_cff(repo_root: Path) -> tuple[SourceFields, list[Problem]]:
    path = repo_root / LABEL
    unreadable = source_file_problems(repo_root, LABEL)
    if unreadable:
        return SourceFields(LABEL), unreadable
    try:
        loaded = load_yaml_file(path, file=LABEL, root=repo_root)
    except ManifestError as error:
        return SourceFields(LABEL), error.problems
    checker = Checker(loaded)
    out = SourceFields(LABEL)
    if not isinstance(loaded.data, dict):
        checker.fail(
            (), "CITATION.cff must be a mapping", "see https://citation-file-format.github.io"
        )
        return out, checker.problems
    data: dict[str, Any] = loaded.data
    if isinstance(data.get("title"), str):
        out.set("title", data["title"].strip(), ("title",))
    version = data.get("version")
    if isinstance(version, str) or (isinstance(version, int) and not isinstance(version, bool)):
        out.set("version", str(version).strip(), ("version",))
    elif version is not None:
        checker.fail(("version",), "the version must be text", 'quote it: version: "1.0"')
    if isinstance(data.get("abstract"), str):
        out.set("description", markdown_to_html(data["abstract"]).strip(), ("abstract",))
    if isinstance(data.get("keywords"), list):
        out.set("keywords", checker.strings(("keywords",)), ("keywords",))
    _license(checker, out, data.get("license"))
    released = data.get("date-released")
    if isinstance(released, str) and checker.issue(
        ("date-released",), check_edtf(released, allow_interval=False)
    ):
        out.set("publication_date", released.strip(), ("date-released",))
    # No `type:` gives no resource type: CFF's default (software) must not silently turn a
    # dataset into software; the manifest or another source decides, else validation asks.
    cff_type = data.get("type")
    if cff_type is None:
        pass
    elif cff_type in _TYPES:
        out.set("resource_type", _TYPES[str(cff_type)], ("type",))
    else:
        checker.fail(("type",), f"unknown CFF type {cff_type!r}", "use software or dataset")
    if isinstance(data.get("repository-code"), str):
        out.set("code_repository", data["repository-code"].strip(), ("repository-code",))
    authors = checker.items(("authors",))
    if not authors and "authors" in data:
        checker.fail(("authors",), "authors must be a non-empty list", "list the authors")
    creators = [_author(checker, p, entry) for p, entry in authors]
    if authors and all(c is not None for c in creators):
        out.set("creators", tuple(c for c in creators if c is not None), ("authors",))
    return out, checker.problems


def _license(checker: Checker, out: SourceFields, value: Any) -> None:
    if value is None:
        return
    if isinstance(value, list):
        if len(value) != 1 or not isinstance(value[0], str):
            checker.fail(
                ("license",),
                "zenodo-publish sends one license; CITATION.cff lists several",
                "set metadata.license in the manifest to the one Zenodo should show",
            )
            return
        value = value[0]
    if not isinstance(value, str):
        checker.fail(("license",), "the license must be an SPDX id", "e.g. license: MIT")
        return
    license_id, issue = check_license(value)
    # GPL-3.0 and friends are deprecated SPDX spellings of GPL-3.0-only: same licence, and the
    # only spelling Zenodo (and current SPDX lists) know.
    license_id = SPDX_DEPRECATED_EQUIVALENTS.get(license_id, license_id)
    if checker.issue(("license",), issue):
        out.set("license", license_id, ("license",))
