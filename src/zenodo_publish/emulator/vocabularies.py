"""A small copy of Zenodo's controlled vocabularies (zenodo-api.md §5.3, §6.7).

Resource types and relation types are complete (43 and 34 ids). Licenses and languages are the
common subset: Zenodo knows 444 licenses and every ISO 639-3 language, so an id missing here may
still be valid on Zenodo. Ids are matched case-sensitively, like Zenodo's vocabulary relations.
"""

from __future__ import annotations

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

#: RDM license id -> (title, legacy id read back by the legacy API, §5.3 output quirks).
LICENSES: dict[str, tuple[str, str]] = {
    "cc-by-4.0": ("Creative Commons Attribution 4.0 International", "cc-by-4.0"),
    "cc-by-sa-4.0": ("Creative Commons Attribution Share Alike 4.0 International", "cc-by-sa-4.0"),
    "cc-by-nc-4.0": ("Creative Commons Attribution Non Commercial 4.0", "cc-by-nc-4.0"),
    "cc-by-nd-4.0": ("Creative Commons Attribution No Derivatives 4.0", "cc-by-nd-4.0"),
    "cc-by-nc-sa-4.0": ("Creative Commons Attribution NC SA 4.0", "cc-by-nc-sa-4.0"),
    "cc-by-nc-nd-4.0": ("Creative Commons Attribution NC ND 4.0", "cc-by-nc-nd-4.0"),
    "cc-by-3.0": ("Creative Commons Attribution 3.0 Unported", "cc-by-3.0"),
    "cc0-1.0": ("Creative Commons Zero v1.0 Universal", "cc-zero"),
    "mit": ("MIT License", "mit-license"),
    "apache-2.0": ("Apache License 2.0", "apache2.0"),
    "gpl-2.0-only": ("GNU General Public License v2.0 only", "gpl-2.0"),
    "gpl-3.0-only": ("GNU General Public License v3.0 only", "gpl-3.0"),
    "gpl-3.0-or-later": ("GNU General Public License v3.0 or later", "gpl-3.0-or-later"),
    "lgpl-2.1-only": ("GNU Lesser General Public License v2.1 only", "lgpl-2.1"),
    "lgpl-3.0-only": ("GNU Lesser General Public License v3.0 only", "lgpl-3.0"),
    "agpl-3.0-only": ("GNU Affero General Public License v3.0 only", "agpl-3.0"),
    "bsd-2-clause": ('BSD 2-Clause "Simplified" License', "bsd-2-clause"),
    "bsd-3-clause": ('BSD 3-Clause "New" or "Revised" License', "bsd-3-clause"),
    "mpl-2.0": ("Mozilla Public License 2.0", "mpl-2.0"),
    "isc": ("ISC License", "isc-license"),
    "unlicense": ("The Unlicense", "unlicense"),
    "epl-2.0": ("Eclipse Public License 2.0", "epl-2.0"),
    "odc-by-1.0": ("Open Data Commons Attribution License v1.0", "odc-by"),
    "odbl-1.0": ("Open Data Commons Open Database License v1.0", "odc-odbl"),
    "pddl-1.0": ("Open Data Commons Public Domain Dedication & License 1.0", "odc-pddl"),
}

#: Legacy input name (lower case) -> RDM id: the legacy ids, the RDM ids and common aliases.
LEGACY_LICENSE_INPUT: dict[str, str] = {
    **{rdm_id: rdm_id for rdm_id in LICENSES},
    **{legacy: rdm_id for rdm_id, (_title, legacy) in LICENSES.items()},
    "cc-by": "cc-by-4.0",
    "cc-by-sa": "cc-by-sa-4.0",
    "cc-zero": "cc0-1.0",
    "cc0": "cc0-1.0",
    "mit-license": "mit",
    "apache2.0": "apache-2.0",
    "apache-2": "apache-2.0",
    "gpl-3.0": "gpl-3.0-only",
    "gpl-2.0": "gpl-2.0-only",
}

#: ISO 639-3 id -> (ISO 639-1 id or "", English name).
LANGUAGES: dict[str, tuple[str, str]] = {
    "eng": ("en", "English"),
    "deu": ("de", "German"),
    "fra": ("fr", "French"),
    "spa": ("es", "Spanish"),
    "ita": ("it", "Italian"),
    "por": ("pt", "Portuguese"),
    "nld": ("nl", "Dutch"),
    "rus": ("ru", "Russian"),
    "zho": ("zh", "Chinese"),
    "jpn": ("ja", "Japanese"),
    "kor": ("ko", "Korean"),
    "ara": ("ar", "Arabic"),
    "hin": ("hi", "Hindi"),
    "pol": ("pl", "Polish"),
    "swe": ("sv", "Swedish"),
    "dan": ("da", "Danish"),
    "nor": ("no", "Norwegian"),
    "fin": ("fi", "Finnish"),
    "ces": ("cs", "Czech"),
    "ell": ("el", "Modern Greek"),
    "tur": ("tr", "Turkish"),
    "ukr": ("uk", "Ukrainian"),
    "hun": ("hu", "Hungarian"),
    "ron": ("ro", "Romanian"),
    "cat": ("ca", "Catalan"),
    "lat": ("la", "Latin"),
    "heb": ("he", "Hebrew"),
    "gle": ("ga", "Irish"),
    "cym": ("cy", "Welsh"),
    "epo": ("eo", "Esperanto"),
}
LANGUAGES_BY_ISO1: dict[str, str] = {iso1: iso3 for iso3, (iso1, _n) in LANGUAGES.items()}

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
    entry = LICENSES.get(rdm_id)
    return entry[1] if entry else rdm_id
