"""Structured manifest fuzzing: start from a manifest that uses every field (tests/data/full),
put wrong types and values into random fields (and add, drop and rename keys), and check that the
loader answers with ManifestError problems that each name a file and a JSON path, never with
another exception. (tests/manifest fuzzes arbitrary YAML; this goes through every field.)"""

from __future__ import annotations

import copy
import json
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from zenodo_publish.errors import ManifestError, Problem
from zenodo_publish.manifest import inspect_manifest, load_manifest, resolve_files

FULL = Path(__file__).resolve().parent.parent / "data" / "full"
BASE: dict[str, Any] = yaml.safe_load((FULL / "zenodo.yaml").read_text(encoding="utf-8"))
STEPUP: dict[str, Any] = {
    "endpoint": "https://sandbox.zenodo.org/api",
    "path_record_id": "zenodo_id.txt",
    "path_token": "~/.zenodo-token",
    "path_readme": "README.md",
    "paths": ["data/a.csv", "results/"],
    "metadata": {
        "title": "t",
        "resource_type": "dataset",
        "creators": [{"name": "Doe, Jane"}],
        "license": "cc-by-4.0",
    },
    "code_repository": "https://github.com/octo/data",
    "access": {"files": "public"},
}


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix] if prefix else []
    if isinstance(value, dict):
        for key, item in value.items():
            found += _paths(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += _paths(item, (*prefix, index))
    return found


PATHS = {"full": _paths(BASE), "stepup": _paths(STEPUP)}

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=30),
    st.sampled_from(
        [
            "",
            " ",
            "../../etc/passwd",
            "/etc/passwd",
            "~/x",
            "data/%2F..%2Fx",
            "line\nbreak",
            "x" * 300,
            "Cafe\u0301",
            "v*",
            "[",
            "**",
            "https://",
            "http://example.org/api",
            "javascript:alert(1)",
            "2024-13-45",
            "cc-by-4.O",
            "tags",
            "never",
            "production",
            "legacy",
            "{path: x}",
            "null",
        ]
    ),
)
wrong = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=8,
)
edits = st.lists(
    st.tuples(st.sampled_from(["replace", "drop", "add", "rename"]), st.integers(0, 10**6), wrong),
    min_size=1,
    max_size=4,
)


def _apply(document: dict[str, Any], which: str, plan: list[tuple[str, int, Any]]) -> None:
    paths = PATHS[which]
    for action, pick, value in plan:
        path = paths[pick % len(paths)]
        parent: Any = document
        for part in path[:-1]:
            try:
                parent = parent[part]
            except (KeyError, IndexError, TypeError):
                break
        else:
            last = path[-1]
            try:
                if action == "replace":
                    parent[last] = value
                elif action == "drop":
                    del parent[last]
                elif action == "add" and isinstance(parent, dict):
                    parent[f"unknown_{pick % 7}"] = value
                elif action == "add" and isinstance(parent, list):
                    parent.append(value)
                elif action == "rename" and isinstance(parent, dict):
                    parent[str(value)[:20] or "_"] = parent.pop(last)
            except (KeyError, IndexError, TypeError):
                continue


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("fuzzrepo")
    shutil.copytree(FULL, root, dirs_exist_ok=True)
    (root / "zenodo_id.txt").write_text("")
    return root


def _check_problems(problems: list[Problem]) -> None:
    assert problems, "a refused manifest must say why"
    for problem in problems:
        assert problem.file, problem
        assert problem.json_path.startswith("$"), problem
        assert problem.message.strip(), problem
        problem.format()  # never raises
        if problem.file == "zenodo.yaml" and problem.line is not None:
            assert problem.line >= 1
            assert problem.column is not None and problem.column >= 1


FUZZ = settings(
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@FUZZ
@given(which=st.sampled_from(["full", "stepup"]), plan=edits)
def test_wrong_values_in_any_field_give_manifest_problems_only(
    repo: Path, which: str, plan: list[tuple[str, int, Any]]
) -> None:
    document = copy.deepcopy(BASE if which == "full" else STEPUP)
    _apply(document, which, plan)
    manifest_path = repo / "zenodo.yaml"
    manifest_path.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    manifest, problems = inspect_manifest(manifest_path, check_files=True)
    if manifest is None:
        _check_problems(problems)
        with pytest.raises(ManifestError) as raised:
            load_manifest(manifest_path)
        assert raised.value.problems
        return
    assert problems == []
    try:
        state = resolve_files(manifest, build_dir=repo / ".build")
    except ManifestError as error:
        _check_problems(error.problems)
    else:
        # Whatever was accepted stays inside the repository.
        for local in state.files:
            assert local.source.resolve().is_relative_to(repo.resolve()), local


@FUZZ
@given(document=wrong)
def test_a_manifest_of_any_shape_gives_manifest_problems_only(repo: Path, document: Any) -> None:
    manifest_path = repo / "other.yaml"
    manifest_path.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    manifest, problems = inspect_manifest(manifest_path, check_files=True)
    assert manifest is None
    _check_problems(problems)


@pytest.mark.parametrize("source", ["CITATION.cff", ".zenodo.json"])
@FUZZ
@given(plan=edits)
def test_wrong_values_in_metadata_sources_give_manifest_problems_only(
    tmp_path_factory: pytest.TempPathFactory, source: str, plan: list[tuple[str, int, Any]]
) -> None:
    root = tmp_path_factory.mktemp("sources")
    shutil.copytree(FULL, root, dirs_exist_ok=True)
    original = (FULL / source).read_text(encoding="utf-8")
    document = yaml.safe_load(original)
    paths = _paths(document)
    for action, pick, value in plan:
        path = paths[pick % len(paths)]
        parent: Any = document
        try:
            for part in path[:-1]:
                parent = parent[part]
            if action in ("replace", "add"):
                parent[path[-1]] = value
        except (KeyError, IndexError, TypeError):
            continue
    if source == ".zenodo.json":
        (root / source).write_text(json.dumps(document, default=str), encoding="utf-8")
    else:
        (root / source).write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    manifest, problems = inspect_manifest(root / "zenodo.yaml", check_files=True)
    if manifest is None:
        _check_problems(problems)
