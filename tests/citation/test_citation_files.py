"""DOIs into CITATION.cff and the README badge: the DOI lines written, every other byte kept."""

from __future__ import annotations

import difflib
from pathlib import Path

import pytest
import yaml

from zenodo_publish.citation.badge import END, START, set_badge
from zenodo_publish.citation.cff import CffEditError, set_dois
from zenodo_publish.citation.flow import concept_doi_of

HERE = Path(__file__).parent
VERSION_DOI = "10.5072/zenodo.5"
CONCEPT_DOI = "10.5072/zenodo.4"


def changed_lines(old: str, new: str) -> list[str]:
    return [
        line
        for line in difflib.unified_diff(old.splitlines(), new.splitlines(), lineterm="", n=0)
        if line[:1] in "+-" and not line.startswith(("+++", "---"))
    ]


def test_hand_written_cff_gets_the_doi_lines_and_keeps_every_other_byte() -> None:
    old = (HERE / "hand_written.cff").read_text(encoding="utf-8")

    new = set_dois(old, VERSION_DOI, CONCEPT_DOI)

    assert changed_lines(old, new) == [
        '-doi: "10.5281/zenodo.1"    # old DOI, to be replaced',
        '+doi: "10.5072/zenodo.5"    # old DOI, to be replaced',
        "+    -   type: doi",
        "+        value: 10.5072/zenodo.4",
        '+        description: "The concept DOI: every version of this work (Zenodo)"',
    ]
    parsed = yaml.safe_load(new)
    assert parsed["doi"] == VERSION_DOI
    assert parsed["identifiers"][-1]["value"] == CONCEPT_DOI
    assert len(parsed["identifiers"]) == 3
    assert parsed["authors"] == yaml.safe_load(old)["authors"]


def test_writing_again_is_a_no_op_and_a_new_version_changes_only_the_doi_line() -> None:
    old = (HERE / "hand_written.cff").read_text(encoding="utf-8")
    once = set_dois(old, VERSION_DOI, CONCEPT_DOI)

    assert set_dois(once, VERSION_DOI, CONCEPT_DOI) == once
    later = set_dois(once, "10.5072/zenodo.9", CONCEPT_DOI)
    assert changed_lines(once, later) == [
        '-doi: "10.5072/zenodo.5"    # old DOI, to be replaced',
        '+doi: "10.5072/zenodo.9"    # old DOI, to be replaced',
    ]


def test_without_doi_and_identifiers_they_are_added_after_version_and_at_the_end() -> None:
    old = "cff-version: 1.2.0\ntitle: Tiny\nversion: 1.0.0\nauthors:\n  - name: Lab\n"

    new = set_dois(old, VERSION_DOI, CONCEPT_DOI)

    assert new == (
        "cff-version: 1.2.0\ntitle: Tiny\nversion: 1.0.0\n"
        f"doi: {VERSION_DOI}\n"
        "authors:\n  - name: Lab\n"
        "identifiers:\n  - type: doi\n"
        f"    value: {CONCEPT_DOI}\n"
        '    description: "The concept DOI: every version of this work (Zenodo)"\n'
    )
    assert yaml.safe_load(new)["identifiers"][0]["value"] == CONCEPT_DOI


def test_crlf_files_and_a_missing_final_newline_are_kept() -> None:
    old = "cff-version: 1.2.0\r\ntitle: Tiny\r\ndoi: 10.1/old"
    new = set_dois(old, VERSION_DOI, None)
    assert new == f"cff-version: 1.2.0\r\ntitle: Tiny\r\ndoi: {VERSION_DOI}"


def test_identifiers_in_flow_style_are_not_edited() -> None:
    with pytest.raises(CffEditError, match="flow style"):
        set_dois("title: x\nidentifiers: [{type: url, value: x}]\n", VERSION_DOI, CONCEPT_DOI)


def test_badge_goes_between_the_markers_only() -> None:
    readme = f"# Tiny\n\n{START}old badge{END} and text after\n\nMore.\n"

    new = set_badge(readme, CONCEPT_DOI, "https://sandbox.zenodo.org")

    assert new == (
        f"# Tiny\n\n{START}[![DOI](https://sandbox.zenodo.org/badge/DOI/{CONCEPT_DOI}.svg)]"
        f"(https://doi.org/{CONCEPT_DOI}){END} and text after\n\nMore.\n"
    )
    assert set_badge("# no markers\n", CONCEPT_DOI, "https://zenodo.org") is None


def test_concept_doi_of_a_first_version_follows_zenodos_pattern() -> None:
    assert concept_doi_of("10.5281/zenodo.124", "124", "123") == "10.5281/zenodo.123"
    assert concept_doi_of("10.1234/abcd-efgh", "124", "123") is None
