"""The YAML loader: places of values and keys, YAML 1.1 traps, and no crash on any input."""

from __future__ import annotations

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from zenodo_publish.errors import ManifestError
from zenodo_publish.manifest.loader import Mark, json_path, parse_yaml


def test_values_and_keys_keep_line_and_column() -> None:
    loaded = parse_yaml("a:\n  b:\n    - x\n    - {c: 1}\n", file="m.yaml")
    assert loaded.data == {"a": {"b": ["x", {"c": 1}]}}
    assert loaded.values[("a", "b", 1, "c")] == Mark(4, 11)
    assert loaded.keys[("a", "b")] == Mark(2, 3)
    problem = loaded.problem(("a", "b", 0), "bad", "fix")
    assert problem.format() == "m.yaml:3:7: $.a.b[0]: bad (fix)"


def test_missing_path_points_at_nearest_ancestor() -> None:
    loaded = parse_yaml("meta:\n  title: x\n", file="m.yaml")
    assert loaded.mark(("meta", "creators", 0)) == Mark(2, 3)


def test_keys_stay_text_and_dates_stay_strings() -> None:
    # YAML 1.1 would read on: as True and the date as datetime.date.
    loaded = parse_yaml("publish: {on: tags}\ndate: 2026-01-02\n1.0: x\n", file="m.yaml")
    assert loaded.data == {"publish": {"on": "tags"}, "date": "2026-01-02", "1.0": "x"}


def test_merge_keys_and_aliases_are_supported() -> None:
    text = "base: &b {x: 1, y: 2}\nderived:\n  <<: *b\n  y: 3\n"
    assert parse_yaml(text, file="m.yaml").data["derived"] == {"x": 1, "y": 3}


def test_alias_bomb_is_refused_not_expanded() -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    for i in range(1, 8):
        refs = ", ".join([f"*a{i - 1}"] * 10)
        lines.append(f"a{i}: &a{i} [{refs}]")
    with pytest.raises(ManifestError, match="expands to more than"):
        parse_yaml("\n".join(lines), file="m.yaml")


def test_json_path_format() -> None:
    assert json_path(()) == "$"
    assert json_path(("metadata", "creators", 2, "name")) == "$.metadata.creators[2].name"


_scalars = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20)
_documents = st.recursive(
    _scalars,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=20,
)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=200))
def test_any_text_gives_data_or_manifest_error(text: str) -> None:
    try:
        parse_yaml(text, file="m.yaml")
    except ManifestError as error:
        assert error.problems
        assert all(p.file == "m.yaml" for p in error.problems)


@settings(max_examples=200, deadline=None)
@given(_documents)
def test_any_yaml_document_round_trips_or_fails_cleanly(document: object) -> None:
    text = yaml.safe_dump(document)
    try:
        loaded = parse_yaml(text, file="m.yaml")
    except ManifestError as error:
        assert error.problems
        return
    assert loaded.values[()] is not None


@settings(max_examples=150, deadline=None)
@given(_documents)
def test_validation_of_arbitrary_documents_only_raises_manifest_error(document: object) -> None:
    """Whatever YAML a manifest holds, loading it never crashes with anything else."""
    import tempfile
    from pathlib import Path

    from zenodo_publish.manifest import load_manifest

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "zenodo.yaml"
        path.write_text(yaml.safe_dump({"metadata": document, "files": document}), "utf-8")
        with pytest.raises(ManifestError):
            load_manifest(path)


_DEEP_BLOCKS = "".join(f"{'  ' * i}k{i}:\n" for i in range(100)) + "  " * 100 + "x\n"


@pytest.mark.parametrize("text", ["[" * 5000, _DEEP_BLOCKS, "- " * 3000 + "x"])
def test_deep_nesting_is_a_problem_not_a_crash(text: str) -> None:
    with pytest.raises(ManifestError):
        parse_yaml(text, file="m.yaml")
