"""Glob patterns built to explode (issue 11): ``**/**/.../zzz`` over a 40-deep tree took 25 s with
8 ``**`` and never ended with 16, in ``files:`` and in ``exclude:``; ``validate`` and ``plan`` run
on pull requests. Matching is now segment by segment (linear in the tree, counted in steps, not
timed), and a pattern past its work budget is refused with a clear problem.

The seconds before and after are measured by ``python -m bench.globs`` (bench/results.md)."""

from __future__ import annotations

import fnmatch
import signal
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from zenodo_publish.manifest import files as files_module
from zenodo_publish.manifest import inspect_manifest
from zenodo_publish.manifest.globs import glob_matches

HEAD = """\
endpoint: sandbox
metadata:
  title: Globs
  resource_type: dataset
  license: cc-by-4.0
  creators: [{family_name: Lovelace, given_name: Ada}]
"""
DEPTH = 40


@pytest.fixture
def deep(tmp_path: Path) -> Path:
    """A repository with one file at the bottom of a 40-deep chain of folders."""
    root = tmp_path / "repo"
    folder = root.joinpath(*(f"d{i}" for i in range(DEPTH)))
    folder.mkdir(parents=True)
    (folder / "leaf.csv").write_text("x\n")
    (root / "top.csv").write_text("y\n")
    return root


@pytest.fixture
def no_hang() -> Iterator[None]:
    """A safety net, not an assertion: a backtracking matcher fails instead of hanging."""

    def expired(_signum: int, _frame: object) -> None:
        raise TimeoutError("pattern matching did not finish")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.alarm(60)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, previous)


def pathological(stars: int) -> str:
    return "/".join(["**"] * stars + ["zzz"])


@pytest.mark.parametrize("stars", [8, 16, 40])
@pytest.mark.parametrize("key", ["files", "exclude"])
def test_repeated_double_stars_on_a_deep_tree_finish_at_once(
    deep: Path, no_hang: None, stars: int, key: str
) -> None:
    body = (
        f'files: ["{pathological(stars)}"]\n'
        if key == "files"
        else f'files: ["**/*.csv"]\nexclude: ["{pathological(stars)}"]\n'
    )
    (deep / "zenodo.yaml").write_text(HEAD + body)
    manifest, problems = inspect_manifest(deep / "zenodo.yaml", check_files=True)
    if key == "files":
        assert manifest is None
        assert [p.message for p in problems] == [f"{pathological(stars)} matches no file"]
    else:
        assert manifest is not None, problems


@pytest.mark.parametrize("stars", [1, 8, 16, 64])
def test_matching_work_is_linear_in_the_path_whatever_the_pattern(stars: int) -> None:
    from zenodo_publish.manifest.globs import GlobMatcher

    matcher = GlobMatcher(pathological(stars) + "/" + pathological(stars))
    path = "/".join(["d"] * DEPTH + ["leaf.csv"])
    assert not matcher.matches(path)
    # Repeated ** collapse: at most 4 pattern positions are live at any segment.
    assert matcher.work <= 4 * (DEPTH + 1)


def test_a_pattern_past_its_work_budget_is_a_clear_problem(
    deep: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from zenodo_publish.manifest.globs import GlobMatcher

    (deep / "zenodo.yaml").write_text(HEAD + 'files: ["**/a*/**/b*/**/*.csv"]\n')

    class Tight(GlobMatcher):
        def __init__(self, pattern: str, *, budget: int = 50) -> None:
            super().__init__(pattern, budget=budget)

    monkeypatch.setattr(files_module, "GlobMatcher", Tight)
    manifest, problems = inspect_manifest(deep / "zenodo.yaml", check_files=True)
    assert manifest is None
    assert any("needs more than 50 matching steps" in p.message for p in problems), problems
    assert all("start the pattern with its folder" in (p.hint or "") for p in problems)


_segment = st.sampled_from(["a", "b", "ab", "*", "a*", "*b", "?", "**"])


def _reference(pattern: list[str], path: list[str]) -> bool:
    """Plain recursive definition (exponential, fine for tiny inputs)."""
    if not pattern:
        return not path
    head, rest = pattern[0], pattern[1:]
    if head == "**":
        if not rest:
            return len(path) >= 1
        return any(_reference(rest, path[i:]) for i in range(len(path) + 1))
    return bool(path) and fnmatch.fnmatchcase(path[0], head) and _reference(rest, path[1:])


@settings(max_examples=300, deadline=None)
@given(
    st.lists(_segment, min_size=1, max_size=6),
    st.lists(st.sampled_from(["a", "b", "ab", "ba", "c"]), min_size=1, max_size=6),
)
def test_the_linear_matcher_agrees_with_the_definition(pattern: list[str], path: list[str]) -> None:
    assert glob_matches("/".join(pattern), "/".join(path)) is _reference(pattern, path)
