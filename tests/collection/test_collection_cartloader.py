"""cartloader's multi-sample layout as a collection: one record per sample id, each from the
sample folder's own catalog.yaml (as `upload_zenodo --in-list` would upload them)."""

from __future__ import annotations

import json
from pathlib import Path

from collection_support import REPOSITORY_URL, Runner

from zenodo_publish.collection.manifest import load_collection

DATA = Path(__file__).parent.parent / "data" / "cartloader"
GROUPS = json.loads((DATA / "groups.json").read_text())
SAMPLES = ["FB080_O1a", "FB080_O1b", "FB080_O2c"]


def make_multi_sample_repo(root: Path) -> Path:
    for sample in SAMPLES:
        folder = root / "out" / sample
        folder.mkdir(parents=True)
        catalog = (DATA / "catalog.yaml").read_text().replace("sample-a", sample)
        (folder / "catalog.yaml").write_text(catalog)
        for names in GROUPS.values():
            for name in names:
                if name != "catalog.yaml":
                    (folder / name).write_text(f"{sample} {name}\n")
    # cartloader's --in-list is a TSV of sample ids; the collection's table names its column.
    (root / "samples.tsv").write_text("sample\tlabel\n" + "".join(f"{s}\t{s}\n" for s in SAMPLES))
    (root / "zenodo.yaml").write_text(
        f"""\
code_repository: {REPOSITORY_URL}
metadata:
  resource_type: dataset
  license: cc-by-4.0
  description: Spatial transcriptomics outputs of one sample, for CartoScope.
  creators: [{{family_name: Doe, given_name: Jane}}]
records:
  table: samples.tsv
  key: sample
  metadata:
    title: "cartloader outputs of {{label}}"
  files:
    - {{catalog: "out/{{sample}}/catalog.yaml", groups: [basics, basemaps]}}
"""
    )
    return root


def test_each_sample_becomes_a_record_with_its_catalogs_files(
    tmp_path: Path, runner: Runner
) -> None:
    repo = make_multi_sample_repo(tmp_path / "repo")
    collection = load_collection(repo / "zenodo.yaml", check_files=lambda keys: keys)
    assert collection.keys == tuple(SAMPLES)
    result = runner.run(repo)
    assert result.failed == ()
    wanted = GROUPS["basics"] + GROUPS["basemaps"]  # groups chose: no UMAP, no alias
    state = runner.emu.control.state()
    by_title = {}
    for record in state["records"]:
        version = record["draft"]
        by_title[version["metadata"]["title"]] = sorted(f["key"] for f in version["files"])
    for sample in SAMPLES:
        assert by_title[f"cartloader outputs of {sample}"] == sorted(wanted)
