"""RDM metadata validation (zenodo-api.md §6.3, §6.7).

Draft saves load leniently: a field that fails validation is dropped and reported in
``errors``, the save itself succeeds. Unknown vocabulary ids are hard 400s ("Invalid value X.").
Publish runs the same checks strictly and adds the DOI provider's and the files component's.
The unit of dropping is the top-level metadata field (an approximation of marshmallow's
``valid_data``, which can keep the valid part of a list).
"""

from __future__ import annotations

import copy
import re
from datetime import date, datetime
from typing import Any

from zenodo_publish.emulator import vocabularies as vocab
from zenodo_publish.emulator.state import JSON, ApiError, field_error

MISSING = "Missing data for required field."
REQUIRED = ("resource_type", "title", "publication_date", "creators")
KNOWN_FIELDS = frozenset(
    [
        "resource_type",
        "title",
        "additional_titles",
        "publication_date",
        "creators",
        "contributors",
        "description",
        "additional_descriptions",
        "publisher",
        "version",
        "rights",
        "subjects",
        "languages",
        "related_identifiers",
        "identifiers",
        "funding",
        "dates",
        "references",
        "copyright",
        "locations",
        "sizes",
        "formats",
    ]
)
_DATE = r"\d{4}(-\d{2}(-\d{2})?)?"
_EDTF = re.compile(rf"^{_DATE}(/{_DATE})?$")


def _vocab_id(value: Any) -> str | None:
    if isinstance(value, dict) and isinstance(value.get("id"), str):
        return str(value["id"])
    return None


def _invalid(value: str) -> ApiError:
    return ApiError(400, f"Invalid value {value}.")


def check_vocabularies(metadata: JSON) -> None:
    """Raise 400 for ids unknown to the vocabularies, as Zenodo does on save (§6.3)."""
    rt = _vocab_id(metadata.get("resource_type"))
    if rt is not None and rt not in vocab.RESOURCE_TYPES:
        raise _invalid(rt)
    for right in _dicts(metadata.get("rights")):
        rid = right.get("id")
        if isinstance(rid, str) and rid not in vocab.LICENSES:
            raise _invalid(rid)
    for lang in _dicts(metadata.get("languages")):
        lid = lang.get("id")
        if isinstance(lid, str) and lid not in vocab.LANGUAGES:
            raise _invalid(lid)
    for rel in _dicts(metadata.get("related_identifiers")):
        rel_id = _vocab_id(rel.get("relation_type"))
        if rel_id is not None and rel_id not in vocab.RELATION_TYPES:
            raise _invalid(rel_id)
        rtype = _vocab_id(rel.get("resource_type"))
        if rtype is not None and rtype not in vocab.RESOURCE_TYPES:
            raise _invalid(rtype)
    for person in _dicts(metadata.get("contributors")) + _dicts(metadata.get("creators")):
        role = _vocab_id(person.get("role"))
        if role is not None and role not in vocab.CONTRIBUTOR_ROLES:
            raise _invalid(role)
    for item in _dicts(metadata.get("dates")):
        dtype = _vocab_id(item.get("type"))
        if dtype is not None and dtype not in vocab.DATE_TYPES:
            raise _invalid(dtype)
    for item in _dicts(metadata.get("additional_descriptions")):
        dtype = _vocab_id(item.get("type"))
        if dtype is not None and dtype not in vocab.DESCRIPTION_TYPES:
            raise _invalid(dtype)


def _dicts(value: Any) -> list[JSON]:
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def _check_person(person: Any, path: str, *, role_required: bool) -> list[JSON]:
    if not isinstance(person, dict):
        return [field_error(path, "Invalid input type.")]
    errors: list[JSON] = []
    po = person.get("person_or_org")
    if not isinstance(po, dict):
        return [field_error(f"{path}.person_or_org", MISSING)]
    kind = po.get("type")
    if kind == "personal":
        if not str(po.get("family_name") or "").strip():
            errors.append(
                field_error(f"{path}.person_or_org.family_name", "Family name cannot be blank.")
            )
    elif kind == "organizational":
        if not str(po.get("name") or "").strip():
            errors.append(field_error(f"{path}.person_or_org.name", "Name cannot be blank."))
    else:
        errors.append(
            field_error(f"{path}.person_or_org.type", "Must be one of: personal, organizational.")
        )
    seen: set[str] = set()
    for n, ident in enumerate(po.get("identifiers") or []):
        scheme = ident.get("scheme") if isinstance(ident, dict) else None
        if scheme not in vocab.CREATOR_SCHEMES:
            errors.append(
                field_error(
                    f"{path}.person_or_org.identifiers.{n}.scheme", f"Invalid scheme {scheme}."
                )
            )
        elif scheme in seen:
            errors.append(
                field_error(
                    f"{path}.person_or_org.identifiers",
                    f"Only one identifier per scheme ({scheme}) allowed.",
                )
            )
        seen.add(str(scheme))
    names = [a.get("name") or a.get("id") for a in _dicts(person.get("affiliations"))]
    if len(names) != len(set(names)):
        errors.append(field_error(f"{path}.affiliations", "Duplicated affiliations."))
    if role_required and _vocab_id(person.get("role")) is None:
        errors.append(field_error(f"{path}.role", MISSING))
    return errors


def _check_field(name: str, value: Any) -> list[JSON]:
    path = f"metadata.{name}"
    if name == "title":
        if not isinstance(value, str):
            return [field_error(path, "Not a valid string.")]
        if len(value.strip()) < 3:
            return [field_error(path, "Shorter than minimum length 3.")]
    elif name == "description":
        if not isinstance(value, str) or len(value.strip()) < 3:
            return [field_error(path, "Shorter than minimum length 3.")]
    elif name == "resource_type":
        if _vocab_id(value) is None:
            return [field_error(f"{path}.id", MISSING)]
    elif name == "publication_date":
        if not isinstance(value, str) or not _EDTF.match(value) or not _dates_exist(value):
            return [field_error(path, "Please provide a valid date or interval.")]
    elif name in ("creators", "contributors"):
        if not isinstance(value, list):
            return [field_error(path, "Not a valid list.")]
        if not value:
            return [field_error(path, "Shorter than minimum length 1.")]
        errors: list[JSON] = []
        for n, person in enumerate(value):
            errors += _check_person(person, f"{path}.{n}", role_required=name == "contributors")
        return errors
    elif name in ("related_identifiers", "identifiers"):
        if not isinstance(value, list):
            return [field_error(path, "Not a valid list.")]
        errors = []
        for n, item in enumerate(value):
            if not isinstance(item, dict) or not item.get("identifier"):
                errors.append(field_error(f"{path}.{n}.identifier", MISSING))
                continue
            scheme = item.get("scheme")
            if scheme is not None and scheme not in vocab.IDENTIFIER_SCHEMES:
                errors.append(field_error(f"{path}.{n}.scheme", f"Invalid scheme {scheme}."))
            if name == "related_identifiers" and _vocab_id(item.get("relation_type")) is None:
                errors.append(field_error(f"{path}.{n}.relation_type", MISSING))
        return errors
    elif name in (
        "rights",
        "subjects",
        "languages",
        "funding",
        "dates",
        "references",
        "additional_descriptions",
        "additional_titles",
    ) and not isinstance(value, list):
        return [field_error(path, "Not a valid list.")]
    elif name in ("publisher", "version", "copyright") and not isinstance(value, str):
        return [field_error(path, "Not a valid string.")]
    return []


def _dates_exist(value: str) -> bool:
    for part in value.split("/"):
        pieces = [int(p) for p in part.split("-")] + [1, 1]
        try:
            date(pieces[0], pieces[1], pieces[2])
        except ValueError:
            return False
    return True


def _fill_names(metadata: JSON) -> None:
    """The server fills ``person_or_org.name`` as "Family, Given" (§6.7)."""
    for key in ("creators", "contributors"):
        for person in _dicts(metadata.get(key)):
            po = person.get("person_or_org")
            if isinstance(po, dict) and po.get("type") == "personal" and po.get("family_name"):
                given = po.get("given_name")
                po["name"] = f"{po['family_name']}, {given}" if given else po["family_name"]


def load_metadata(raw: Any) -> tuple[JSON, list[JSON]]:
    """Lenient load: (metadata with invalid fields dropped, errors)."""
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        return {}, [field_error("metadata", "Invalid input type.")]
    check_vocabularies(raw)
    metadata: JSON = {}
    errors: list[JSON] = []
    for name, value in raw.items():
        if name not in KNOWN_FIELDS:
            errors.append(field_error(f"metadata.{name}", "Unknown field."))
            continue
        problems = _check_field(name, value)
        if problems:
            errors += problems
        else:
            metadata[name] = copy.deepcopy(value)
    for name in REQUIRED:
        if name not in raw:
            errors.append(field_error(f"metadata.{name}", MISSING))
    _fill_names(metadata)
    return metadata, errors


def check_access(access: Any, now: float) -> list[JSON]:
    """Errors for an ``access`` block. Restricted records are a hard 400 on Zenodo."""
    if not isinstance(access, dict):
        return [field_error("access", "Invalid input type.")]
    if access.get("record", "public") != "public":
        raise ApiError(
            400,
            "A validation error occurred.",
            [field_error("access.record", "You don't have permissions to manage record access.")],
        )
    errors: list[JSON] = []
    if access.get("files", "public") not in ("public", "restricted"):
        errors.append(field_error("access.files", "Must be one of: public, restricted."))
    embargo = access.get("embargo") or {}
    until = embargo.get("until") if isinstance(embargo, dict) else None
    today = datetime.fromtimestamp(now).date().isoformat()
    if isinstance(embargo, dict) and embargo.get("active"):
        if not until or str(until) <= today:
            errors.append(
                field_error("access.embargo.until", "Embargo end date must be in the future.")
            )
    elif until and str(until) > today:
        errors.append(
            field_error(
                "access.embargo.active", "An embargo with a future end date must be active."
            )
        )
    return errors


def check_doi(pids: JSON, doi_prefix: str) -> list[JSON]:
    doi = pids.get("doi") if isinstance(pids, dict) else None
    if not isinstance(doi, dict):
        return []
    identifier = str(doi.get("identifier", ""))
    provider = doi.get("provider")
    if provider == "external":
        if identifier.startswith(("10.5281/", "10.5072/")):
            return [
                field_error(
                    "pids.doi",
                    "The prefix of this DOI is managed by Zenodo; "
                    "it cannot be used as an external DOI.",
                )
            ]
        return []
    wrong = "10.5281" if doi_prefix == "10.5072" else "10.5072"
    if identifier.startswith(wrong + "/"):
        return [
            field_error("pids.doi", f"Wrong DOI {wrong} prefix provided, it should be {doi_prefix}")
        ]
    return []


def publish_errors(
    metadata: JSON, access: JSON, pids: JSON, doi_prefix: str, now: float
) -> list[JSON]:
    """Every reason publish refuses this draft's metadata (files are checked separately)."""
    _clean, errors = load_metadata(metadata)
    errors += check_access(access, now)
    errors += check_doi(pids, doi_prefix)
    if not str(metadata.get("publisher") or "").strip():
        errors.append(
            field_error(
                "metadata.publisher", "Missing publisher field required for DOI registration."
            )
        )
    return errors
