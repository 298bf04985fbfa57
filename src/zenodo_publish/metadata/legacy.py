"""The legacy deposit metadata (zenodo-api.md §5.3), and normalisation of what it echoes back.

A legacy PUT replaces everything and fills defaults for what is missing (a license, open access,
today's date), so :func:`to_legacy_payload` always sends the complete metadata, and
:func:`legacy_problems` names what the legacy shape cannot carry, so that nothing is dropped
without the user hearing about it.
"""

from __future__ import annotations

import datetime
from typing import Any

from zenodo_publish.metadata.model import Metadata, Person
from zenodo_publish.metadata.publishing import legacy_keys
from zenodo_publish.metadata.rdm import embargo_active, normalise_html, prune
from zenodo_publish.vocabularies import legacy_to_rdm

#: Lower-case relation ids -> the DataCite spelling the legacy API takes.
RELATIONS = {
    name.lower(): name
    for name in [
        "isCitedBy",
        "cites",
        "isSupplementTo",
        "isSupplementedBy",
        "isContinuedBy",
        "continues",
        "isDescribedBy",
        "describes",
        "hasMetadata",
        "isMetadataFor",
        "isNewVersionOf",
        "isPreviousVersionOf",
        "isPartOf",
        "hasPart",
        "isReferencedBy",
        "references",
        "isDocumentedBy",
        "documents",
        "isCompiledBy",
        "compiles",
        "isVariantFormOf",
        "isOriginalFormOf",
        "isIdenticalTo",
        "isAlternateIdentifier",
        "isReviewedBy",
        "reviews",
        "isDerivedFrom",
        "isSourceOf",
        "requires",
        "isRequiredBy",
        "isObsoletedBy",
        "obsoletes",
        "hasVersion",
        "isVersionOf",
        "isPublishedIn",
    ]
}

#: Lower-case role ids -> the legacy contributor ``type``.
ROLES = {
    name.lower(): name
    for name in [
        "ContactPerson",
        "DataCollector",
        "DataCurator",
        "DataManager",
        "Distributor",
        "Editor",
        "HostingInstitution",
        "Producer",
        "ProjectLeader",
        "ProjectManager",
        "ProjectMember",
        "RegistrationAgency",
        "RegistrationAuthority",
        "RelatedPerson",
        "Researcher",
        "ResearchGroup",
        "RightsHolder",
        "Supervisor",
        "Sponsor",
        "WorkPackageLeader",
        "Other",
    ]
}

#: Legacy license ids -> the RDM vocabulary ids they stand for: Zenodo's own legacy map (which
#: is also how it reads licences back, through the inverse: ``bsd-2-clause`` comes back as
#: ``bsd-2-clause-netbsd``), plus spellings people copy from old .zenodo.json files.
LEGACY_LICENSE_IDS = {
    **{legacy.lower(): rdm for legacy, rdm in legacy_to_rdm().items()},
    "cc-zero": "cc0-1.0",
    "mit-license": "mit",
    "apache2.0": "apache-2.0",
    "gpl-3.0": "gpl-3.0-only",
    "gpl-2.0": "gpl-2.0-only",
    "lgpl-3.0": "lgpl-3.0-only",
    "agpl-3.0": "agpl-3.0-only",
    "cc-by": "cc-by-4.0",
    "bsd-license": "bsd-3-clause",
}

#: Funder ROR ids -> the funder DOIs legacy grant ids are written with.
FUNDER_DOIS = {
    "00k4n6c32": "10.13039/501100000780",  # European Commission
    "021nxhr62": "10.13039/100000001",  # U.S. National Science Foundation
    "01cwqze88": "10.13039/100000002",  # U.S. National Institutes of Health
}
FUNDER_RORS = {doi: ror for ror, doi in FUNDER_DOIS.items()}

_SPLIT_TYPES = {"publication": "publication_type", "image": "image_type"}


def _today() -> datetime.date:
    return datetime.date.today()


def _resource_type_fields(resource_type: str) -> dict[str, str]:
    head, _, tail = resource_type.partition("-")
    if head in _SPLIT_TYPES and tail:
        return {"upload_type": head, _SPLIT_TYPES[head]: tail}
    # The legacy layer passes any other RDM id through as upload_type.
    return {"upload_type": resource_type}


def _person(person: Person, *, with_role: bool) -> dict[str, Any]:
    entry: dict[str, Any] = {"name": person.display_name}
    names = [a.name for a in person.affiliations if a.name]
    if names:
        entry["affiliation"] = names[0]
    identifiers = dict(person.identifiers)
    for scheme in ("orcid", "gnd"):
        if scheme in identifiers:
            entry[scheme] = identifiers[scheme]
    if with_role:
        entry["type"] = ROLES.get(person.role or "other", "Other")
    return entry


def _grant_id(award_id: str) -> str | None:
    funder, separator, number = award_id.partition("::")
    if not separator or funder not in FUNDER_DOIS:
        return None
    return f"{FUNDER_DOIS[funder]}::{number}"


def to_legacy_payload(md: Metadata, *, today: datetime.date | None = None) -> dict[str, Any]:
    """``{"metadata": {...}}``, complete, because a legacy PUT replaces everything."""
    day = today or _today()
    metadata: dict[str, Any] = {
        **_resource_type_fields(md.resource_type),
        "title": md.title,
        "creators": [_person(p, with_role=False) for p in md.creators],
        "description": md.description or "",
        "publication_date": md.publication_date or day.isoformat(),
        "imprint_publisher": md.publisher,
    }
    if embargo_active(md, day):
        metadata["access_right"] = "embargoed"
        metadata["embargo_date"] = md.embargo_until
    else:
        metadata["access_right"] = "restricted" if md.access_files == "restricted" else "open"
    if md.license:
        metadata["license"] = md.license
    if md.version:
        metadata["version"] = md.version
    keywords = [*md.keywords, *(s.subject for s in md.subjects if s.subject and not s.id)]
    if keywords:
        metadata["keywords"] = keywords
    if md.related:
        metadata["related_identifiers"] = [
            {
                "identifier": r.identifier,
                "relation": RELATIONS.get(r.relation_type, r.relation_type),
                **({"resource_type": r.resource_type} if r.resource_type else {}),
            }
            for r in md.related
        ]
    if md.contributors:
        metadata["contributors"] = [_person(p, with_role=True) for p in md.contributors]
    if md.communities:
        metadata["communities"] = [{"identifier": slug} for slug in md.communities]
    grants = [
        grant
        for f in md.funding
        if f.award is not None and f.award.id and (grant := _grant_id(f.award.id))
    ]
    if grants:
        metadata["grants"] = [{"id": grant} for grant in grants]
    if md.references:
        metadata["references"] = list(md.references)
    if md.languages:
        metadata["language"] = md.languages[0]
    if md.notes:
        metadata["notes"] = md.notes
    if md.dates:
        metadata["dates"] = [_date(d.date, d.type, d.description) for d in md.dates]
    if md.locations:
        metadata["locations"] = [
            prune(
                {"place": loc.place, "lat": loc.lat, "lon": loc.lon, "description": loc.description}
            )
            for loc in md.locations
        ]
    metadata.update(legacy_keys(md.publishing))
    if md.code_repository:
        metadata["custom"] = {"code:codeRepository": md.code_repository}
    return {"metadata": metadata}


def _date(date: str, date_type: str, description: str | None) -> dict[str, Any]:
    start, _, end = date.partition("/")
    entry: dict[str, Any] = {"start": start, "end": end or start, "type": date_type.capitalize()}
    if description:
        entry["description"] = description
    return entry


def legacy_problems(md: Metadata) -> list[tuple[str, str, str]]:
    """What the legacy API cannot carry: ``(field, message, hint)`` for each loss."""
    use_rdm = "use api: rdm (the default), or remove it"
    found: list[tuple[str, str, str]] = []
    if not md.description:
        found.append(("description", "the legacy API requires a description", "add one"))
    if md.license is None and md.access_files == "public":
        found.append(
            (
                "license",
                "without a license the legacy API picks one for you (CC0 or CC-BY-4.0)",
                "set metadata.license",
            )
        )
    if md.copyright:
        found.append(("copyright", "the legacy API has no copyright field", use_rdm))
    for kind, people in (("creators", md.creators), ("contributors", md.contributors)):
        for index, person in enumerate(people):
            if any(scheme in ("isni", "ror") for scheme, _ in person.identifiers):
                found.append(
                    (f"{kind}[{index}]", "the legacy API takes only orcid and gnd ids", use_rdm)
                )
            if person.affiliations and not any(a.name for a in person.affiliations):
                found.append(
                    (
                        f"{kind}[{index}]",
                        "the legacy API takes affiliation names, not ROR ids",
                        "add a name to the affiliation",
                    )
                )
    for index, funding in enumerate(md.funding):
        award_id = funding.award.id if funding.award else None
        if not award_id or _grant_id(award_id) is None:
            found.append(
                (
                    f"funding[{index}]",
                    "the legacy API takes only grants of known funders, as an award id",
                    "write award: {id: <funder ROR>::<number>} for EC, NSF or NIH, or " + use_rdm,
                )
            )
    if len(md.languages) > 1:
        found.append(("languages", "the legacy API takes one language", "keep one"))
    if any(s.id for s in md.subjects):
        found.append(("subjects", "the legacy API has no subject vocabulary ids", use_rdm))
    if md.embargo_reason:
        found.append(("access", "the legacy API has no embargo reason", use_rdm))
    return found


# --- normalisation ---------------------------------------------------------------------------

_DROPPED_ON_READ = ("prereserve_doi", "doi", "conceptdoi", "relations", "access_right_category")


def _license_id(value: Any) -> Any:
    if isinstance(value, dict):
        value = value.get("id")
    if isinstance(value, str):
        lowered = value.strip().lower()
        return LEGACY_LICENSE_IDS.get(lowered, lowered)
    return value


def _grant_number(grant: Any) -> Any:
    """Zenodo reads grants back as ``<funder DOI>::<number>``, or the bare number for FP7."""
    value = grant.get("id") if isinstance(grant, dict) else grant
    return value.rpartition("::")[2] if isinstance(value, str) else value


def _norm_date(entry: Any) -> Any:
    """What the legacy serializer shows of a date: the type id in lower case, start and end
    only for an interval (start == end is stored as one date, and one date shows neither)."""
    if not isinstance(entry, dict):
        return entry
    start, end = entry.get("start"), entry.get("end")
    result = {"type": str(entry.get("type", "")).lower(), "description": entry.get("description")}
    if start and end and start != end:
        result.update(start=start, end=end)
    return result


def _norm_location(entry: Any) -> Any:
    """A location at latitude or longitude 0 loses its geometry on Zenodo."""
    if not isinstance(entry, dict):
        return entry
    result = dict(entry)
    if not (result.get("lat") and result.get("lon")):
        result.pop("lat", None)
        result.pop("lon", None)
    return result


def _normalise_legacy_sets(result: dict[str, Any]) -> None:
    """Fields Zenodo reads back reshaped or unordered (inveniordm-real.md §3.4-3.6)."""
    communities = result.get("communities")
    if isinstance(communities, list):
        slugs = {c.get("identifier") if isinstance(c, dict) else c for c in communities}
        result["communities"] = sorted(str(s) for s in slugs)
    grants = result.get("grants")
    if isinstance(grants, list):
        result["grants"] = sorted(str(_grant_number(g)) for g in grants)
    if isinstance(result.get("dates"), list):
        result["dates"] = [_norm_date(d) for d in result["dates"]]
    if isinstance(result.get("locations"), list):
        result["locations"] = [_norm_location(loc) for loc in result["locations"]]


def _norm_legacy_person(entry: Any, *, with_role: bool) -> Any:
    if not isinstance(entry, dict):
        return entry
    result = {k: entry.get(k) for k in ("name", "affiliation", "orcid", "gnd")}
    if isinstance(result["gnd"], str):
        result["gnd"] = result["gnd"].removeprefix("gnd:")
    if with_role:
        result["type"] = entry.get("type")
    return result


def normalise_legacy(metadata: dict[str, Any]) -> dict[str, Any]:
    """Legacy deposition metadata (or ``{"metadata": ...}``) reduced to what carries meaning."""
    inner = metadata.get("metadata")
    source = inner if isinstance(inner, dict) else metadata
    result = {k: v for k, v in source.items() if k not in _DROPPED_ON_READ}
    if "license" in result:
        result["license"] = _license_id(result["license"])
    if result.get("access_right") == "closed":
        result["access_right"] = "restricted"
    if result.get("publication_type") == "thesis":
        result["publication_type"] = "dissertation"
    # One resource type id: Zenodo reads ``software-computationalnotebook`` back as ``software``
    # plus ``software_type``, and publication/image types come as two fields anyway.
    upload_type = result.get("upload_type")
    subtype = result.get(f"{upload_type}_type") if isinstance(upload_type, str) else None
    if subtype:
        result["upload_type"] = f"{upload_type}-{subtype}"
    for key in [k for k in result if k.endswith("_type") and k != "upload_type"]:
        if key.removesuffix("_type").isalpha():
            result.pop(key)
    result.setdefault("imprint_publisher", "Zenodo")
    _normalise_legacy_sets(result)
    for key, with_role in (("creators", False), ("contributors", True)):
        if isinstance(result.get(key), list):
            result[key] = [_norm_legacy_person(p, with_role=with_role) for p in result[key]]
    related = result.get("related_identifiers")
    if isinstance(related, list):
        result["related_identifiers"] = [
            {
                "identifier": r.get("identifier"),
                "relation": str(r.get("relation", "")).lower(),
                "resource_type": r.get("resource_type"),
            }
            if isinstance(r, dict)
            else r
            for r in related
        ]
    for key in ("description", "notes"):
        if key in result:
            result[key] = normalise_html(result[key])
    normalised: dict[str, Any] = prune(result)
    return normalised
