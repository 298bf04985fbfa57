"""The InvenioRDM draft body (zenodo-api.md §6.7), and normalisation of what Zenodo echoes back.

``normalise_rdm(to_rdm_payload(md))`` and ``normalise_rdm(<the draft Zenodo returns>)`` are
equal when Zenodo holds what we sent: the server adds vocabulary titles, fills
``person_or_org.name``, returns empty lists and None for fields we never set, and may reflow the
HTML of descriptions; none of that is a difference.
"""

from __future__ import annotations

import datetime
import re
from typing import Any

from zenodo_publish.metadata.model import Funding, Location, Metadata, Person
from zenodo_publish.metadata.publishing import custom_fields

CODE_REPOSITORY_FIELD = "code:codeRepository"


def _today() -> datetime.date:
    return datetime.date.today()


def _person(person: Person) -> dict[str, Any]:
    person_or_org: dict[str, Any] = {"type": person.kind}
    if person.kind == "personal":
        person_or_org["family_name"] = person.family_name
        if person.given_name:
            person_or_org["given_name"] = person.given_name
    else:
        person_or_org["name"] = person.name
    if person.identifiers:
        person_or_org["identifiers"] = [
            {"scheme": scheme, "identifier": identifier}
            for scheme, identifier in person.identifiers
        ]
    entry: dict[str, Any] = {"person_or_org": person_or_org}
    if person.affiliations:
        entry["affiliations"] = [
            {"id": a.ror} if a.ror else {"name": a.name} for a in person.affiliations
        ]
    if person.role:
        entry["role"] = {"id": person.role}
    return entry


def embargo_active(md: Metadata, today: datetime.date) -> bool:
    """An embargo whose date has passed is over: Zenodo refuses ``active`` with a past date."""
    return md.embargo_until is not None and md.embargo_until > today.isoformat()


def to_rdm_payload(md: Metadata, *, today: datetime.date | None = None) -> dict[str, Any]:
    """The full draft body: metadata, access, files (always enabled) and custom fields."""
    day = today or _today()
    metadata: dict[str, Any] = {
        "resource_type": {"id": md.resource_type},
        "title": md.title,
        "publication_date": md.publication_date or day.isoformat(),
        "creators": [_person(p) for p in md.creators],
        "publisher": md.publisher,
    }
    if md.description:
        metadata["description"] = md.description
    if md.version:
        metadata["version"] = md.version
    if md.license:
        metadata["rights"] = [{"id": md.license}]
    if md.copyright:
        metadata["copyright"] = md.copyright
    subjects: list[dict[str, str | None]] = [{"subject": keyword} for keyword in md.keywords]
    subjects += [{"id": s.id} if s.id else {"subject": s.subject} for s in md.subjects]
    if subjects:
        metadata["subjects"] = subjects
    if md.languages:
        metadata["languages"] = [{"id": language} for language in md.languages]
    if md.related:
        metadata["related_identifiers"] = [
            {
                "identifier": r.identifier,
                "scheme": r.scheme,
                "relation_type": {"id": r.relation_type},
                **({"resource_type": {"id": r.resource_type}} if r.resource_type else {}),
            }
            for r in md.related
        ]
    if md.funding:
        metadata["funding"] = [_funding(f) for f in md.funding]
    if md.contributors:
        metadata["contributors"] = [_person(p) for p in md.contributors]
    if md.dates:
        metadata["dates"] = [
            {
                "date": d.date,
                "type": {"id": d.type},
                **({"description": d.description} if d.description else {}),
            }
            for d in md.dates
        ]
    if md.notes:
        metadata["additional_descriptions"] = [{"description": md.notes, "type": {"id": "notes"}}]
    if md.references:
        metadata["references"] = [{"reference": r} for r in md.references]
    if md.locations:
        metadata["locations"] = {"features": [_location(loc) for loc in md.locations]}

    access: dict[str, Any] = {"record": "public", "files": md.access_files}
    if embargo_active(md, day):
        access["files"] = "restricted"
        embargo: dict[str, Any] = {"active": True, "until": md.embargo_until}
        if md.embargo_reason:
            embargo["reason"] = md.embargo_reason
        access["embargo"] = embargo
    body: dict[str, Any] = {"metadata": metadata, "access": access, "files": {"enabled": True}}
    custom: dict[str, Any] = custom_fields(md.publishing)
    if md.code_repository:
        custom[CODE_REPOSITORY_FIELD] = md.code_repository
    if custom:
        body["custom_fields"] = custom
    return body


def _funding(funding: Funding) -> dict[str, Any]:
    funder = funding.funder
    entry: dict[str, Any] = {"funder": {"id": funder.ror} if funder.ror else {"name": funder.name}}
    award = funding.award
    if award is not None:
        if award.id:
            entry["award"] = {"id": award.id}
        else:
            rendered: dict[str, Any] = {}
            if award.title:
                rendered["title"] = {"en": award.title}
            if award.number:
                rendered["number"] = award.number
            if award.identifiers:
                rendered["identifiers"] = [
                    {"scheme": scheme, "identifier": identifier}
                    for scheme, identifier in award.identifiers
                ]
            entry["award"] = rendered
    return entry


def _location(location: Location) -> dict[str, Any]:
    feature: dict[str, Any] = {"place": location.place}
    if location.lat is not None and location.lon is not None:
        # GeoJSON order is longitude first.
        feature["geometry"] = {"type": "Point", "coordinates": [location.lon, location.lat]}
    if location.description:
        feature["description"] = location.description
    return feature


# --- normalisation ---------------------------------------------------------------------------


def prune(value: Any) -> Any:
    """Drop None, empty strings, empty lists and empty dicts, recursively."""
    if isinstance(value, dict):
        pruned = {k: prune(v) for k, v in value.items()}
        return {k: v for k, v in pruned.items() if v not in (None, "", [], {})}
    if isinstance(value, list):
        items = [prune(v) for v in value]
        return [v for v in items if v not in (None, "", [], {})]
    return value


def normalise_html(text: Any) -> Any:
    """Whitespace between tags and at the ends carries no meaning in a description."""
    if not isinstance(text, str):
        return text
    return re.sub(r">\s+<", "><", text.strip())


def _vocab(entry: Any) -> Any:
    if isinstance(entry, dict) and "id" in entry:
        return {"id": entry["id"]}
    return entry


def _norm_person(entry: Any) -> Any:
    if not isinstance(entry, dict):
        return entry
    result = dict(entry)
    person = result.get("person_or_org")
    if isinstance(person, dict):
        person = dict(person)
        if person.get("type", "personal") == "personal":
            person.pop("name", None)  # the server derives it from family and given name
        identifiers = person.get("identifiers")
        if isinstance(identifiers, list):
            person["identifiers"] = sorted(
                (
                    {"scheme": i.get("scheme"), "identifier": i.get("identifier")}
                    for i in identifiers
                    if isinstance(i, dict)
                ),
                key=lambda i: (str(i["scheme"]), str(i["identifier"])),
            )
        result["person_or_org"] = person
    affiliations = result.get("affiliations")
    if isinstance(affiliations, list):
        result["affiliations"] = [_id_or_name(a) for a in affiliations]
    if "role" in result:
        result["role"] = _vocab(result["role"])
    return result


def _id_or_name(entry: Any) -> Any:
    if isinstance(entry, dict):
        if entry.get("id"):
            return {"id": entry["id"]}
        return {"name": entry.get("name")}
    return entry


def _norm_funding(entry: Any) -> Any:
    if not isinstance(entry, dict):
        return entry
    result = {"funder": _id_or_name(entry.get("funder"))}
    award = entry.get("award")
    if isinstance(award, dict):
        if award.get("id"):
            result["award"] = {"id": award["id"]}
        else:
            result["award"] = {k: award.get(k) for k in ("title", "number", "identifiers")}
    return result


def _map(items: Any, function: Any) -> Any:
    return [function(item) for item in items] if isinstance(items, list) else items


def _norm_related(entry: Any) -> Any:
    if not isinstance(entry, dict):
        return entry
    result = dict(entry)
    for key in ("relation_type", "resource_type"):
        if key in result:
            result[key] = _vocab(result[key])
    return result


def _norm_dated(entry: Any) -> Any:
    if not isinstance(entry, dict):
        return entry
    result = dict(entry)
    if "type" in result:
        result["type"] = _vocab(result["type"])
    if "description" in result:
        result["description"] = normalise_html(result["description"])
    return result


def _norm_subject(entry: Any) -> Any:
    if isinstance(entry, dict) and entry.get("id"):
        return {"id": entry["id"]}
    if isinstance(entry, dict):
        return {"subject": entry.get("subject")}
    return entry


def _normalise_metadata(metadata: dict[str, Any]) -> dict[str, Any]:
    result = dict(metadata)
    for key in ("resource_type",):
        if key in result:
            result[key] = _vocab(result[key])
    for key in ("rights", "languages"):
        result[key] = _map(result.get(key), _vocab)
    for key in ("creators", "contributors"):
        result[key] = _map(result.get(key), _norm_person)
    result["related_identifiers"] = _map(result.get("related_identifiers"), _norm_related)
    result["funding"] = _map(result.get("funding"), _norm_funding)
    result["dates"] = _map(result.get("dates"), _norm_dated)
    result["additional_descriptions"] = _map(result.get("additional_descriptions"), _norm_dated)
    result["subjects"] = _map(result.get("subjects"), _norm_subject)
    if "description" in result:
        result["description"] = normalise_html(result["description"])
    normalised: dict[str, Any] = prune(result)
    return normalised


def _normalise_access(access: Any) -> Any:
    if not isinstance(access, dict):
        return access
    result: dict[str, Any] = {
        "record": access.get("record", "public"),
        "files": access.get("files", "public"),
    }
    embargo = access.get("embargo")
    if isinstance(embargo, dict) and embargo.get("active"):
        result["embargo"] = prune(
            {"active": True, "until": embargo.get("until"), "reason": embargo.get("reason")}
        )
    return result


def normalise_rdm(body_or_metadata: dict[str, Any]) -> dict[str, Any]:
    """A draft body (``{"metadata": ..., "access": ...}``) or a bare metadata dict, reduced to
    what carries meaning. Bodies keep ``metadata``, ``access`` and ``custom_fields``."""
    metadata = body_or_metadata.get("metadata")
    if not isinstance(metadata, dict):
        return _normalise_metadata(body_or_metadata)
    result: dict[str, Any] = {"metadata": _normalise_metadata(metadata)}
    if "access" in body_or_metadata:
        result["access"] = _normalise_access(body_or_metadata["access"])
    custom_fields = prune(body_or_metadata.get("custom_fields") or {})
    if custom_fields:
        result["custom_fields"] = custom_fields
    return result
