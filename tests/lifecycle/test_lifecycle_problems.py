"""The numbered problems of issue 9, each reproduced through the real action entrypoint (or the
CLI) against the emulator, as a new user met them. Each failed on the code before the fix."""

from __future__ import annotations

import pytest
import requests
from lifecycle_support import REPOSITORY_URL, Killed, World, citation_text, git, manifest_text

from zenodo_publish.manifest import parse_endpoint
from zenodo_publish.sync.engine import SyncRequest, run


def add_dataset(world: World, folder: str, title: str, files: dict[str, str], **kw: object) -> None:
    world.write(f"{folder}/zenodo.yaml", manifest_text(title, **kw))  # type: ignore[arg-type]
    for name, content in files.items():
        world.write(f"{folder}/data/{name}", content)


# --- 1. two datasets in one repository --------------------------------------------------------


def test_p1_two_datasets_in_one_repository_keep_their_own_drafts(world: World) -> None:
    add_dataset(world, "lakes", "Lakes", {"lakes.csv": "lake,depth\n"})
    add_dataset(world, "rivers", "Rivers", {"rivers.csv": "river,length\n"})
    world.commit_push("Two datasets")

    lakes = world.push_run("lakes")
    rivers = world.push_run("rivers")
    assert (lakes.code, rivers.code) == (0, 0), lakes.log + rivers.log

    assert "adopted" not in rivers.log
    concepts = world.concepts()
    assert len(concepts) == 2
    files = sorted(sorted(c.drafts[0].files) for c in concepts)
    assert files == [["lakes.csv"], ["rivers.csv"]]
    lakes_entry, rivers_entry = world.record_file("lakes"), world.record_file("rivers")
    assert lakes_entry is not None and rivers_entry is not None
    assert lakes_entry["record_id"] != rivers_entry["record_id"]
    markers = {c.drafts[0].metadata["title"]: c.drafts[0].markers for c in concepts}
    assert markers == {
        "Lakes": [f"{REPOSITORY_URL}/blob/HEAD/lakes/zenodo.yaml"],
        "Rivers": [f"{REPOSITORY_URL}/blob/HEAD/rivers/zenodo.yaml"],
    }


def test_p1_a_record_named_by_another_record_file_is_never_adopted(world: World) -> None:
    """Records made before the manifest path was in the marker carry the bare repository URL:
    a root dataset must not adopt the one that lakes/.zenodo-record.json names."""
    add_dataset(world, "lakes", "Lakes", {"lakes.csv": "lake,depth\n"})
    world.commit_push("Lakes")
    # Lakes runs from the repository root with its manifest moved there by an older layout:
    # simulate the old marker by running lakes as the root dataset first.
    world.write("zenodo.yaml", manifest_text("Root", files=("lakes/data/",)))
    world.commit_push("Root manifest over the same files")
    first = world.push_run(".")
    assert first.code == 0, first.log
    root_entry = world.record_file(".")
    assert root_entry is not None
    # The root dataset's record file is moved to lakes/ (as if lakes owned it), the root's
    # own record file disappears: the root's marker still matches that draft.
    git(world.dev, "pull", "-q", "--rebase", "origin", "main")
    root_record_file = world.dev / ".zenodo-record.json"
    (world.dev / "lakes" / ".zenodo-record.json").write_text(root_record_file.read_text())
    root_record_file.unlink()
    world.commit_push("Lakes owns that record now")

    again = world.push_run(".")
    assert again.code == 0, again.log
    assert "adopted" not in again.log
    entry = world.record_file(".")
    assert entry is not None and entry["record_id"] != root_entry["record_id"]
    assert len(world.concepts()) == 2


# --- 4. versions never go backwards; the published DOI stays in the record file ---------------


def test_p4_record_file_keeps_the_published_doi_next_to_a_new_version_draft(world: World) -> None:
    add_dataset(world, ".", "Lakes", {"a.csv": "1\n"})
    world.commit_push("Data")
    world.tag("v1.0.0")
    release = world.release_run("v1.0.0")
    assert release.code == 0, release.log
    published = world.record_file()
    assert published is not None and published["state"] == "published"
    doi = published["doi"]
    assert doi and published["latest_published"]["doi"] == doi

    world.write("data/b.csv", "2\n")
    world.commit_push("More data")
    push = world.push_run()
    assert push.code == 0, push.log
    entry = world.record_file()
    assert entry is not None and entry["state"] == "draft"
    assert entry["record_id"] != published["record_id"]
    assert entry["latest_published"] == {
        "doi": doi,
        "record_id": published["record_id"],
        "record_url": published["record_url"],
        "version": "1.0.0",
    }
    assert entry["concept_doi"] == published["concept_doi"]


def test_p4_no_new_version_lower_than_the_latest_published(world: World) -> None:
    add_dataset(world, ".", "Lakes", {"a.csv": "1\n"}, metadata_from=("CITATION.cff",))
    world.write("CITATION.cff", citation_text("0.9.0"))
    world.commit_push("Data")
    world.tag("v1.0.0")
    assert world.release_run("v1.0.0").code == 0

    world.write("data/b.csv", "2\n")
    world.commit_push("More data, CITATION.cff still says 0.9.0")
    push = world.push_run()
    assert push.code == 4, push.log
    assert "0.9.0" in push.log and "1.0.0" in push.log
    (concept,) = world.concepts()
    assert [v.version for v in concept.published] == ["1.0.0"]
    assert concept.drafts == []
    entry = world.record_file()
    assert entry is not None and entry["latest_published"]["version"] == "1.0.0"


def test_p4_a_backport_release_needs_allow_lower_version_in_the_action(world: World) -> None:
    """2.0.0 is published; a maintainer releases 1.2.1 from a maintenance line. Refused by
    default (exit 4, nothing changed); the input ``allow_lower_version: true`` publishes it as
    a new version of the same concept, and 2.0.0 stays as it was."""
    add_dataset(world, ".", "Lakes", {"a.csv": "1\n"})
    world.commit_push("Data")
    world.tag("v2.0.0")
    assert world.release_run("v2.0.0").code == 0
    world.write("data/a.csv", "1 (fixed)\n")
    world.commit_push("Backport fix")
    world.tag("v1.2.1")
    before = world.emu.control.log_page()[1]

    refused = world.release_run("v1.2.1")
    assert refused.code == 4, refused.log
    assert "allow_lower_version: true" in refused.log and "2.0.0" in refused.log
    writes = [e for e in world.emu.control.log(before) if e["method"] != "GET"]
    assert writes == []

    allowed = world.release_run("v1.2.1", allow_lower_version="true")
    assert allowed.code == 0, allowed.log
    (concept,) = world.concepts()
    assert [v.version for v in concept.published] == ["2.0.0", "1.2.1"]
    assert concept.published[0].files != concept.published[1].files


def test_p4_a_release_of_the_latest_published_version_reuses_it(world: World) -> None:
    add_dataset(world, ".", "Lakes", {"a.csv": "1\n"})
    world.commit_push("Data")
    world.tag("v1.0.0")
    first = world.release_run("v1.0.0")
    assert first.code == 0, first.log
    again = world.release_run("v1.0.0")  # "Re-run all jobs" of the release workflow
    assert again.code == 0, again.log
    (concept,) = world.concepts()
    assert [v.version for v in concept.published] == ["1.0.0"] and concept.drafts == []
    assert again.outputs["record_id"] == first.outputs["record_id"]


def test_p4_the_same_version_with_other_files_is_not_published_twice(world: World) -> None:
    add_dataset(world, ".", "Lakes", {"a.csv": "1\n"}, version="1.0.0", publish_on="always")
    world.commit_push("Data")
    assert world.dispatch_run("publish").code == 0
    world.write("data/a.csv", "changed\n")
    world.commit_push("Changed data, same version")
    again = world.dispatch_run("publish")
    assert again.code == 4, again.log
    assert "already published" in again.log
    (concept,) = world.concepts()
    assert [v.version for v in concept.published] == ["1.0.0"]


# --- 3. a manual publish keeps the version ------------------------------------------------------


def test_p3_a_manual_publish_does_not_remove_the_version(world: World) -> None:
    add_dataset(world, ".", "Lakes", {"a.csv": "1\n"})  # no version source at all
    world.commit_push("Data")
    world.tag("v1.0.0")
    assert world.release_run("v1.0.0").code == 0
    world.write("zenodo.yaml", manifest_text("Lakes and ponds"))
    world.commit_push("Better title")

    manual = world.dispatch_run("publish")
    assert manual.code == 0, manual.log
    assert "metadata differs in: version" not in manual.log
    (concept,) = world.concepts()
    assert concept.latest is not None
    assert concept.latest.version == "1.0.0"
    assert concept.latest.metadata["title"] == "Lakes and ponds"


# --- 2. the DOI leads the summary when the commit-back fails afterwards -------------------------


def test_p2_a_publish_followed_by_a_failed_commit_back_shows_its_doi(world: World) -> None:
    add_dataset(world, ".", "Lakes", {"a.csv": "1\n"})
    world.commit_push("Data")
    world.tag("v1.0.0")
    hook = world.remote / "hooks" / "pre-receive"
    hook.write_text("#!/bin/sh\necho 'error: GH006: Protected branch update failed' >&2\nexit 1\n")
    hook.chmod(0o755)

    run = world.release_run("v1.0.0")
    assert run.code == 5
    (concept,) = world.concepts()
    doi = concept.published[0].doi
    assert doi
    notices = [line for line in run.log.splitlines() if line.startswith("::notice")]
    assert any(f"::published {doi}" in line for line in notices), run.log
    first_line = run.summary.strip().splitlines()[0]
    assert f"https://doi.org/{doi}" in first_line and "Published version 1" in first_line
    assert "Exit code 5" in run.summary  # the failure is still reported, after it
    assert run.outputs["doi"] == doi and run.outputs["published"] == "true"


# --- 5. pre-releases ----------------------------------------------------------------------------


def test_p5_a_github_pre_release_only_syncs(world: World) -> None:
    add_dataset(world, ".", "Lakes", {"a.csv": "1\n"})
    world.commit_push("Data")
    world.tag("v2.0.0")
    run = world.release_run("v2.0.0", prerelease=True)
    assert run.code == 0, run.log
    assert "::notice" in run.log and "pre-release" in run.log
    (concept,) = world.concepts()
    assert concept.published == [] and len(concept.drafts) == 1


def test_p5_a_pre_release_tag_only_syncs_and_an_explicit_publish_is_refused(world: World) -> None:
    add_dataset(world, ".", "Lakes", {"a.csv": "1\n"})
    world.commit_push("Data")
    world.tag("v2.0.0-rc1")
    assert world.tag_run("v2.0.0-rc1").code == 0
    refused = world.tag_run("v2.0.0-rc1", mode="publish")
    assert refused.code == 4 and "pre-release" in refused.log
    (concept,) = world.concepts()
    assert concept.published == []


def test_p5_pre_releases_publish_with_the_manifests_consent(world: World) -> None:
    add_dataset(world, ".", "Lakes", {"a.csv": "1\n"}, prereleases=True)
    world.commit_push("Data")
    world.tag("v2.0.0-rc1")
    run = world.release_run("v2.0.0-rc1", prerelease=True)
    assert run.code == 0, run.log
    (concept,) = world.concepts()
    assert [v.version for v in concept.published] == ["2.0.0-rc1"]


# --- 7. the action reports every problem, like validate ----------------------------------------


def test_p7_the_action_reports_all_problems_as_validate_does(world: World) -> None:
    world.write("zenodo.yaml", manifest_text("Lakes", license="cc-by-4", files=("data/", '"*.nc"')))
    world.write("data/a.csv", "1\n")
    world.commit_push("Two mistakes")
    cli_code, cli_out = world.cli("validate")
    run = world.push_run()
    assert cli_code == run.code == 1
    for needle in ("cc-by-4", "*.nc"):
        assert needle in cli_out
        assert any(needle in line for line in run.log.splitlines() if line.startswith("::error"))
    assert world.concepts() == []


# --- 8. production rules as warnings on the sandbox and in pull-request plans -------------------


def test_p8_version_disagreement_warns_on_the_sandbox_and_in_pr_plans(world: World) -> None:
    add_dataset(
        world, ".", "Lakes", {"a.csv": "1\n"}, version="1.0.0", metadata_from=("CITATION.cff",)
    )
    world.write("CITATION.cff", citation_text("0.9.0", kind="dataset"))
    world.commit_push("Data")
    world.tag("v1.0.0")
    pr = world.pull_request_run()
    assert pr.code == 0
    release = world.release_run("v1.0.0")
    assert release.code == 0, release.log
    for action_run in (pr, release):
        lines = action_run.log.splitlines()
        warnings = [line for line in lines if line.startswith("::warning")]
        assert any("versions disagree" in w and "0.9.0" in w for w in warnings), action_run.log


# --- 9. CITATION.cff without type ---------------------------------------------------------------


def test_p9_citation_cff_without_type_does_not_make_a_dataset_software(world: World) -> None:
    world.write(
        "zenodo.yaml",
        manifest_text("Lakes", resource_type=None, metadata_from=("CITATION.cff",)),
    )
    world.write("CITATION.cff", citation_text("1.0.0"))
    world.write("data/a.csv", "1\n")
    world.commit_push("CFF without type")
    code, out = world.cli("validate")
    assert code == 1
    assert "no resource_type" in out and "type: dataset" in out


def test_p9_the_manifests_resource_type_wins_and_cff_type_still_counts(world: World) -> None:
    add_dataset(world, ".", "Lakes", {"a.csv": "1\n"}, metadata_from=("CITATION.cff",))
    world.write("CITATION.cff", citation_text("1.0.0"))
    world.commit_push("CFF without type, manifest says dataset")
    assert world.push_run().code == 0
    (concept,) = world.concepts()
    assert concept.drafts[0].metadata["resource_type"]["id"] == "dataset"


# --- 11. the note without a repository URL; no second concept after a crash --------------------


def test_p11_the_cannot_look_note_is_kept_for_a_new_record(world: World) -> None:
    add_dataset(world, ".", "Lakes", {"a.csv": "1\n"})
    world.commit_push("Data")
    code, out = world.cli("plan", "--endpoint", world.api_url)  # a clone of a file:// remote
    assert code == 0
    assert "no repository URL is known" in out


# --- 6. production in any spelling ---------------------------------------------------------------

PRODUCTION_SPELLINGS = (
    "https://zenodo.org:443/api",
    "https://zenodo.org./api",
    "https://ZENODO.org/api",
    "https://Zenodo.Org.:443/api/",
    "https://www.zenodo.org/api",
)


@pytest.mark.parametrize("url", PRODUCTION_SPELLINGS)
def test_p6_production_is_recognised_by_its_host(url: str) -> None:
    endpoint = parse_endpoint(url)
    assert endpoint.is_production
    assert parse_endpoint("https://sandbox.zenodo.org.:443/api").name == "sandbox"
    assert not parse_endpoint("https://zenodo.org.example.com/api").is_production


@pytest.mark.parametrize("url", PRODUCTION_SPELLINGS[:3])
def test_p6_the_two_keys_apply_to_every_spelling(world: World, url: str) -> None:
    add_dataset(world, ".", "Lakes", {"a.csv": "1\n"})  # endpoint: sandbox, publish on tags
    world.commit_push("Data")
    code, out = world.cli("publish", "--endpoint", url, "--set-version", "1.0.0")
    assert code == 4, out
    assert "refusing to publish on Zenodo production" in out


def test_p11_no_second_concept_after_a_crash_right_after_create(world: World) -> None:
    """No code_repository and no usable git origin: nothing marks the record. A run killed
    right after Zenodo answered the create must not make the re-run create a second concept."""
    add_dataset(world, ".", "Lakes", {"a.csv": "1\n"})
    world.commit_push("Data")
    laptop = world.root / "laptop"
    git(world.root, "clone", "-q", world.remote.as_uri(), str(laptop))  # origin: file://
    request = SyncRequest(
        mode="sync",
        manifest_path=laptop / "zenodo.yaml",
        token=world.emu.token,
        endpoint=world.api_url,
    )

    def die_after_create(response: requests.Response) -> None:
        if response.request.method == "POST" and response.request.path_url.endswith("/records"):
            raise Killed("right after the create")

    world.hooks.append(die_after_create)
    with pytest.raises(Killed):
        run(request, backend_factory=world.backend_factory)
    world.hooks.clear()
    assert len(world.concepts()) == 1

    again = run(request, backend_factory=world.backend_factory)
    assert any("adopted draft" in message for message in again.messages), again.messages
    (concept,) = world.concepts()
    assert [d.record_id for d in concept.drafts] == [again.ids.record_id]
    assert list(concept.drafts[0].files) == ["a.csv"]
    assert any("no repository URL is known" in message for message in again.messages)
