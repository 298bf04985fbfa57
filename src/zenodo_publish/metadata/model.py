"""The canonical metadata model: one shape for every source, two converters out of it.

Values here are already checked and normalised (vocabulary ids lower case, ORCIDs bare,
languages ISO 639-3, descriptions HTML). Sources (the manifest, CITATION.cff, .zenodo.json)
build these objects; :mod:`zenodo_publish.metadata.rdm` and :mod:`.legacy` turn them into request
bodies.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

PersonKind = Literal["personal", "organizational"]


@dataclass(frozen=True)
class Affiliation:
    """An affiliation or a funder: a ROR id, a free-text name, or both."""

    ror: str | None = None
    name: str | None = None


@dataclass(frozen=True)
class Person:
    """A creator or contributor. ``identifiers`` maps scheme (orcid, isni, gnd, ror) to id."""

    kind: PersonKind = "personal"
    family_name: str | None = None
    given_name: str | None = None
    name: str | None = None  # organisations only; people are family_name + given_name
    identifiers: tuple[tuple[str, str], ...] = ()
    affiliations: tuple[Affiliation, ...] = ()
    role: str | None = None

    @property
    def display_name(self) -> str:
        """``Family, Given`` the way Zenodo shows people, or the organisation's name."""
        if self.kind == "organizational":
            return self.name or ""
        if self.given_name:
            return f"{self.family_name}, {self.given_name}"
        return self.family_name or ""


@dataclass(frozen=True)
class RelatedIdentifier:
    identifier: str
    scheme: str
    relation_type: str
    resource_type: str | None = None


@dataclass(frozen=True)
class Award:
    id: str | None = None  # a vocabulary id such as "00k4n6c32::101001332"
    title: str | None = None
    number: str | None = None
    identifiers: tuple[tuple[str, str], ...] = ()  # (scheme, identifier)


@dataclass(frozen=True)
class Funding:
    funder: Affiliation
    award: Award | None = None


@dataclass(frozen=True)
class DateEntry:
    date: str  # EDTF level 0, maybe an interval
    type: str
    description: str | None = None


@dataclass(frozen=True)
class Location:
    place: str
    lat: float | None = None
    lon: float | None = None
    description: str | None = None


@dataclass(frozen=True)
class Subject:
    """A free-text subject (``subject``) or a subject vocabulary id (``id``)."""

    subject: str | None = None
    id: str | None = None


@dataclass(frozen=True)
class Metadata:
    """Everything Zenodo's record metadata holds that zenodo-publish manages.

    ``publication_date`` None means "the engine decides" (today for a new record or version, the
    record's own date for an edit); the converters fill in today when it is still None.
    """

    title: str
    resource_type: str
    creators: tuple[Person, ...]
    version: str | None = None
    description: str | None = None  # HTML
    license: str | None = None
    keywords: tuple[str, ...] = ()
    publisher: str = "Zenodo"
    copyright: str | None = None
    contributors: tuple[Person, ...] = ()
    related: tuple[RelatedIdentifier, ...] = ()
    funding: tuple[Funding, ...] = ()
    communities: tuple[str, ...] = ()
    access_files: Literal["public", "restricted"] = "public"
    embargo_until: str | None = None
    embargo_reason: str | None = None
    languages: tuple[str, ...] = ()
    subjects: tuple[Subject, ...] = ()
    dates: tuple[DateEntry, ...] = ()
    locations: tuple[Location, ...] = ()
    notes: str | None = None  # HTML
    references: tuple[str, ...] = ()
    publication_date: str | None = None
    code_repository: str | None = None
    #: Journal, conference, imprint and thesis details as (custom field, subfield, value),
    #: e.g. ("journal:journal", "title", "Nature"): see :mod:`.publishing`.
    publishing: tuple[tuple[str, str, str], ...] = ()

    def with_version(self, version: str) -> Metadata:
        return dataclasses.replace(self, version=version)

    def with_publication_date(self, date: str) -> Metadata:
        return dataclasses.replace(self, publication_date=date)

    def with_related_identifier(
        self,
        identifier: str,
        scheme: str,
        relation_type: str,
        resource_type: str | None = None,
    ) -> Metadata:
        """Add a related identifier unless an equal one is already there."""
        entry = RelatedIdentifier(identifier, scheme, relation_type.lower(), resource_type)
        if any(
            (r.identifier, r.scheme, r.relation_type) == (identifier, scheme, entry.relation_type)
            for r in self.related
        ):
            return self
        return dataclasses.replace(self, related=(*self.related, entry))


#: Names of the Metadata fields, in declaration order (the keys of provenance).
METADATA_FIELDS: tuple[str, ...] = tuple(f.name for f in dataclasses.fields(Metadata))

Source = Literal["zenodo.yaml", "CITATION.cff", ".zenodo.json", "default", "tag"]


@dataclass(frozen=True)
class ResolvedMetadata:
    """The metadata after merging its sources, and for each field where it came from."""

    metadata: Metadata
    provenance: Mapping[str, str] = field(default_factory=dict)

    def with_version(self, version: str, *, source: str = "tag") -> ResolvedMetadata:
        return ResolvedMetadata(
            self.metadata.with_version(version), {**self.provenance, "version": source}
        )
