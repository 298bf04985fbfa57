""".zenodo.json (the GitHub integration's file, legacy deposit metadata, zenodo-api.md §5.3)
as a metadata source. Keys this tool cannot carry into a record are reported, not dropped."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

from zenodo_publish.errors import ManifestError, Problem
from zenodo_publish.manifest.loader import (
    LoadedYaml,
    PathKey,
    parse_yaml,
    read_text,
    source_file_problems,
)
from zenodo_publish.manifest.sources import Checker, SourceFields, as_html
from zenodo_publish.manifest.vocabularies import (
    check_edtf,
    check_full_date,
    check_gnd,
    check_identifier,
    check_language,
    check_license,
    check_orcid,
    check_vocabulary,
    detect_scheme,
)
from zenodo_publish.metadata.legacy import FUNDER_RORS, LEGACY_LICENSE_IDS
from zenodo_publish.metadata.model import (
    Affiliation,
    Award,
    DateEntry,
    Funding,
    Location,
    Person,
    RelatedIdentifier,
    Subject,
)
from zenodo_publish.metadata.publishing import LEGACY_TO_CUSTOM

LABEL = ".zenodo.json"
EUROPEAN_COMMISSION_ROR = "00k4n6c32"

#: .zenodo.json keys -> the metadata fields they give.
KEYS = {
    "title": "title", "description": "description", "upload_type": "resource_type",
    "publication_type": "resource_type", "image_type": "resource_type", "creators": "creators",
    "contributors": "contributors", "keywords": "keywords", "license": "license",
    "related_identifiers": "related", "version": "version",
    "publication_date": "publication_date", "access_right": "access_files",
    "embargo_date": "embargo_until", "communities": "communities", "grants": "funding",
    "language": "languages", "notes": "notes", "references": "references", "dates": "dates",
    "locations": "locations", "imprint_publisher": "publisher", "subjects": "subjects",
    "thesis_supervisors": "contributors",
    **dict.fromkeys(LEGACY_TO_CUSTOM, "publishing"),
}  # fmt: skip

_HANDLED = {
    "title", "description", "upload_type", "publication_type", "image_type", "creators",
    "contributors", "keywords", "license", "related_identifiers", "version",
    "publication_date", "access_right", "embargo_date", "communities", "grants", "language",
    "notes", "references", "dates", "locations", "imprint_publisher", "subjects",
    "thesis_supervisors", *LEGACY_TO_CUSTOM,
}  # fmt: skip


def _load(path: Path) -> tuple[LoadedYaml | None, list[Problem]]:
    text = read_text(path, file=LABEL, root=path.parent)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        problem = Problem(
            f"not valid JSON: {error.msg}", LABEL, error.lineno, error.colno, "$", "fix the JSON"
        )
        return None, [problem]
    try:
        # JSON is YAML; parsing it again as YAML gives the line of every value.
        loaded = parse_yaml(text, file=LABEL)
    except ManifestError:
        loaded = LoadedYaml(data=None, file=LABEL)  # positions only; the JSON parse is the truth
    loaded.data = data
    return loaded, []


def _person(checker: Checker, path: PathKey, entry: Any, *, contributor: bool) -> Person | None:
    if not isinstance(entry, dict) or not isinstance(entry.get("name"), str):
        checker.fail(path, "each person needs a name", 'write {"name": "Family, Given"}')
        return None
    name: str = entry["name"].strip()
    family, separator, given = name.partition(",")
    # The legacy API splits on exactly one comma and keeps anything else whole.
    if not separator or "," in given:
        family, given = name, ""
    identifiers: list[tuple[str, str]] = []
    for scheme, check in (("orcid", check_orcid), ("gnd", check_gnd)):
        if isinstance(entry.get(scheme), str):
            value, issue = check(entry[scheme])
            if not checker.issue((*path, scheme), issue):
                return None
            identifiers.append((scheme, value))
    affiliation = entry.get("affiliation")
    role = None
    if contributor:
        kind = entry.get("type")
        if not isinstance(kind, str):
            checker.fail(path, "a contributor needs a type", 'add "type": "Editor" (or Other)')
            return None
        role, issue = check_vocabulary(kind, "contributor_roles", "contributor type")
        if not checker.issue((*path, "type"), issue):
            return None
    return Person(
        kind="personal",
        family_name=family.strip(),
        given_name=given.strip() or None,
        identifiers=tuple(identifiers),
        affiliations=(Affiliation(name=affiliation.strip()),)
        if isinstance(affiliation, str) and affiliation.strip()
        else (),
        role=role,
    )


def read_zenodo_json(repo_root: Path) -> tuple[SourceFields, list[Problem]]:
    path = repo_root / LABEL
    unreadable = source_file_problems(repo_root, LABEL)
    if unreadable:
        return SourceFields(LABEL), unreadable
    try:
        loaded, problems = _load(path)
    except ManifestError as error:
        return SourceFields(LABEL), error.problems
    out = SourceFields(LABEL)
    if loaded is None:
        return out, problems
    checker = Checker(loaded)
    if not isinstance(loaded.data, dict):
        checker.fail((), ".zenodo.json must hold a JSON object", 'write {"title": ...}')
        return out, checker.problems
    data: dict[str, Any] = loaded.data
    for key in data:
        if key not in _HANDLED:
            checker.fail(
                (key,),
                f"{key} is not supported by zenodo-publish",
                "remove it from .zenodo.json, or write the equivalent in the manifest's metadata:",
                at_key=True,
            )
    for key, name in (
        ("title", "title"),
        ("version", "version"),
        ("imprint_publisher", "publisher"),
    ):
        if isinstance(data.get(key), str):
            out.set(name, data[key].strip(), (key,))
    for key in ("description", "notes"):
        if isinstance(data.get(key), str):
            out.set(key, as_html(data[key]), (key,))
    for key in ("keywords", "references"):
        if isinstance(data.get(key), list):
            out.set(key, checker.strings((key,)), (key,))
    _resource_type(checker, out, data)
    _license(checker, out, data.get("license"))
    _access(checker, out, data)
    for key, contributor in (("creators", False), ("contributors", True)):
        entries = checker.items((key,))
        found = [_person(checker, p, e, contributor=contributor) for p, e in entries]
        if entries and all(f is not None for f in found):
            out.set(key, tuple(f for f in found if f is not None), (key,))
    _supervisors(checker, out)
    _publishing(checker, out, data)
    published = data.get("publication_date")
    if isinstance(published, str) and checker.issue(("publication_date",), check_edtf(published)):
        out.set("publication_date", data["publication_date"].strip(), ("publication_date",))
    if isinstance(data.get("language"), str):
        language, issue = check_language(data["language"])
        if checker.issue(("language",), issue):
            out.set("languages", (language,), ("language",))
    communities = [
        c.get("identifier") for _, c in checker.items(("communities",)) if isinstance(c, dict)
    ]
    if communities:
        out.set("communities", tuple(str(c) for c in communities if c), ("communities",))
    _related(checker, out)
    _grants(checker, out)
    _rest(checker, out)
    return out, checker.problems


def _supervisors(checker: Checker, out: SourceFields) -> None:
    """``thesis_supervisors``: contributors with the role supervisor, as Zenodo maps them."""
    entries = checker.items(("thesis_supervisors",))
    found = [_person(checker, p, e, contributor=False) for p, e in entries]
    if not entries or any(f is None for f in found):
        return
    supervisors = tuple(dataclasses.replace(f, role="supervisor") for f in found if f is not None)
    earlier = out.values.get("contributors", ())
    out.set("contributors", (*earlier, *supervisors), ("thesis_supervisors",))


def _publishing(checker: Checker, out: SourceFields, data: dict[str, Any]) -> None:
    """Journal, conference, imprint and thesis keys into InvenioRDM's custom fields."""
    details: list[tuple[str, str, str]] = []
    for key, (field_name, subfield) in LEGACY_TO_CUSTOM.items():
        value = data.get(key)
        if value is None:
            continue
        if not isinstance(value, str) or not value.strip():
            checker.fail((key,), f"{key} must be a non-empty text", f'write "{key}": "..."')
            continue
        details.append((field_name, subfield, value.strip()))
    if details:
        first = next(k for k in LEGACY_TO_CUSTOM if k in data)
        out.set("publishing", tuple(details), (first,))


def _resource_type(checker: Checker, out: SourceFields, data: dict[str, Any]) -> None:
    upload_type = data.get("upload_type")
    if not isinstance(upload_type, str):
        return
    subtype = data.get(
        {"publication": "publication_type", "image": "image_type"}.get(upload_type, "")
    )
    if upload_type == "publication" and subtype == "thesis":
        subtype = "dissertation"  # Zenodo rewrites publication-thesis the same way
    wanted = f"{upload_type}-{subtype}" if isinstance(subtype, str) else upload_type
    value, issue = check_vocabulary(wanted, "resource_types", "upload_type")
    if checker.issue(("upload_type",), issue):
        out.set("resource_type", value, ("upload_type",))


def _license(checker: Checker, out: SourceFields, value: Any) -> None:
    if isinstance(value, dict):
        value = value.get("id")
    if not isinstance(value, str):
        return
    lowered = value.strip().lower()
    license_id, issue = check_license(LEGACY_LICENSE_IDS.get(lowered, lowered))
    if checker.issue(("license",), issue):
        out.set("license", license_id, ("license",))


def _access(checker: Checker, out: SourceFields, data: dict[str, Any]) -> None:
    right = data.get("access_right")
    if right is None:
        return
    if right not in ("open", "embargoed", "restricted", "closed"):
        checker.fail(
            ("access_right",),
            f"unknown access_right {right!r}",
            "use open, embargoed or restricted",
        )
        return
    out.set("access_files", "public" if right == "open" else "restricted", ("access_right",))
    if right == "embargoed":
        until = data.get("embargo_date")
        if not isinstance(until, str):
            checker.fail(
                ("access_right",),
                "embargoed needs embargo_date",
                'add "embargo_date": "YYYY-MM-DD"',
            )
        elif checker.issue(("embargo_date",), check_full_date(until)):
            # The converters restrict the files until the date; afterwards they are open.
            out.set("access_files", "public", ("access_right",))
            out.set("embargo_until", until.strip(), ("embargo_date",))


def _related(checker: Checker, out: SourceFields) -> None:
    found: list[RelatedIdentifier] = []
    entries = checker.items(("related_identifiers",))
    for path, entry in entries:
        if not isinstance(entry, dict) or not isinstance(entry.get("identifier"), str):
            checker.fail(path, "each related identifier needs an identifier", 'add "identifier"')
            continue
        scheme = detect_scheme(entry["identifier"])
        if scheme is None:
            checker.fail(
                (*path, "identifier"),
                f"cannot tell the scheme of {entry['identifier']!r}",
                "use a DOI, URL, arXiv id or ISBN, or move it to the manifest with scheme:",
            )
            continue
        identifier, _ = check_identifier(scheme, entry["identifier"])
        relation, issue = check_vocabulary(
            str(entry.get("relation", "")), "relation_types", "relation"
        )
        if not checker.issue((*path, "relation"), issue):
            continue
        resource_type = entry.get("resource_type")
        if isinstance(resource_type, str):
            resource_type, issue = check_vocabulary(
                resource_type, "resource_types", "resource type"
            )
            if not checker.issue((*path, "resource_type"), issue):
                continue
        found.append(
            RelatedIdentifier(
                identifier,
                scheme,
                relation,
                resource_type if isinstance(resource_type, str) else None,
            )
        )
    if entries and len(found) == len(entries):
        out.set("related", tuple(found), ("related_identifiers",))


def _grants(checker: Checker, out: SourceFields) -> None:
    found: list[Funding] = []
    entries = checker.items(("grants",))
    for path, entry in entries:
        grant = entry.get("id") if isinstance(entry, dict) else None
        if not isinstance(grant, str):
            checker.fail(path, "each grant needs an id", 'write {"id": "<funder DOI>::<award>"}')
            continue
        funder_doi, separator, number = grant.partition("::")
        ror = FUNDER_RORS.get(funder_doi) if separator else EUROPEAN_COMMISSION_ROR
        number = number if separator else grant
        if ror is None:
            checker.fail(
                (*path, "id"),
                f"unknown funder {funder_doi}",
                "write this grant in the manifest's metadata.funding with the funder's ROR id",
            )
            continue
        found.append(Funding(Affiliation(ror=ror), Award(id=f"{ror}::{number}")))
    if entries and len(found) == len(entries):
        out.set("funding", tuple(found), ("grants",))


def _rest(checker: Checker, out: SourceFields) -> None:
    dates: list[DateEntry] = []
    for path, entry in checker.items(("dates",)):
        if not isinstance(entry, dict):
            continue
        start, end = entry.get("start"), entry.get("end")
        if not isinstance(start, str) and not isinstance(end, str):
            checker.fail(path, "a date needs start or end", 'add "start": "YYYY-MM-DD"')
            continue
        value = (
            start
            if start == end or not isinstance(end, str)
            else (end if not isinstance(start, str) else f"{start}/{end}")
        )
        kind, issue = check_vocabulary(str(entry.get("type", "")), "date_types", "date type")
        if checker.issue((*path, "type"), issue) and checker.issue(path, check_edtf(str(value))):
            description = entry.get("description")
            dates.append(
                DateEntry(str(value), kind, description if isinstance(description, str) else None)
            )
    if dates:
        out.set("dates", tuple(dates), ("dates",))
    locations = [
        Location(
            place=e["place"],
            lat=float(e["lat"]) if isinstance(e.get("lat"), (int, float)) else None,
            lon=float(e["lon"]) if isinstance(e.get("lon"), (int, float)) else None,
            description=e.get("description") if isinstance(e.get("description"), str) else None,
        )
        for _, e in checker.items(("locations",))
        if isinstance(e, dict) and isinstance(e.get("place"), str)
    ]
    if locations:
        out.set("locations", tuple(locations), ("locations",))
    subjects = [
        Subject(subject=e["term"])
        for _, e in checker.items(("subjects",))
        if isinstance(e, dict) and isinstance(e.get("term"), str)
    ]
    if subjects:
        out.set("subjects", tuple(subjects), ("subjects",))
