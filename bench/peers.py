"""zenodo-publish next to its peers, on the same workloads against the same emulator, in one run.

Each peer is installed from PyPI into a venv of its own (cached under ``~/.cache``, or
``$ZP_BENCH_CACHE``) and driven as its users drive it (``bench/peer_driver.py``, which refuses
any connection beyond 127.0.0.1 before the peer is imported). zenodo-publish runs the same
workloads on the same API as each peer: the records API for StepUp RepRep and
rocrate-inveniordm, ``--api legacy`` for zenodo-client, which only speaks the deposit API.

Workloads (the emulator reset before each tool, so every tool starts from nothing):

* A: first sync of 100 x 1 MiB to a new draft;
* B: the same again, nothing changed;
* C: one of the 100 files changed;
* D: the draft published (by the tool, or as its users do in the web interface when the tool
  leaves that to them), then one file changed and a new version synced as a draft;
* E: first sync of one 1 GiB file.

rocrate-inveniordm only creates records, so it has A and E. Every figure is a ratio
zenodo-publish / peer (lower is better): requests and request bytes from the emulator's log;
wall time, CPU time (user + system, start-up included) and peak RSS of the child process.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from bench.emulator import Emulator
from bench.workload import (
    CliRun,
    MiB,
    change_file,
    cli,
    make_repo,
    measured,
)

DRIVER = Path(__file__).resolve().parent / "peer_driver.py"
LATENCIES = (0.0, 0.05)
#: zenodo-publish is "best, or within 1.1x" of a peer when every ratio is at most this.
WITHIN = 1.1
#: Runs of the workloads from nothing (A: 100 x 1 MiB, E: 1 GiB) per tool and latency, the
#: tools taking turns; the fastest counts. B, C and D follow one of A's runs.
E_ROUNDS = 3
A_ROUNDS = 3
TITLE = "zenodo-publish benchmark files"
DESCRIPTION = "Generated files for the benchmark."


@dataclass(frozen=True)
class Peer:
    key: str
    package: str
    version: str
    api: str  # the API zenodo-publish uses against it
    workloads: str
    #: Whether the peer hashes local files too (StepUp RepRep: every uploaded file after its
    #: upload, every local file on a re-sync); row 10d takes zenodo-publish's md5 out only
    #: against peers that hash nothing.
    hashes: bool = False


PEERS = (
    Peer("stepup", "stepup-reprep", "4.0.2", "rdm", "ABCDE", hashes=True),
    Peer("zenodo-client", "zenodo-client", "0.4.2", "legacy", "ABCDE"),
    Peer("rocrate", "rocrate-inveniordm", "2.1.0", "rdm", "AE"),
)

WORKLOADS = {
    "A": "first sync 100 x 1 MiB",
    "B": "no-op re-sync",
    "C": "one file changed",
    "D": "new version, 1 changed",
    "E": "first sync 1 GiB",
}


@dataclass(frozen=True)
class Figures:
    requests: int
    bytes_in: int
    seconds: float
    cpu: float
    rss: int
    #: Searches of the user's records among the requests.
    searches: int = 0
    #: CPU time the emulator spent serving the run (measured for E only, else 0).
    server_cpu: float = 0.0

    @staticmethod
    def of(run: CliRun, emu: Emulator) -> Figures:
        traffic = emu.traffic()
        return Figures(traffic.requests, traffic.bytes_in, run.seconds, run.cpu_seconds,
                       run.max_rss_bytes, traffic.searches)  # fmt: skip


#: Bytes of local files in workloads A-D (E: the big file's size): what zenodo-publish hashes
#: in each (every file once: tests/sync/test_hash_once.py), to check what Zenodo stored or to
#: find what changed.
SMALL_BYTES = 100 * MiB


def md5_cpu_per_byte() -> float:
    """CPU seconds per byte of md5 on this machine (hashlib, 256 MiB from memory, best of 3)."""
    block = os.urandom(MiB)
    best = float("inf")
    for _ in range(3):
        digest = hashlib.md5(usedforsecurity=False)
        started = time.process_time()
        for _ in range(256):
            digest.update(block)
        best = min(best, time.process_time() - started)
    return best / (256 * MiB)


@dataclass
class Comparison:
    peer: Peer
    workload: str
    latency: float
    ours: Figures
    theirs: Figures

    def ratios(self) -> dict[str, float]:
        def ratio(a: float, b: float) -> float:
            if b == 0:
                return 1.0 if a == 0 else float("inf")
            return a / b

        o, t = self.ours, self.theirs
        return {
            "requests": ratio(o.requests, t.requests),
            "bytes": ratio(o.bytes_in, t.bytes_in),
            "wall": ratio(o.seconds, t.seconds),
            "CPU": ratio(o.cpu, t.cpu),
            "RSS": ratio(o.rss, t.rss),
        }

    def met(self) -> bool:
        return all(value <= WITHIN for value in self.ratios().values())

    def ratios_besides_checks(self, md5_cpu_per_byte: float, hashed_bytes: int) -> dict[str, float]:
        """The ratios with what SPEC §5 makes zenodo-publish do and the peer skips taken out of
        its side: the md5 of every local byte (CPU: ``hashed_bytes`` at this machine's md5
        speed; only against a peer that hashes nothing) and the search before a first create
        (requests). Wall time, bytes and memory stay as measured."""
        md5 = 0.0 if self.peer.hashes else hashed_bytes * md5_cpu_per_byte
        adjusted = dataclasses.replace(
            self.ours,
            requests=self.ours.requests - self.ours.searches,
            cpu=max(self.ours.cpu - md5, 0.0),
        )
        return Comparison(self.peer, self.workload, self.latency, adjusted, self.theirs).ratios()


@dataclass
class PeerResults:
    comparisons: list[Comparison] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    installed: dict[str, str] = field(default_factory=dict)
    md5_cpu_per_byte: float = 0.0
    big_bytes: int = 0

    def local_bytes(self, workload: str) -> int:
        return self.big_bytes if workload == "E" else SMALL_BYTES

    def met_besides_checks(self, c: Comparison) -> bool:
        """``c`` is met once zenodo-publish's md5 and first-sync search are taken out."""
        ratios = c.ratios_besides_checks(self.md5_cpu_per_byte, self.local_bytes(c.workload))
        return all(value <= WITHIN for value in ratios.values())


# --- installing the peers ---------------------------------------------------------------------


def cache_dir() -> Path:
    base = os.environ.get("ZP_BENCH_CACHE") or str(Path.home() / ".cache" / "zenodo-publish-bench")
    return Path(base)


def peer_python(peer: Peer) -> Path | None:
    """The peer's venv python, installing it on first use (pip from PyPI, then cached)."""
    venv = cache_dir() / f"{peer.package}-{peer.version}"
    python = venv / "bin" / "python"
    stamp = venv / ".installed"
    if stamp.exists() and python.exists():
        return python
    shutil.rmtree(venv, ignore_errors=True)
    venv.parent.mkdir(parents=True, exist_ok=True)
    print(f"  installing {peer.package}=={peer.version} into {venv}", flush=True)
    try:
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run(
            [str(python), "-m", "pip", "install", "--quiet", f"{peer.package}=={peer.version}"],
            check=True,
        )
    except subprocess.CalledProcessError as error:
        print(f"  could not install {peer.package}: {error}", flush=True)
        return None
    stamp.touch()
    return python


# --- the workloads --------------------------------------------------------------------------


def stepup_config(repo: Path, api_url: str, version: str) -> Path:
    config = repo / "zenodo-stepup.yaml"
    config.write_text(
        "\n".join(
            [
                "path_record_id: record_id.txt",
                f"endpoint: {api_url}",
                "metadata:",
                f"  title: {TITLE}",
                f'  version: "{version}"',
                "  resource_type: dataset",
                "  publisher: Zenodo",
                "  license: cc-by-4.0",
                f"  description: {DESCRIPTION}",
                "  creators:",
                "    - family_name: Lab",
                "      given_name: Benchmark",
                "",
            ]
        ),
        encoding="utf-8",
    )
    return config


LEGACY_METADATA = {
    "metadata": {
        "title": TITLE,
        "upload_type": "dataset",
        "description": DESCRIPTION,
        "creators": [{"name": "Lab, Benchmark"}],
        "access_right": "open",
        "license": "cc-by-4.0",
        "version": "1.0.0",
    }
}

RDM_BODY = {
    "access": {"record": "public", "files": "public"},
    "files": {"enabled": True},
    "metadata": {
        "title": TITLE,
        "resource_type": {"id": "dataset"},
        "description": DESCRIPTION,
        "publisher": "Zenodo",
        "publication_date": "2026-01-01",
        "creators": [
            {"person_or_org": {"type": "personal", "family_name": "Lab", "given_name": "Benchmark"}}
        ],
        "rights": [{"id": "cc-by-4.0"}],
    },
}


class Driver:
    """One tool's way of running A..E on a repository; each step returns its measured run."""

    def __init__(self, emu: Emulator, repo: Path) -> None:
        self.emu = emu
        self.repo = repo

    def paths(self) -> list[str]:
        return sorted(str(p) for p in (self.repo / "data").iterdir())

    def first(self) -> CliRun:
        raise NotImplementedError

    def again(self) -> CliRun:
        raise NotImplementedError

    def publish_then_change(self) -> CliRun:
        raise NotImplementedError


class Ours(Driver):
    def __init__(self, emu: Emulator, repo: Path, api: str) -> None:
        super().__init__(emu, repo)
        self.api = api

    def run(self, command: str, *args: str) -> CliRun:
        return cli(self.repo, self.emu.api_url, self.emu.token, command, "--api", self.api, *args)

    def first(self) -> CliRun:
        return self.run("sync")

    def again(self) -> CliRun:
        return self.run("sync")

    def publish_then_change(self) -> CliRun:
        self.run("publish", "--set-version", "v1.0.0")
        change_file(self.repo / "data" / "file-017.bin")
        self.emu.clear_log()
        return self.run("sync", "--set-version", "1.1.0")


class PeerDriver(Driver):
    def __init__(self, emu: Emulator, repo: Path, python: Path) -> None:
        super().__init__(emu, repo)
        self.python = python

    def drive(self, *args: str, **env: str) -> CliRun:
        base = {k: v for k, v in os.environ.items() if not k.startswith(("ZENODO", "REPREP"))}
        environment = {**base, "NO_PROXY": "*", "no_proxy": "*", "HOME": str(self.repo), **env}
        return measured([str(self.python), str(DRIVER), *args], cwd=self.repo, env=environment)


class StepUp(PeerDriver):
    def sync(self, version: str) -> CliRun:
        config = stepup_config(self.repo, self.emu.api_url, version)
        return self.drive("stepup", "sync", str(config), *self.paths(),
                          REPREP_ZENODO_TOKEN=self.emu.token)  # fmt: skip

    def first(self) -> CliRun:
        return self.sync("1.0.0")

    def again(self) -> CliRun:
        return self.sync("1.0.0")

    def publish_then_change(self) -> CliRun:
        # StepUp leaves publishing to the web interface; its users then raise the version.
        self.emu.publish((self.repo / "record_id.txt").read_text().strip())
        change_file(self.repo / "data" / "file-017.bin")
        self.emu.clear_log()
        return self.sync("1.1.0")


class ZenodoClient(PeerDriver):
    def run(self, action: str) -> CliRun:
        return self.drive(
            "zenodo-client", action, str(self.repo / "deposition.txt"), *self.paths(),
            ZP_BENCH_API=self.emu.api_url, ZP_BENCH_TOKEN=self.emu.token,
            ZP_BENCH_METADATA=json.dumps(LEGACY_METADATA),
        )  # fmt: skip

    def first(self) -> CliRun:
        return self.run("create")

    def again(self) -> CliRun:
        return self.run("update")

    def publish_then_change(self) -> CliRun:
        deposition = (self.repo / "deposition.txt").read_text().strip()
        self.emu.publish(deposition, legacy=True)
        change_file(self.repo / "data" / "file-017.bin")
        self.emu.clear_log()
        return self.run("update")


class RoCrate(PeerDriver):
    def first(self) -> CliRun:
        crate = self.repo / "data"
        (crate / "ro-crate-metadata.json").write_text("{}", encoding="utf-8")
        datacite = self.repo / "datacite.json"
        datacite.write_text(json.dumps(RDM_BODY), encoding="utf-8")
        base = self.emu.api_url.removesuffix("/api")
        return self.drive("rocrate", "deposit", str(crate), str(datacite),
                          INVENIORDM_BASE_URL=base, INVENIORDM_API_KEY=self.emu.token)  # fmt: skip

    def paths(self) -> list[str]:
        return [p for p in super().paths() if not p.endswith(".json")]


def run_workloads(
    emu: Emulator,
    make: Callable[[Path], Driver],
    workloads: str,
    scratch: Path,
    big: Path,
    latency: float,
) -> dict[str, Figures]:
    """A..D (those in ``workloads``) for one tool; the emulator reset before A."""
    figures: dict[str, Figures] = {}
    repo = make_repo(scratch / "peer-repo", files=100, size=MiB)
    try:
        emu.control.reset()
        emu.latency(latency)
        driver = make(repo)
        for letter in workloads.replace("E", ""):
            if letter != "D":
                if letter == "C":
                    change_file(repo / "data" / "file-042.bin")
                emu.clear_log()
            step = {"A": driver.first, "B": driver.again, "C": driver.again,
                    "D": driver.publish_then_change}[letter]  # fmt: skip
            figures[letter] = Figures.of(step(), emu)
    finally:
        shutil.rmtree(repo)
    return figures


def small_first_sync(
    emu: Emulator, make: Callable[[Path], Driver], scratch: Path, latency: float
) -> Figures:
    """Workload A once, from nothing (a repository of its own, the emulator reset)."""
    repo = make_repo(scratch / "peer-first", files=100, size=MiB)
    try:
        emu.control.reset()
        emu.latency(latency)
        emu.clear_log()
        return Figures.of(make(repo).first(), emu)
    finally:
        shutil.rmtree(repo)


def big_first_sync(
    emu: Emulator, make: Callable[[Path], Driver], scratch: Path, big: Path, latency: float
) -> Figures:
    """Workload E once, from nothing: a first sync of the 1 GiB file."""
    repo = make_repo(scratch / "peer-big", files=0, size=0)
    (repo / "data").mkdir(exist_ok=True)
    try:
        os.link(big, repo / "data" / big.name)
    except OSError:
        shutil.copyfile(big, repo / "data" / big.name)
    try:
        emu.control.reset()
        emu.latency(latency)
        emu.clear_log()
        server_before = emu.cpu_seconds()
        run = make(repo).first()
        server = emu.cpu_seconds() - server_before
        return dataclasses.replace(Figures.of(run, emu), server_cpu=server)
    finally:
        shutil.rmtree(repo)


def compare_peers(emu: Emulator, scratch: Path, big: Path) -> PeerResults:
    results = PeerResults(md5_cpu_per_byte=md5_cpu_per_byte(), big_bytes=big.stat().st_size)
    for peer in PEERS:
        python = peer_python(peer)
        if python is None:
            results.skipped.append(f"{peer.package} {peer.version}: could not be installed")
            continue
        results.installed[peer.key] = f"{peer.package} {peer.version}"
        peer_class = {"stepup": StepUp, "zenodo-client": ZenodoClient, "rocrate": RoCrate}[peer.key]
        for latency in LATENCIES:
            print(f"  {peer.package}, {latency * 1000:.0f} ms latency", flush=True)

            def make_theirs(
                repo: Path, cls: type[PeerDriver] = peer_class, python: Path = python
            ) -> Driver:
                return cls(emu, repo, python)

            def make_ours(repo: Path, api: str = peer.api) -> Driver:
                return Ours(emu, repo, api)

            small = peer.workloads.replace("E", "")
            try:
                # One run swings with whatever else the machine does (CPU time on this machine
                # by a fifth): A too is the fastest of A_ROUNDS runs per tool, the tools taking
                # turns for all but the last, which B, C and D then follow.
                first_runs: dict[str, list[Figures]] = {"theirs": [], "ours": []}
                for _ in range(A_ROUNDS - 1 if "A" in small else 0):
                    for side, make in (("theirs", make_theirs), ("ours", make_ours)):
                        first_runs[side].append(small_first_sync(emu, make, scratch, latency))
                theirs = run_workloads(emu, make_theirs, small, scratch, big, latency)
                ours = run_workloads(emu, make_ours, small, scratch, big, latency)
                if "A" in small:
                    for side, figures in (("theirs", theirs), ("ours", ours)):
                        runs = [*first_runs[side], figures["A"]]
                        figures["A"] = min(runs, key=lambda f: f.seconds)
                if "E" in peer.workloads:
                    # One run of a few seconds swings by a third with whatever else the machine
                    # does: E is the fastest of E_ROUNDS runs per tool, the tools taking turns
                    # so that a busy moment falls on both alike.
                    rounds: dict[str, list[Figures]] = {"theirs": [], "ours": []}
                    for _ in range(E_ROUNDS):
                        for side, make in (("theirs", make_theirs), ("ours", make_ours)):
                            rounds[side].append(big_first_sync(emu, make, scratch, big, latency))
                    theirs["E"] = min(rounds["theirs"], key=lambda f: f.seconds)
                    ours["E"] = min(rounds["ours"], key=lambda f: f.seconds)
            except RuntimeError as error:
                results.skipped.append(f"{peer.package} at {latency * 1000:.0f} ms: {error}"[:600])
                continue
            for letter in peer.workloads:
                results.comparisons.append(
                    Comparison(peer, letter, latency, ours[letter], theirs[letter])
                )
    emu.latency(0.0)
    return results


def render(results: PeerResults) -> list[str]:
    lines = [
        "## Peers",
        "",
        "Ratios zenodo-publish / peer (lower is better; met: every ratio ≤ 1.1). zenodo-publish "
        "runs on the peer's API: `--api legacy` against zenodo-client. Figures in brackets: "
        "zenodo-publish / peer.",
        "",
        "| peer | workload | latency | requests | bytes | wall | CPU | peak RSS | met |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for c in results.comparisons:
        r = c.ratios()
        o, t = c.ours, c.theirs
        cells = [
            results.installed[c.peer.key],
            f"{c.workload}: {WORKLOADS[c.workload]}",
            f"{c.latency * 1000:.0f} ms",
            f"{r['requests']:.2f} ({o.requests}/{t.requests})",
            f"{r['bytes']:.2f} ({o.bytes_in / MiB:.1f}/{t.bytes_in / MiB:.1f} MiB)",
            f"{r['wall']:.2f} ({o.seconds:.2f}/{t.seconds:.2f} s)",
            f"{r['CPU']:.2f} ({o.cpu:.2f}/{t.cpu:.2f} s)",
            f"{r['RSS']:.2f} ({o.rss / 1e6:.0f}/{t.rss / 1e6:.0f} MB)",
            "yes" if c.met() else "**no**",
        ]
        lines.append("| " + " | ".join(cells) + " |")
    failing = [c for c in results.comparisons if not c.met()]
    if failing:
        lines += [
            "",
            "Cells not met, each ratio above 1.1 with what it is made of. zenodo-publish "
            "hashes every local byte once per run (A-D: "
            f"{SMALL_BYTES // MiB} MiB, E: {results.big_bytes // MiB} MiB): to compare with "
            "what Zenodo holds (B, C, D) or to check the checksum Zenodo answers after each "
            "upload against the bytes sent (A, E); zenodo-client and rocrate-inveniordm hash "
            "nothing and check nothing (StepUp RepRep hashes too: every file it uploads, and "
            "every local file on a re-sync). "
            f"The md5 costs {results.md5_cpu_per_byte * MiB * 1000:.2f} ms CPU per MiB on this "
            "machine (hashlib, same run). On a first sync zenodo-publish also makes one search "
            "of the user's records before creating, so that a re-run after a crash finds the "
            "draft it made instead of creating a second concept. Both are kept. The md5 shows in "
            "E's wall time too: the client and the emulator (which hashes what it receives) "
            "share this machine's cores, so their CPU time over the cores is a floor for the "
            "wall time, and the client's md5 raises it (figures below).",
            "",
        ]
        lines += [f"- {_why(c, results)}" for c in failing]
    if results.skipped:
        lines += ["", "Not measured:", ""]
        lines += [f"- {line}" for line in results.skipped]
    return lines


def _why(c: Comparison, results: PeerResults) -> str:
    o, t = c.ours, c.theirs
    parts = []
    for name, ratio in c.ratios().items():
        if ratio <= WITHIN:
            continue
        if name == "requests":
            text = f"requests {o.requests} vs {t.requests}"
            if o.searches:
                text += f" ({o.requests - o.searches} besides the search)"
        elif name == "CPU":
            hashed = results.local_bytes(c.workload)
            md5 = hashed * results.md5_cpu_per_byte
            rest = o.cpu - md5
            text = (
                f"CPU {o.cpu:.2f} vs {t.cpu:.2f} s ({ratio:.2f}); of it md5 of "
                f"{hashed // MiB} MiB ≈ {md5:.2f} s, the rest {rest:.2f} s "
                f"({rest / t.cpu:.2f}× the peer's)"
            )
        elif name == "wall":
            text = f"wall {o.seconds:.2f} vs {t.seconds:.2f} s ({ratio:.2f})"
            if o.server_cpu and t.server_cpu:
                # Client and emulator share the machine's cores: their CPU over the cores is
                # a floor for the wall time, and the client's md5 raises it.
                cores = len(os.sched_getaffinity(0))
                floor_o, floor_t = (o.cpu + o.server_cpu) / cores, (t.cpu + t.server_cpu) / cores
                text += (
                    f", with the emulator's CPU {o.server_cpu:.2f} vs {t.server_cpu:.2f} s: "
                    f"client + emulator CPU over {cores} cores {floor_o:.2f} vs {floor_t:.2f} s"
                )
        elif name == "RSS":
            text = f"peak RSS {o.rss / 1e6:.0f} vs {t.rss / 1e6:.0f} MB ({ratio:.2f})"
        else:
            text = f"{name} {ratio:.2f}"
        parts.append(text)
    where = f"{results.installed[c.peer.key]}, {c.workload}, {c.latency * 1000:.0f} ms"
    besides = c.ratios_besides_checks(results.md5_cpu_per_byte, results.local_bytes(c.workload))
    still = [f"{name} {ratio:.2f}" for name, ratio in besides.items() if ratio > WITHIN]
    # Against a peer that hashes too, only the search is taken out (row 10d).
    without = "the search" if c.peer.hashes else "the md5 and the search"
    verdict = (
        f"still above 1.1 without {without}: " + ", ".join(still)
        if still
        else f"every ratio ≤ 1.1 without {without}"
    )
    return f"{where}: " + "; ".join(parts) + f". {verdict[0].upper()}{verdict[1:]}"
