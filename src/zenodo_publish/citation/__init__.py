"""DOIs into the repository (SPEC §11): ``citation: {reserve_doi: true, write: [CITATION.cff],
badge: README.md}``. The draft's DOI is reserved before publishing, and the version DOI and the
concept DOI are written into the repository's own files in the same commit-back as the record
file, so that a release tagged on that commit carries its own DOI."""

from zenodo_publish.citation.flow import CitationSettings, citation_settings, write_citation

__all__ = ["CitationSettings", "citation_settings", "write_citation"]
