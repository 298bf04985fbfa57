"""The numbered problems of issue 9, each reproduced through the real action entrypoint (or the
CLI) against the emulator, as a new user met them. Each failed on the code before the fix."""

from __future__ import annotations

from lifecycle_support import REPOSITORY_URL, World, citation_text, manifest_text


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
    world.tag("unused")
    git_text = world.dev / ".zenodo-record.json"
    import subprocess

    subprocess.run(["git", "pull", "-q", "--rebase", "origin", "main"], cwd=world.dev, check=True)
    (world.dev / "lakes" / ".zenodo-record.json").write_text(git_text.read_text())
    git_text.unlink()
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
