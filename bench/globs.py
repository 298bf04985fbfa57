"""``python -m bench.globs [--old-rev REV] [--output PATH]``: the pathological glob, before/after.

``**/**/.../**/zzz`` (N times ``**``) over a 40-deep tree (a chain of 40 folders with one file
in each). "before" is ``manifest/globs.py`` as it was at ``--old-rev`` (default: the last commit
before the linear matcher), loaded from git and run in a subprocess with a time limit; "after"
is the installed package. Both match the same list of paths in the same run. Writes a Markdown
table (default ``bench/globs.md``).
"""

from __future__ import annotations

import argparse
import datetime
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from zenodo_publish.manifest.globs import GlobMatcher

DEPTH = 40
OLD_REV = "5d9ac74"  # main before issue 11's linear matcher
HERE = Path(__file__).resolve().parent
LIMIT_SECONDS = 120.0

_OLD_RUNNER = """
import sys, time, types
source, pattern, paths = sys.stdin.read().split("\\0", 2)
module = types.ModuleType("old_globs")
exec(compile(source, "old_globs.py", "exec"), module.__dict__)
regex = module.compile_glob(pattern)
start = time.perf_counter()
hits = sum(1 for p in paths.split("\\n") if regex.match(p))
print(time.perf_counter() - start, hits)
"""


def tree_paths(root: Path) -> list[str]:
    folder = root
    for level in range(DEPTH):
        folder = folder / f"d{level}"
        folder.mkdir()
        (folder / "f.csv").write_text("x\n")
    found: list[str] = []
    for current, dirs, names in os.walk(root):
        dirs.sort()
        relative = Path(current).relative_to(root).as_posix()
        found.extend(("" if relative == "." else relative + "/") + n for n in names)
    return sorted(found)


def pattern(stars: int) -> str:
    return "/".join(["**"] * stars + ["zzz"])


def old_seconds(source: str, stars: int, paths: list[str]) -> str:
    payload = "\0".join([source, pattern(stars), "\n".join(paths)])
    try:
        done = subprocess.run(
            [sys.executable, "-c", _OLD_RUNNER],
            input=payload,
            capture_output=True,
            text=True,
            timeout=LIMIT_SECONDS,
            check=True,
        )
    except subprocess.TimeoutExpired:
        return f"> {LIMIT_SECONDS:.0f} (stopped)"
    return f"{float(done.stdout.split()[0]):.3f}"


def new_seconds(stars: int, paths: list[str]) -> tuple[str, int]:
    matcher = GlobMatcher(pattern(stars))
    start = time.perf_counter()
    for path in paths:
        matcher.matches(path)
    return f"{time.perf_counter() - start:.4f}", matcher.work


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--old-rev", default=OLD_REV)
    parser.add_argument("--output", type=Path, default=HERE / "globs.md")
    parser.add_argument("--stars", type=int, nargs="*", default=[4, 6, 8, 10, 16])
    args = parser.parse_args(argv)
    source = subprocess.run(
        ["git", "show", f"{args.old_rev}:src/zenodo_publish/manifest/globs.py"],
        cwd=HERE.parent,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    with tempfile.TemporaryDirectory() as folder:
        paths = tree_paths(Path(folder))
    now = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M")
    lines = [
        "# Glob matching: the pathological pattern before and after (issue 11)",
        "",
        f"Produced by `python -m bench.globs` on {now} UTC. Tree: a chain of {DEPTH} folders "
        f"with one file in each ({len(paths)} "
        f"paths). Before: `globs.py` at {args.old_rev} (backtracking regex), in a subprocess "
        f"stopped after {LIMIT_SECONDS:.0f} s. After: the linear matcher; its steps are the work "
        "its budget counts.",
        "",
        "| pattern | before (s) | after (s) | after: matching steps |",
        "|---|---|---|---|",
    ]
    stopped = False
    for stars in args.stars:
        skipped = "not run (a smaller N was stopped)"
        before = skipped if stopped else old_seconds(source, stars, paths)
        stopped = stopped or before.startswith(">")
        after, work = new_seconds(stars, paths)
        lines.append(f"| `{pattern(stars)}` | {before} | {after} | {work} |")
        print(lines[-1], flush=True)
    args.output.write_text("\n".join(lines) + "\n")
    print(f"written: {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
