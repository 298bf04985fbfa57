"""The manifest's own metadata: ``metadata:`` plus StepUp's top-level ``path_readme``,
``code_repository`` and ``access``. Structure is the schema's job; this checks values
(vocabularies, identifiers, dates) and builds canonical field values."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from zenodo_publish import paths
from zenodo_publish.errors import ManifestError
from zenodo_publish.manifest.loader import LoadedYaml, PathKey, read_text
from zenodo_publish.manifest.sources import Checker, SourceFields, as_html, markdown_to_html
from zenodo_publish.manifest.sources.people import organisation, people
from zenodo_publish.manifest.vocabularies import (
    check_edtf,
    check_full_date,
    check_identifier,
    check_language,
    check_license,
    check_vocabulary,
    detect_scheme,
)
from zenodo_publish.metadata.model import (
    Award,
    DateEntry,
    Funding,
    Location,
    RelatedIdentifier,
    Subject,
)

LABEL = "zenodo.yaml"
MD: PathKey = ("metadata",)


def read_manifest_metadata(loaded: LoadedYaml, repo_root: Path) -> tuple[SourceFields, Checker]:
    checker = Checker(loaded)
    out = SourceFields(LABEL)
    for name in ("title", "version", "publisher", "copyright", "publication_date"):
        value = checker.text((*MD, name))
        if value is None:
            continue
        if name == "publication_date" and not checker.issue((*MD, name), check_edtf(value)):
            continue
        out.set(name, value.strip(), (*MD, name))
    _description(checker, out, repo_root)
    _vocabularies(checker, out)
    for name in ("keywords", "references", "communities"):
        if isinstance(checker.loaded.get((*MD, name)), list):
            out.set(name, checker.strings((*MD, name)), (*MD, name))
    for name, role_required in (("creators", False), ("contributors", True)):
        if isinstance(checker.loaded.get((*MD, name)), list):
            found = people(checker, (*MD, name), role_required=role_required)
            if found is not None:
                out.set(name, found, (*MD, name))
    _related(checker, out)
    _funding(checker, out)
    _access(checker, out)
    _subjects_dates_locations(checker, out)
    notes = checker.text((*MD, "notes"))
    if notes is not None:
        out.set("notes", as_html(notes), (*MD, "notes"))
    repository = checker.text(("code_repository",))
    if repository is not None:
        out.set("code_repository", repository.strip(), ("code_repository",))
    return out, checker


def _description(checker: Checker, out: SourceFields, repo_root: Path) -> None:
    given = [
        path
        for path in ((*MD, "description"), (*MD, "description_file"), ("path_readme",))
        if checker.loaded.get(path) is not None
    ]
    if len(given) > 1:
        for path in given[1:]:
            checker.fail(
                path,
                "the description is given more than once",
                "keep one of metadata.description, metadata.description_file, path_readme",
                at_key=True,
            )
        return
    inline = checker.text((*MD, "description"))
    if inline is not None:
        out.set("description", as_html(inline), (*MD, "description"))
        return
    for path in ((*MD, "description_file"), ("path_readme",)):
        name = checker.text(path)
        if name is None:
            continue
        html = _read_description(checker, path, name, repo_root)
        if html is not None:
            out.set("description", html, path)


def _read_description(checker: Checker, path: PathKey, name: str, root: Path) -> str | None:
    try:
        target = paths.inside(root, name)
    except paths.UnsafePath as error:
        checker.fail(path, error.message, error.hint)
        return None
    except OSError:
        checker.fail(path, f"description file {name} does not exist", "create it or fix the path")
        return None
    try:
        text = read_text(target, file=name, root=root)
    except ManifestError as error:
        reason = error.problems[0].message if error.problems else "cannot read it"
        checker.fail(path, f"description file {name}: {reason}")
        return None
    if target.suffix.lower() in (".html", ".htm"):
        return text.strip()
    return markdown_to_html(text).strip()


def _vocabularies(checker: Checker, out: SourceFields) -> None:
    resource_type = checker.text((*MD, "resource_type"))
    if resource_type is not None:
        value, issue = check_vocabulary(resource_type, "resource_types", "resource type")
        if checker.issue((*MD, "resource_type"), issue):
            out.set("resource_type", value, (*MD, "resource_type"))
    license_id = checker.text((*MD, "license"))
    if license_id is not None:
        value, issue = check_license(license_id)
        if checker.issue((*MD, "license"), issue):
            out.set("license", value, (*MD, "license"))
    raw = checker.loaded.get((*MD, "language"))
    entries = (
        [((*MD, "language"), raw)] if isinstance(raw, str) else checker.items((*MD, "language"))
    )
    languages: list[str] = []
    for path, item in entries:
        if isinstance(item, str):
            value, issue = check_language(item)
            if checker.issue(path, issue):
                languages.append(value)
    if raw is not None and len(languages) == len(entries):
        out.set("languages", tuple(languages), (*MD, "language"))


def _related(checker: Checker, out: SourceFields) -> None:
    found: list[RelatedIdentifier] = []
    entries = checker.items((*MD, "related"))
    for path, entry in entries:
        if not isinstance(entry, dict) or not isinstance(entry.get("identifier"), str):
            continue
        identifier = entry["identifier"]
        scheme = entry.get("scheme")
        if isinstance(scheme, str):
            scheme, issue = check_vocabulary(scheme, "identifier_schemes", "identifier scheme")
            if not checker.issue((*path, "scheme"), issue):
                continue
        else:
            scheme = detect_scheme(identifier)
            if scheme is None:
                checker.fail(
                    (*path, "identifier"),
                    f"cannot tell the scheme of {identifier!r}",
                    "add scheme: (doi, url, arxiv, isbn, handle, ...)",
                )
                continue
        identifier, issue = check_identifier(scheme, identifier)
        ok = checker.issue((*path, "identifier"), issue)
        relation = entry.get("relation_type")
        if isinstance(relation, str):
            relation, issue = check_vocabulary(relation, "relation_types", "relation type")
            ok = checker.issue((*path, "relation_type"), issue) and ok
        resource_type = entry.get("resource_type")
        if isinstance(resource_type, str):
            resource_type, issue = check_vocabulary(
                resource_type, "resource_types", "resource type"
            )
            ok = checker.issue((*path, "resource_type"), issue) and ok
        if ok and isinstance(relation, str):
            rtype = resource_type if isinstance(resource_type, str) else None
            found.append(RelatedIdentifier(identifier, scheme, relation, rtype))
    if entries and len(found) == len(entries):
        out.set("related", tuple(found), (*MD, "related"))


def _award(checker: Checker, path: PathKey, award: dict[str, Any]) -> Award | None:
    if "id" in award and ("title" in award or "number" in award):
        checker.fail(path, "an award has an id or a title/number, not both", "keep one")
        return None
    identifiers: list[tuple[str, str]] = []
    for item_path, item in checker.items((*path, "identifiers")):
        if not isinstance(item, dict) or len(item) != 1:
            return None
        ((scheme, value),) = item.items()
        if not isinstance(value, str):
            return None
        scheme, issue = check_vocabulary(scheme, "identifier_schemes", "identifier scheme")
        if not checker.issue(item_path, issue):
            return None
        value, issue = check_identifier(scheme, value)
        if not checker.issue((*item_path, scheme), issue):
            return None
        identifiers.append((scheme, value))
    text = {k: award[k] for k in ("id", "title", "number") if isinstance(award.get(k), str)}
    return Award(text.get("id"), text.get("title"), text.get("number"), tuple(identifiers))


def _funding(checker: Checker, out: SourceFields) -> None:
    found: list[Funding] = []
    entries = checker.items((*MD, "funding"))
    for path, entry in entries:
        if not isinstance(entry, dict):
            continue
        funder = organisation(checker, (*path, "funder"), entry.get("funder"))
        award = entry.get("award")
        parsed_award = _award(checker, (*path, "award"), award) if isinstance(award, dict) else None
        if funder is None or (isinstance(award, dict) and parsed_award is None):
            continue
        found.append(Funding(funder, parsed_award))
    if entries and len(found) == len(entries):
        out.set("funding", tuple(found), (*MD, "funding"))


def _access(checker: Checker, out: SourceFields) -> None:
    nested = checker.text((*MD, "access", "files"))
    stepup = checker.text(("access", "files"))
    if nested is not None and stepup is not None:
        checker.fail(
            ("access", "files"),
            "file access is given twice (access.files and metadata.access.files)",
            "keep metadata.access.files",
        )
    elif nested is not None or stepup is not None:
        path: PathKey = (*MD, "access", "files") if nested is not None else ("access", "files")
        out.set("access_files", nested or stepup, path)
    until = checker.text((*MD, "access", "embargo_until"))
    if until is not None and checker.issue(
        (*MD, "access", "embargo_until"), check_full_date(until)
    ):
        out.set("embargo_until", until.strip(), (*MD, "access", "embargo_until"))
    reason = checker.text((*MD, "access", "embargo_reason"))
    if reason is not None:
        if until is None:
            checker.fail(
                (*MD, "access", "embargo_reason"),
                "a reason without embargo_until",
                "add embargo_until: YYYY-MM-DD or remove the reason",
            )
        out.set("embargo_reason", reason.strip(), (*MD, "access", "embargo_reason"))


def _subjects_dates_locations(checker: Checker, out: SourceFields) -> None:
    subjects: list[Subject] = []
    for _, item in checker.items((*MD, "subjects")):
        if isinstance(item, str):
            subjects.append(Subject(subject=item.strip()))
        elif isinstance(item, dict) and isinstance(item.get("subject"), str):
            subjects.append(Subject(subject=item["subject"].strip()))
        elif isinstance(item, dict) and isinstance(item.get("id"), str):
            subjects.append(Subject(id=item["id"].strip()))
    if subjects:
        out.set("subjects", tuple(subjects), (*MD, "subjects"))
    dates: list[DateEntry] = []
    entries = checker.items((*MD, "dates"))
    for path, entry in entries:
        if not isinstance(entry, dict):
            continue
        date, kind = entry.get("date"), entry.get("type")
        if not isinstance(date, str) or not isinstance(kind, str):
            continue
        ok = checker.issue((*path, "date"), check_edtf(date))
        kind, issue = check_vocabulary(kind, "date_types", "date type")
        ok = checker.issue((*path, "type"), issue) and ok
        description = entry.get("description")
        if ok:
            dates.append(
                DateEntry(date.strip(), kind, description if isinstance(description, str) else None)
            )
    if entries and len(dates) == len(entries):
        out.set("dates", tuple(dates), (*MD, "dates"))
    locations = [
        Location(
            place=entry["place"],
            lat=float(entry["lat"]) if isinstance(entry.get("lat"), (int, float)) else None,
            lon=float(entry["lon"]) if isinstance(entry.get("lon"), (int, float)) else None,
            description=entry.get("description")
            if isinstance(entry.get("description"), str)
            else None,
        )
        for _, entry in checker.items((*MD, "locations"))
        if isinstance(entry, dict) and isinstance(entry.get("place"), str)
    ]
    if locations:
        out.set("locations", tuple(locations), (*MD, "locations"))
