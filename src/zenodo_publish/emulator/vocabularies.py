"""Zenodo's controlled vocabularies as the emulator checks them.

Resource types and relation types are complete (43 and 34 ids). Licences are Zenodo's own 444 and
languages InvenioRDM's fixture (both from :mod:`zenodo_publish.vocabularies`, the lists the
manifest checks use too). Ids are matched case-sensitively, like Zenodo's vocabulary relations.
"""

from __future__ import annotations

from zenodo_publish.vocabularies import (
    languages,
    languages_by_alpha2,
    legacy_to_rdm,
    rdm_to_legacy,
    zenodo_licenses,
)

_PUBLICATION = [
    "annotationcollection",
    "article",
    "book",
    "conferencepaper",
    "conferenceproceeding",
    "datamanagementplan",
    "datapaper",
    "deliverable",
    "dissertation",
    "journal",
    "milestone",
    "other",
    "patent",
    "peerreview",
    "preprint",
    "proposal",
    "report",
    "section",
    "softwaredocumentation",
    "standard",
    "taxonomictreatment",
    "technicalnote",
    "workingpaper",
]
_IMAGE = ["diagram", "drawing", "figure", "other", "photo", "plot"]

RESOURCE_TYPES: frozenset[str] = frozenset(
    ["dataset", "event", "image", "lesson", "model", "other", "physicalobject", "poster"]
    + ["presentation", "publication", "software", "software-computationalnotebook", "video"]
    + ["workflow"]
    + [f"image-{s}" for s in _IMAGE]
    + [f"publication-{s}" for s in _PUBLICATION]
)

#: DataCite relation names as the legacy API spells them; RDM ids are their lower case.
LEGACY_RELATIONS: tuple[str, ...] = (
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
)
RELATION_TYPES: dict[str, str] = {name.lower(): name for name in LEGACY_RELATIONS}

#: RDM license id -> (title, legacy id read back by the legacy API): Zenodo's own 444 licences,
#: read back through the inverse of its legacy map (``bsd-2-clause`` -> ``bsd-2-clause-netbsd``).
LICENSES: dict[str, tuple[str, str]] = {
    licence_id: (title, rdm_to_legacy(licence_id))
    for licence_id, title in zenodo_licenses().items()
}

#: Legacy input name (lower case) -> RDM id: the RDM ids, Zenodo's legacy ids, common aliases.
LEGACY_LICENSE_INPUT: dict[str, str] = {
    **{rdm_id: rdm_id for rdm_id in LICENSES},
    **{legacy.lower(): rdm_id for legacy, rdm_id in legacy_to_rdm().items() if rdm_id in LICENSES},
    "cc-by": "cc-by-4.0",
    "cc-by-sa": "cc-by-sa-4.0",
    "cc0": "cc0-1.0",
    "apache-2": "apache-2.0",
}

#: ISO 639-3 id -> (ISO 639-1 id or "", English name): InvenioRDM's languages fixture.
LANGUAGES: dict[str, tuple[str, str]] = languages()
LANGUAGES_BY_ISO1: dict[str, str] = languages_by_alpha2()

CREATOR_SCHEMES = frozenset({"orcid", "gnd", "isni", "ror", "edmo"})
IDENTIFIER_SCHEMES = frozenset(
    [
        "ark",
        "arxiv",
        "ads",
        "crossreffunderid",
        "doi",
        "ean13",
        "eissn",
        "grid",
        "handle",
        "igsn",
        "isbn",
        "isni",
        "issn",
        "istc",
        "lissn",
        "lsid",
        "pmid",
        "purl",
        "upc",
        "url",
        "urn",
        "w3id",
        "other",
    ]
)
CONTRIBUTOR_ROLES = frozenset(
    [
        "contactperson",
        "datacollector",
        "datacurator",
        "datamanager",
        "distributor",
        "editor",
        "hostinginstitution",
        "producer",
        "projectleader",
        "projectmanager",
        "projectmember",
        "registrationagency",
        "registrationauthority",
        "relatedperson",
        "researcher",
        "researchgroup",
        "rightsholder",
        "supervisor",
        "sponsor",
        "workpackageleader",
        "other",
    ]
)
DATE_TYPES = frozenset(
    [
        "accepted",
        "available",
        "collected",
        "copyrighted",
        "created",
        "issued",
        "other",
        "submitted",
        "updated",
        "valid",
        "withdrawn",
    ]
)
DESCRIPTION_TYPES = frozenset(
    [
        "abstract",
        "methods",
        "seriesinformation",
        "tableofcontents",
        "technicalinfo",
        "other",
        "notes",
    ]
)

#: What ``GET /api/vocabularies/{type}`` serves: type -> id -> English title.
VOCABULARIES: dict[str, dict[str, str]] = {
    "resourcetypes": {i: i.replace("-", ": ").title() for i in sorted(RESOURCE_TYPES)},
    "licenses": {i: title for i, (title, _legacy) in LICENSES.items()},
    "languages": {i: name for i, (_iso1, name) in LANGUAGES.items()},
    "relationtypes": dict(RELATION_TYPES),
    "contributorsroles": {i: i for i in sorted(CONTRIBUTOR_ROLES)},
    "datetypes": {i: i.title() for i in sorted(DATE_TYPES)},
    "descriptiontypes": {i: i.title() for i in sorted(DESCRIPTION_TYPES)},
}


def legacy_license(rdm_id: str) -> str:
    """The id the legacy API reads back for an RDM license id (``cc0-1.0`` -> ``cc-zero``)."""
    return rdm_to_legacy(rdm_id)
