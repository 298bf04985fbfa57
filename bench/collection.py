"""Collections at scale (SPEC §9), against an emulator subprocess, figures as ratios in one run.

    .venv/bin/python -m bench.collection [--scale 5] [--only a b c] [--output PATH]

(a) 100 records x 3 small files at Zenodo's limits (100 requests/min, 5000/h, 30 searches/min,
    moving windows, per token): wall time over the least the limits allow, 429s received, and
    requests per record against a single-record sync of the same record.
(b) the same 100 records as 4 shards run at once with one token: 429s, and wall time over (a)'s.
(c) 8 records x 256 MiB, the emulator throttling each connection's upload bandwidth: 4 shards
    at once against 1 (the speed-up sharding buys when bandwidth, not the rate limit, binds).

``--scale S`` divides every window by S (100 per 6 s instead of per minute at S=10) so that a
run takes minutes, not a quarter of an hour (S=5: 100 per 12 s); the ratios stay honest because
the limits keep
their proportions, and latency weighs S times more against a window than it would on Zenodo,
which can only make the measured ratios worse. Writes ``bench/results-collection.md``.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from bench.emulator import UNLIMITED, Emulator, Traffic, emulator
from bench.workload import REPOSITORY_URL, MiB, write_pattern_file
from zenodo_publish.collection.selection import assign_shards

RESULTS = Path(__file__).resolve().parent / "results-collection.md"

MANIFEST = """\
endpoint: sandbox
code_repository: {repository}
metadata:
  resource_type: dataset
  license: cc-by-4.0
  publisher: Zenodo
  description: One object of a benchmark collection.
  creators: [{{family_name: Lovelace, given_name: Ada}}]
records:
  table: records.csv
  key: id
  metadata:
    title: "Object {{id}}"
  files: ["objects/{{id}}/*"]
"""

SINGLE = """\
endpoint: sandbox
code_repository: {repository}
record_file: .zenodo-record.json
metadata:
  title: Object single
  resource_type: dataset
  license: cc-by-4.0
  publisher: Zenodo
  description: One object of a benchmark collection.
  creators: [{{family_name: Lovelace, given_name: Ada}}]
files: ["objects/single/*"]
"""


@dataclass(frozen=True)
class Row:
    name: str
    what: str
    result: str
    baseline: str
    ratio: float | None
    target: str
    met: bool | None


def make_collection(root: Path, records: int, files: int, size: int) -> Path:
    root.mkdir(parents=True)
    keys = [f"obj-{i:03d}" for i in range(records)]
    for index, key in enumerate(keys):
        folder = root / "objects" / key
        folder.mkdir(parents=True)
        for number in range(files):
            path = folder / f"{key}-{number}.bin"
            if size <= 4096:
                path.write_bytes(f"{key} {number}\n".encode() * (size // 12 + 1))
            else:
                write_pattern_file(path, size, seed=index * 10 + number)
    (root / "records.csv").write_text("id\n" + "".join(f"{key}\n" for key in keys))
    (root / "zenodo.yaml").write_text(MANIFEST.format(repository=REPOSITORY_URL))
    return root


def zenodo_publish(repo: Path, emu: Emulator, *args: str) -> subprocess.Popen[bytes]:
    argv = [sys.executable, "-m", "zenodo_publish", "sync", "--endpoint", emu.api_url, *args]
    env = {**os.environ, "ZENODO_TOKEN": emu.token}
    return subprocess.Popen(
        argv, cwd=repo, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )


def run_at_once(repo: Path, emu: Emulator, runs: list[list[str]]) -> float:
    """Start every run at once; the wall time until the last one ends."""
    started = time.monotonic()
    processes = [zenodo_publish(repo, emu, *args) for args in runs]
    for process, args in zip(processes, runs, strict=True):
        _, err = process.communicate()
        if process.returncode != 0:
            raise RuntimeError(
                f"sync {' '.join(args)} exited {process.returncode}:\n{err.decode()}"
            )
    return time.monotonic() - started


def least_allowed(requests: int, limit: int, window: float) -> float:
    """A moving window lets request k (0-based) go at floor(k / limit) windows at the earliest."""
    return ((requests - 1) // limit) * window if requests else 0.0


def configure(emu: Emulator, scale: float) -> tuple[int, float]:
    minute = 60 / scale
    emu.control.config(
        rate_limit_enabled=True,
        rate_limit_key="token",
        rate_limit_user=f"5000 per {3600 / scale:g} second;100 per {minute:g} second",
        rate_limit_search=f"30 per {minute:g} second",
    )
    return 100, minute


def row_a_and_b(scratch: Path, scale: float) -> list[Row]:
    rows: list[Row] = []
    with emulator(scratch, limits=UNLIMITED) as emu:
        limit, window = configure(emu, scale)
        # The single-record baseline: one record of the same shape, its own manifest.
        single = scratch / "single"
        (single / "objects" / "single").mkdir(parents=True)
        for number in range(3):
            (single / "objects" / "single" / f"s-{number}.bin").write_bytes(b"x\n" * 100)
        (single / "zenodo.yaml").write_text(SINGLE.format(repository=REPOSITORY_URL))
        emu.clear_log()
        run_at_once(single, emu, [[]])
        per_single = Traffic.of(emu.control.log()).requests
        time.sleep(window)  # the baseline's requests leave the window

        repo = make_collection(scratch / "a", 100, 3, 200)
        emu.clear_log()
        wall = run_at_once(repo, emu, [[]])
        traffic = emu.traffic()
        least = least_allowed(traffic.requests, limit, window)
        per_record = traffic.requests / 100
        rows.append(
            Row(
                "a1",
                f"100 records x 3 files at 100 req/{window:g} s, 5000/{3600 / scale:g} s",
                f"{wall:.1f} s for {traffic.requests} requests",
                f"least allowed {least:.1f} s",
                wall / least if least else None,
                "≤ 1.15",
                bool(least) and wall / least <= 1.15,
            )
        )
        rows.append(
            Row(
                "a2",
                "429s received (a)",
                str(traffic.status_429),
                "–",
                None,
                "0",
                traffic.status_429 == 0,
            )
        )
        rows.append(
            Row(
                "a3",
                "requests per record (a)",
                f"{per_record:.2f}",
                f"single-record sync: {per_single}",
                per_record / per_single,
                f"≤ {per_single + 0.1:.1f}",
                per_record <= per_single + 0.1,
            )
        )
        one_shard = wall

        # (b) the same collection from scratch, as 4 shards at once with the one token.
        emu.control.reset()
        configure(emu, scale)
        shutil.rmtree(repo / ".zenodo")
        time.sleep(window)
        emu.clear_log()
        wall4 = run_at_once(repo, emu, [["--shard", f"{i}/4"] for i in range(1, 5)])
        traffic4 = emu.traffic()
        rows.append(
            Row(
                "b1",
                "4 shards at once, one token: 429s",
                str(traffic4.status_429),
                "–",
                None,
                "0",
                traffic4.status_429 == 0,
            )
        )
        rows.append(
            Row(
                "b2",
                "4 shards at once: wall time",
                f"{wall4:.1f} s ({traffic4.requests} requests)",
                f"one shard (a): {one_shard:.1f} s",
                wall4 / one_shard,
                "≤ 1.1",
                wall4 / one_shard <= 1.1,
            )
        )
    return rows


def row_c(scratch: Path, bandwidth: int) -> list[Row]:
    repo = make_collection(scratch / "c", 8, 1, 256 * MiB)
    keys = [p.name for p in sorted((repo / "objects").iterdir())]
    split = sorted(Counter(assign_shards(keys, 4).values()).values(), reverse=True)
    four_runs = [["--shard", f"{i}/4"] for i in range(1, 5)]
    with emulator(scratch, limits=UNLIMITED) as emu:

        def fresh() -> None:
            emu.control.reset()
            emu.control.config(upload_bandwidth=bandwidth)
            shutil.rmtree(repo / ".zenodo", ignore_errors=True)

        fresh()
        one = run_at_once(repo, emu, [[]])
        fresh()
        four = run_at_once(repo, emu, four_runs)
    shutil.rmtree(repo)
    what = f"8 records x 256 MiB at {bandwidth / MiB:g} MiB/s per connection"
    return [
        Row(
            "c",
            f"{what}: 4 shards vs 1 (keys obj-000..007, shards of {'/'.join(map(str, split))})",
            f"4 shards: {four:.1f} s",
            f"1 shard: {one:.1f} s",
            one / four,
            "≥ 3×",
            one / four >= 3,
        ),
    ]


def render(rows: list[Row], scale: float, elapsed: float, load: tuple[float, float]) -> str:
    lines = [
        "# Collections benchmark (`python -m bench.collection`)",
        "",
        f"Windows divided by {scale:g} (`--scale`); the whole run took {elapsed:.0f} s; load "
        f"average (1 min) {load[0]:.2f} at the start, {load[1]:.2f} at the end, "
        f"on {os.cpu_count()} cores.",
        "",
        "| row | what | result | baseline | ratio | target | met |",
        "|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        ratio = "–" if row.ratio is None else f"{row.ratio:.3g}"
        met = {True: "yes", False: "**no**", None: "–"}[row.met]
        lines.append(
            f"| {row.name} | {row.what} | {row.result} | {row.baseline} | {ratio} | "
            f"{row.target} | {met} |"
        )
    lines += ["", *NOTES]
    return "\n".join(lines) + "\n"


NOTES = [
    "Notes:",
    "",
    "- a: one `zenodo-publish sync` of the whole collection; the emulator keys its windows by",
    "  token. *Least allowed*: request k (0-based) cannot start before floor(k/100) windows.",
    "  Zenodo's `X-RateLimit-Reset` is whole seconds plus one, which costs up to a second per",
    "  window: about 1.7 % of a real minute, but 1/window of a scaled one, so larger `--scale`",
    "  values make a1 look worse than it is. *Single-record sync*: the same 3 files as a",
    "  one-record manifest, first sync, counted in the same run; a collection shares one orphan",
    "  search per run instead of one per record.",
    "- b: 4 processes (`--shard i/4`), one token, started together. None sees the others'",
    "  requests, but each knows from `--shard i/4` that 4 share the token and spends a fair",
    "  share of the server's remaining count, (remaining - 3k) // 4 after every answer (k: its",
    "  requests out then), in flight included; what is kept back covers the others' requests",
    "  in flight and their probes at the reset (zenodo/ratelimit.py). The wall time is",
    "  compared with (a), one process for all records.",
    "- c: the emulator paces each connection's request body (`upload_bandwidth`), as a runner's",
    "  network would; rate limits off. `--shard I/4` splits the 8 keys 2/2/2/2 (keys ranked by",
    "  their sha256 and cut into 4 runs; hashing each key on its own gave 3/2/2/1, and the",
    "  largest shard bounds the wall time). All processes share this machine's cores (md5 of",
    "  every file by the client and by the emulator), so a loaded machine lowers c; on separate",
    "  runners each shard has its own.",
]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--scale", type=float, default=5.0, help="divide every window by this")
    parser.add_argument("--only", nargs="+", choices=("a", "b", "c"), help="rows to run")
    parser.add_argument("--bandwidth-mib", type=float, default=16.0, help="row c, per connection")
    parser.add_argument("--output", type=Path, help=f"default: {RESULTS} (full runs only)")
    args = parser.parse_args(argv)
    wanted = set(args.only or ("a", "b", "c"))
    started = time.monotonic()
    load_before = os.getloadavg()[0]
    rows: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="zenodo-publish-bench-collection-") as scratch:
        if wanted & {"a", "b"}:
            rows += row_a_and_b(Path(scratch), args.scale)
        if "c" in wanted:
            rows += row_c(Path(scratch), int(args.bandwidth_mib * MiB))
    load = (load_before, os.getloadavg()[0])
    table = render(rows, args.scale, time.monotonic() - started, load)
    print(table, end="")
    output = args.output or (None if args.only else RESULTS)
    if output is not None:
        output.write_text(table, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
