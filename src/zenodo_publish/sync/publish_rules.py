"""Rules that must hold before anything is published (SPEC §5.5, §6 "two keys").

A publish on Zenodo production is permanent, so it needs two keys written in the repository: the
manifest itself names ``endpoint: production`` (an override from a flag or an input is not
enough), and the manifest enables publishing (``publish.on`` is ``tags`` or ``always``). And the
version strings the release carries must agree.
"""

from __future__ import annotations

from pathlib import Path

from zenodo_publish.errors import ManifestError, PolicyError
from zenodo_publish.manifest import Endpoint, Manifest
from zenodo_publish.manifest.loader import load_yaml_file
from zenodo_publish.sync import versions


def check_publish_allowed(
    manifest: Manifest, endpoint: Endpoint, *, tag_version: str | None
) -> None:
    check_not_prerelease(manifest, tag_version or manifest.metadata.metadata.version)
    if not endpoint.is_production:
        return
    if not manifest.endpoint.is_production:
        raise PolicyError(
            "refusing to publish on Zenodo production: the manifest does not name "
            f"`endpoint: production` (it names {manifest.endpoint.api_url}); an override "
            "alone is not enough",
            hint="write `endpoint: production` in the manifest when the record is ready for "
            "production; publishing there cannot be undone",
        )
    if manifest.publish.on == "never":
        raise PolicyError(
            "refusing to publish on Zenodo production: the manifest says `publish: {on: never}`",
            hint="set `publish: {on: tags}` (publish on release tags) or `on: always` in the "
            "manifest to allow publishing",
        )
    _check_versions_agree(manifest, tag_version)


def check_not_prerelease(manifest: Manifest, version: str | None) -> None:
    """Pre-releases publish only with ``publish.prereleases: true`` (SPEC §13.4). Checked
    before any request with the version the run knows, and again with the version it will
    publish (a draft may keep a pre-release version from an earlier tag run)."""
    if versions.is_prerelease(version) and not manifest.publish.prereleases:
        raise PolicyError(
            f"refusing to publish version {version}: it is a pre-release and the manifest does "
            "not allow pre-releases",
            hint="write `publish: {prereleases: true}` in the manifest to publish pre-releases, "
            "or publish a final version (tag it, or set metadata.version)",
        )


def production_warnings(manifest: Manifest, *, tag_version: str | None) -> list[str]:
    """What a production publish would refuse, as warnings for runs that do not publish there
    (the sandbox rehearsal, pull-request plans, pushes), so the first production release does
    not fail on something the sandbox could have shown."""
    try:
        _check_versions_agree(manifest, tag_version)
    except PolicyError as error:
        return [error.message.replace("refusing to publish", "a publish would be refused", 1)]
    return []


def _check_versions_agree(manifest: Manifest, tag_version: str | None) -> None:
    seen: dict[str, str] = {}
    resolved = manifest.metadata
    if resolved.metadata.version and resolved.provenance.get("version") != "tag":
        seen[f"the manifest ({resolved.provenance.get('version', 'metadata')})"] = (
            resolved.metadata.version
        )
    citation_version = _citation_version(manifest.repo_root / "CITATION.cff")
    if citation_version is not None:
        seen["CITATION.cff"] = citation_version
    if tag_version:
        seen["the tag"] = tag_version
    distinct = {_bare(v) for v in seen.values()}
    if len(distinct) > 1:
        listing = ", ".join(f"{where} says {value!r}" for where, value in seen.items())
        raise PolicyError(
            f"refusing to publish on Zenodo production: the versions disagree ({listing})",
            hint="make the tag, CITATION.cff and the manifest name the same version",
        )


def _citation_version(path: Path) -> str | None:
    if not path.is_file():
        return None
    try:
        # The manifest's own loader: alias bombs refused, I/O and encoding errors reported.
        document = load_yaml_file(path, file="CITATION.cff", root=path.parent).data
    except ManifestError as error:
        reason = "; ".join(p.message for p in error.problems)
        raise PolicyError(
            f"refusing to publish on Zenodo production: CITATION.cff cannot be read ({reason})",
            hint="fix CITATION.cff; its version is checked against the release",
        ) from error
    version = document.get("version") if isinstance(document, dict) else None
    if isinstance(version, (str, int, float)) and not isinstance(version, bool):
        return str(version)
    return None


def _bare(version: str) -> str:
    return version[1:] if version[:1] in ("v", "V") and version[1:2].isdigit() else version
