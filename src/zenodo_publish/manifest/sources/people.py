"""Creators, contributors, affiliations and funders as the manifest writes them."""

from __future__ import annotations

from typing import Any

from zenodo_publish.manifest.loader import PathKey
from zenodo_publish.manifest.sources import Checker
from zenodo_publish.manifest.vocabularies import PERSON_ID_CHECKS, check_ror, check_vocabulary
from zenodo_publish.metadata.model import Affiliation, Person, PersonKind


def organisation(checker: Checker, path: PathKey, value: Any) -> Affiliation | None:
    """``"Free text"``, ``{name: ...}``, ``{ror: ...}`` or both keys."""
    if isinstance(value, str):
        return Affiliation(name=value.strip())
    if not isinstance(value, dict):
        return None
    ror = value.get("ror")
    name = value.get("name")
    if isinstance(ror, str):
        ror, issue = check_ror(ror)
        if not checker.issue((*path, "ror"), issue):
            return None
    return Affiliation(
        ror=ror if isinstance(ror, str) else None,
        name=name.strip() if isinstance(name, str) else None,
    )


def _kind_and_names(
    checker: Checker, path: PathKey, entry: dict[str, Any]
) -> tuple[PersonKind, str | None, str | None, str | None] | None:
    family, given, name = entry.get("family_name"), entry.get("given_name"), entry.get("name")
    declared = entry.get("type")
    if isinstance(family, str) and isinstance(name, str):
        checker.fail(
            (*path, "name"),
            "both name and family_name are given",
            "keep family_name and given_name, or name alone",
            at_key=True,
        )
        return None
    if isinstance(family, str):
        if declared == "organizational":
            checker.fail(
                (*path, "type"),
                "an organisation has a name, not a family_name",
                "write name: instead",
            )
            return None
        return "personal", family.strip(), given.strip() if isinstance(given, str) else None, None
    if not isinstance(name, str):
        return None  # the schema reports the missing name
    if isinstance(given, str):
        checker.fail(
            (*path, "given_name"),
            "given_name goes with family_name, not with name",
            'write family_name: and given_name:, or name: "Family, Given"',
            at_key=True,
        )
        return None
    if declared == "organizational" or (declared is None and "," not in name):
        return "organizational", None, None, name.strip()
    head, _, tail = name.partition(",")
    return "personal", head.strip(), tail.strip() or None, None


def person(checker: Checker, path: PathKey, entry: Any, *, role_required: bool) -> Person | None:
    if not isinstance(entry, dict):
        return None
    names = _kind_and_names(checker, path, entry)
    ok = names is not None
    identifiers: list[tuple[str, str]] = []
    raw_ids = entry.get("identifiers")
    if isinstance(raw_ids, dict):
        for scheme, value in raw_ids.items():
            check = PERSON_ID_CHECKS.get(scheme)
            if check is None or not isinstance(value, str):
                continue  # the schema reports unknown schemes and wrong types
            normalised, issue = check(value)
            if checker.issue((*path, "identifiers", scheme), issue):
                identifiers.append((scheme, normalised))
            else:
                ok = False
    affiliations: list[Affiliation] = []
    for item_path, item in checker.items((*path, "affiliations")):
        found = organisation(checker, item_path, item)
        if found is None:
            ok = False
        elif found in affiliations:
            checker.fail(item_path, "the same affiliation is listed twice", "remove one")
            ok = False
        else:
            affiliations.append(found)
    role = entry.get("role")
    if isinstance(role, str):
        role, issue = check_vocabulary(role, "contributor_roles", "contributor role")
        ok = checker.issue((*path, "role"), issue) and ok
    elif role_required:
        ok = False  # the schema reports the missing role
    if not ok or names is None:
        return None
    kind, family, given, org_name = names
    return Person(
        kind=kind,
        family_name=family,
        given_name=given,
        name=org_name,
        identifiers=tuple(identifiers),
        affiliations=tuple(affiliations),
        role=role if isinstance(role, str) else None,
    )


def people(checker: Checker, path: PathKey, *, role_required: bool) -> tuple[Person, ...] | None:
    """All entries of the list at ``path``; None when any is wrong (problems are recorded)."""
    found: list[Person] = []
    ok = True
    for item_path, item in checker.items(path):
        parsed = person(checker, item_path, item, role_required=role_required)
        if parsed is None:
            ok = False
        else:
            found.append(parsed)
    return tuple(found) if ok else None
