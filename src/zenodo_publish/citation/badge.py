"""The DOI badge in the README, between two marker comments (nothing outside them changes)."""

from __future__ import annotations

START = "<!-- zenodo-publish:doi-badge -->"
END = "<!-- /zenodo-publish:doi-badge -->"


def badge_markdown(doi: str, site_url: str) -> str:
    """Zenodo's own badge image (``/badge/DOI/<doi>.svg``) linking to the DOI."""
    return f"[![DOI]({site_url}/badge/DOI/{doi}.svg)](https://doi.org/{doi})"


def set_badge(text: str, doi: str, site_url: str) -> str | None:
    """``text`` with the badge between the markers; None when the markers are not there (or
    not in order)."""
    start = text.find(START)
    end = text.find(END, start + len(START)) if start >= 0 else -1
    if start < 0 or end < 0:
        return None
    return text[: start + len(START)] + badge_markdown(doi, site_url) + text[end:]
