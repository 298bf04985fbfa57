"""Licences and languages as Zenodo knows them (inveniordm-real.md §3.1, §3.7).

Zenodo accepts only its own 444 licence ids and answers any other with 400 at the first save, so
on Zenodo endpoints the manifest is checked against that list (with a did-you-mean); other
InvenioRDM sites keep the SPDX list. CITATION.cff's deprecated SPDX spellings (GPL-3.0) are the
same licence as the current ones (GPL-3.0-only) and are mapped. Languages are InvenioRDM's
fixture, which Zenodo uses unchanged.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from zenodo_publish.manifest import inspect_manifest
from zenodo_publish.manifest.vocabularies import check_language, check_zenodo_license
from zenodo_publish.vocabularies import zenodo_licenses


def write_repo(root: Path, *, endpoint: str, license: str | None, cff_license: str | None) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    lines = [
        f"endpoint: {endpoint}",
        "metadata:",
        "  title: Licence test",
        "  resource_type: software",
        "  creators:",
        "    - family_name: Doe",
        "      given_name: Jane",
    ]
    if license is not None:
        lines.append(f"  license: {license}")
    if cff_license is not None:
        lines.append("metadata_from: [CITATION.cff]")
        (root / "CITATION.cff").write_text(
            "cff-version: 1.2.0\nmessage: cite\ntitle: Licence test\n"
            "authors:\n  - family-names: Doe\n    given-names: Jane\n"
            f"license: {cff_license}\n"
        )
    lines += ["files:", "  - '*.txt'", ""]
    (root / "zenodo.yaml").write_text("\n".join(lines))
    (root / "a.txt").write_text("a\n")
    return root / "zenodo.yaml"


def test_zenodo_knows_444_licences() -> None:
    ids = zenodo_licenses()
    assert len(ids) == 444
    assert {"gpl-3.0-only", "gpl-3.0-or-later", "bsd-2-clause", "eupl-1.2", "cc-by-4.0"} <= set(ids)
    assert "gpl-3.0" not in ids


@pytest.mark.parametrize("endpoint", ["sandbox", "production"])
def test_gpl_3_0_refused_on_zenodo_with_both_spellings_suggested(
    tmp_path: Path, endpoint: str
) -> None:
    path = write_repo(tmp_path, endpoint=endpoint, license="gpl-3.0", cff_license=None)
    manifest, problems = inspect_manifest(path)
    assert manifest is None
    (problem,) = problems
    assert problem.json_path == "$.metadata.license" and problem.line == 8
    assert "gpl-3.0" in problem.message
    assert problem.hint is not None
    assert "gpl-3.0-only" in problem.hint and "gpl-3.0-or-later" in problem.hint


def test_spdx_kept_for_other_inveniordm_sites(tmp_path: Path) -> None:
    path = write_repo(
        tmp_path, endpoint="https://data.example.org/api", license="gpl-3.0", cff_license=None
    )
    manifest, problems = inspect_manifest(path)
    assert problems == [] and manifest is not None
    assert manifest.metadata.metadata.license == "gpl-3.0"


def test_a_licence_unknown_to_zenodo_gets_a_did_you_mean() -> None:
    issue = check_zenodo_license("lgpl-2.1")
    assert issue is not None and issue.hint is not None
    assert "lgpl-2.1-only" in issue.hint and "lgpl-2.1-or-later" in issue.hint
    assert check_zenodo_license("eupl-1.2") is None


@pytest.mark.parametrize(
    ("cff", "expected"),
    [("GPL-3.0", "gpl-3.0-only"), ("GPL-3.0+", "gpl-3.0-or-later"), ("LGPL-2.1", "lgpl-2.1-only")],
)
def test_citation_cff_deprecated_spdx_ids_are_mapped(
    tmp_path: Path, cff: str, expected: str
) -> None:
    path = write_repo(tmp_path, endpoint="sandbox", license=None, cff_license=cff)
    manifest, problems = inspect_manifest(path)
    assert problems == [], [p.format() for p in problems]
    assert manifest is not None and manifest.metadata.metadata.license == expected


def test_citation_cff_licence_zenodo_refuses_is_reported_in_citation_cff(tmp_path: Path) -> None:
    path = write_repo(tmp_path, endpoint="sandbox", license=None, cff_license="any-OSI")
    manifest, problems = inspect_manifest(path)
    assert manifest is None
    assert [(p.file, p.json_path) for p in problems] == [("CITATION.cff", "$.license")]


def test_languages_are_inveniordm_fixture() -> None:
    assert check_language("gsw") == ("gsw", None)
    assert check_language("en") == ("eng", None)
    # ISO 639-3 ids InvenioRDM's fixture does not have (Montenegrin) are refused before upload.
    assert check_language("cnr")[1] is not None
