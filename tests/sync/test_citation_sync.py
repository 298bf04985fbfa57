"""DOIs into the repository through the engine (SPEC §11): a push run reserves the draft's DOI
and writes it and the concept DOI into CITATION.cff and the README badge; the tag run then
publishes that draft with that very DOI; files are named for the commit-back."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml
from engine_support import Harness, calls, make_repo

from zenodo_publish.citation.badge import END, START

HAND_WRITTEN = Path(__file__).parent.parent / "citation" / "hand_written.cff"
CITATION = "citation: {reserve_doi: true, write: [CITATION.cff], badge: README.md}\n"


def citation_repo(root: Path, harness: Harness, api: str = "rdm") -> Path:
    repo = make_repo(root, endpoint=harness.emu.api_url, api=api, n_files=1)  # type: ignore[arg-type]
    with (repo / "zenodo.yaml").open("a") as manifest:
        manifest.write(CITATION)
    shutil.copy(HAND_WRITTEN, repo / "CITATION.cff")
    (repo / "README.md").write_text(f"# Tiny\n\n{START}{END}\n\nText.\n")
    return repo


def test_push_reserves_and_writes_the_dois_and_the_tag_publishes_that_doi(
    harness: Harness, tmp_path: Path
) -> None:
    repo = citation_repo(tmp_path / "repo", harness)

    pushed = harness.run(repo)

    doi = pushed.ids.doi
    assert pushed.ids.state == "draft" and doi
    assert f"POST /api/records/{pushed.ids.record_id}/draft/pids/doi" in calls(harness.log())
    cff = yaml.safe_load((repo / "CITATION.cff").read_text())
    concept_doi = cff["identifiers"][-1]["value"]
    assert cff["doi"] == doi and concept_doi.endswith(f"zenodo.{pushed.ids.concept_id}")
    assert f"/badge/DOI/{concept_doi}.svg" in (repo / "README.md").read_text()
    assert pushed.repository_files == ("CITATION.cff", "README.md")

    harness.mark()
    again = harness.run(repo)
    assert again.repository_files == ()
    assert not any(c.endswith("/pids/doi") for c in calls(harness.log()))

    tagged = harness.run(repo, "publish", version="1.0.0")

    assert tagged.published and tagged.ids.doi == doi
    assert tagged.ids.concept_doi == concept_doi
    assert tagged.repository_files == ()


@pytest.mark.parametrize("api", ["rdm", "legacy"])
def test_push_reserves_and_writes_the_dois_and_the_tag_publishes_that_doi_on_each_api(
    harness: Harness, tmp_path: Path, api: str
) -> None:
    """On the legacy API too: its prereserve_doi is only a prediction (10.5281 even on the
    sandbox), so the DOI is reserved through the records API on the same record; metadata PUTs
    of later syncs keep it, and the tag run publishes that very DOI."""
    repo = citation_repo(tmp_path / "repo", harness, api=api)

    pushed = harness.run(repo)

    doi = pushed.ids.doi
    assert pushed.ids.state == "draft" and doi and doi.startswith("10.5072/")
    assert f"POST /api/records/{pushed.ids.record_id}/draft/pids/doi" in calls(harness.log())
    assert yaml.safe_load((repo / "CITATION.cff").read_text())["doi"] == doi

    (repo / "zenodo.yaml").write_text(
        (repo / "zenodo.yaml").read_text().replace("title: ", "title: Renamed ", 1)
    )
    harness.mark()
    edited = harness.run(repo)
    assert edited.ids.doi == doi
    assert not any(c.endswith("/pids/doi") for c in calls(harness.log()))

    tagged = harness.run(repo, "publish", version="1.0.0")

    assert tagged.published and tagged.ids.doi == doi
