"""The invalid-manifest corpus: every file under tests/data/invalid fails validation with exit
code 1, reports exactly the problems its header announces (place and JSON path), and never a
traceback.

Header format, one line per expected problem::

    # expect: LINE:COL JSON.PATH            (a problem in the manifest itself)
    # expect: FILE:LINE:COL JSON.PATH       (in another file: CITATION.cff, a catalog, ...)
    # expect: FILE JSON.PATH                (a file-level problem without a line)
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest

INVALID = Path(__file__).resolve().parent.parent / "data" / "invalid"
#: *.yaml at the top share one repository; */zenodo.yaml are cases with a tree of their own.
CASES = sorted([*INVALID.glob("*.yaml"), *INVALID.glob("*/zenodo.yaml")])


def expectations(case: Path) -> list[str]:
    """The ``file:line:col: json.path:`` prefixes the header announces."""
    manifest_name = case.relative_to(case.parent).as_posix()
    found = []
    for line in case.read_text(encoding="utf-8").splitlines():
        match = re.match(r"# expect: (\S+) (\S+)$", line)
        if not match:
            continue
        place, json_path = match.groups()
        if re.fullmatch(r"\d+:\d+", place):
            place = f"{manifest_name}:{place}"
        found.append(f"{place}: {json_path}: ")
    return found


def test_the_corpus_is_large_enough() -> None:
    assert len(CASES) >= 40
    assert all(expectations(case) for case in CASES), "every case announces its problems"


@pytest.mark.parametrize("case", CASES, ids=lambda p: p.relative_to(INVALID).as_posix())
def test_invalid_manifest_is_reported_at_the_right_place(
    case: Path, invalid_repo: Path, run: Callable[..., int], capsys: pytest.CaptureFixture[str]
) -> None:
    manifest = invalid_repo / case.relative_to(INVALID)
    exit_code = run("validate", "--manifest", str(manifest))
    err = capsys.readouterr().err
    assert exit_code == 1, err
    assert "Traceback" not in err
    expected = expectations(case)
    reported = [line for line in err.splitlines() if not line.startswith(("error:", "hint:"))]
    assert len(reported) == len(expected), err
    for prefix in expected:
        assert any(line.startswith(prefix) for line in reported), f"{prefix!r} not in:\n{err}"
    # Every problem says what to do.
    assert all(line.rstrip().endswith(")") for line in reported), err
