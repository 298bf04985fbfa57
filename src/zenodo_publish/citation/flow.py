"""Reading ``citation:`` from the manifest and writing the DOIs into the files it names."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from zenodo_publish import paths
from zenodo_publish.citation.badge import END, START, set_badge
from zenodo_publish.citation.cff import CffEditError, set_dois
from zenodo_publish.errors import ManifestError, Problem

if TYPE_CHECKING:
    from zenodo_publish.manifest.settings import Manifest


@dataclass(frozen=True)
class CitationSettings:
    reserve_doi: bool = False
    write: tuple[str, ...] = ()  # repository-relative CITATION.cff paths
    badge: str | None = None  # repository-relative README path


@dataclass(frozen=True)
class CitationWrite:
    changed: tuple[str, ...]  # repository-relative paths whose bytes changed
    notes: tuple[str, ...]


def citation_settings(manifest: Manifest) -> CitationSettings | None:
    raw = manifest.raw.get("citation")
    if not isinstance(raw, dict):
        return None
    write = raw.get("write") or ()
    badge = raw.get("badge")
    settings = CitationSettings(
        reserve_doi=raw.get("reserve_doi") is True,
        write=tuple(str(w) for w in write if isinstance(w, str)),
        badge=badge if isinstance(badge, str) else None,
    )
    problems = [
        Problem(
            f"{path} leaves the repository",
            manifest.display_name,
            None,
            None,
            "$.citation",
            "name a file inside the repository",
        )
        for path in (*settings.write, *([settings.badge] if settings.badge else []))
        if PurePosixPath(path).is_absolute() or ".." in PurePosixPath(path).parts
    ]
    if problems:
        raise ManifestError(problems)
    return settings


def site_url(api_url: str) -> str:
    """``https://zenodo.org`` of ``https://zenodo.org/api``: where the badge images live."""
    parts = urlsplit(api_url)
    return f"{parts.scheme}://{parts.netloc}"


def concept_doi_of(doi: str, record_id: str, concept_id: str | None) -> str | None:
    """The concept DOI of a first version before it exists: Zenodo (and InvenioRDM's default
    DataCite format) name DOIs after ids, so ``<prefix>/zenodo.<record id>`` has the concept
    DOI ``<prefix>/zenodo.<concept id>``. None when the DOI does not follow that pattern."""
    if concept_id and doi.endswith(record_id):
        return doi[: len(doi) - len(record_id)] + concept_id
    return None


def write_citation(
    settings: CitationSettings,
    repo_root: Path,
    *,
    doi: str,
    concept_doi: str | None,
    api_url: str,
) -> CitationWrite:
    changed: list[str] = []
    notes: list[str] = []
    for name in settings.write:
        path = repo_root / name
        if not path.is_file():
            notes.append(f"citation: {name} does not exist; no DOI written there")
            continue
        old = _read(repo_root, name, notes)
        if old is None:
            continue
        try:
            new = set_dois(old, doi, concept_doi)
        except CffEditError as error:
            notes.append(f"citation: {name}: {error}; write the DOIs there by hand")
            continue
        if new != old:
            _write(repo_root, name, new)
            changed.append(name)
    if settings.badge and concept_doi:
        path = repo_root / settings.badge
        old = _read(repo_root, settings.badge, notes) if path.is_file() else ""
        new_badge = set_badge(old, concept_doi, site_url(api_url)) if old is not None else None
        if old is None:
            pass
        elif new_badge is None:
            notes.append(
                f"citation: {settings.badge} has no badge markers; put {START}{END} where the "
                "DOI badge should go"
            )
        elif new_badge != old:
            _write(repo_root, settings.badge, new_badge)
            changed.append(settings.badge)
    return CitationWrite(tuple(changed), tuple(notes))


def _read(repo_root: Path, name: str, notes: list[str]) -> str | None:
    """A file the manifest names, through :mod:`zenodo_publish.paths` (inside the repository, a
    regular file, size-capped); a refusal is a note, and nothing is written there."""
    try:
        return paths.read_text(repo_root / name, root=repo_root)
    except (paths.UnsafePath, OSError, UnicodeDecodeError) as error:
        reason = error.message if isinstance(error, paths.UnsafePath) else "cannot read it"
        notes.append(f"citation: {name}: {reason}; no DOI written there")
        return None


def _write(repo_root: Path, name: str, text: str) -> None:
    """Atomic, inside the repository only, keeping the file's mode: a crash never leaves half a
    CITATION.cff."""
    mode = (repo_root / name).stat().st_mode & 0o777
    paths.write_text_inside(repo_root, name, text, mode=mode)
