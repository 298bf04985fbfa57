"""What the benchmarks upload: repositories of generated files with a manifest, and the
``zenodo-publish`` command run against the emulator as a user would run it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import IO

MiB = 1024 * 1024
GiB = 1024 * MiB

#: Marks the benchmark's records (and keeps the CLI from asking git for an origin).
REPOSITORY_URL = "https://github.com/example/zenodo-publish-bench"

MANIFEST = """\
endpoint: sandbox
record_file: .zenodo-record.json
metadata:
  title: zenodo-publish benchmark files
  description: Generated files for the benchmark.
  resource_type: dataset
  license: cc-by-4.0
  publisher: Zenodo
  creators:
    - name: Benchmark Lab
files:
  - {pattern}
publish:
  on: tags
  tags: "v*"
"""


def write_pattern_file(path: Path, size: int, seed: int = 0) -> Path:
    """``size`` bytes of incompressible, non-repeating-per-MiB data, written fast: one random
    MiB, each copy stamped with its index (nothing can deduplicate or compress it away)."""
    block = bytearray(os.urandom(MiB))
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as out:
        written = 0
        index = 0
        while written < size:
            block[:16] = seed.to_bytes(8, "big") + index.to_bytes(8, "big")
            piece = memoryview(block)[: min(MiB, size - written)]
            out.write(piece)
            written += len(piece)
            index += 1
    return path


def make_repo(root: Path, *, files: int, size: int, pattern: str = "data/*.bin") -> Path:
    """A repository folder with ``files`` files of ``size`` bytes and a manifest for them."""
    root.mkdir(parents=True)
    (root / "zenodo.yaml").write_text(MANIFEST.format(pattern=pattern), encoding="utf-8")
    for number in range(files):
        write_pattern_file(root / "data" / f"file-{number:03d}.bin", size, seed=number)
    return root


def change_file(path: Path) -> None:
    """Change a few bytes in place: same size, other md5."""
    with path.open("r+b") as handle:
        handle.write(f"changed {time.time_ns()}".encode())


#: Runs ``argv`` (its arguments) in a grandchild and writes that one's wall time and rusage as
#: JSON to the file descriptor named first. A child's ``ru_maxrss`` is never below the peak RSS
#: of the process it was spawned from (Linux carries the high-water mark of the spawning
#: process's memory into the child when it execs): spawned straight from the bench, every
#: child's peak read as the bench's own (47 MB on this machine, for every tool alike). This
#: launcher starts without ``site`` (a few MB) and forks the measured process from itself.
_LAUNCHER = """\
import json, os, sys, time
report = int(sys.argv[1])
started = time.monotonic()
pid = os.fork()
if pid == 0:
    os.close(report)
    try:
        os.execvp(sys.argv[2], sys.argv[2:])
    finally:
        os._exit(127)
_, status, usage = os.wait4(pid, 0)
seconds = time.monotonic() - started
with os.fdopen(report, "w") as out:
    json.dump({"seconds": seconds, "utime": usage.ru_utime, "stime": usage.ru_stime,
               "maxrss_kib": usage.ru_maxrss}, out)
sys.exit(os.waitstatus_to_exitcode(status))
"""


@dataclass(frozen=True)
class Spawned:
    """What :func:`spawn` measured of one process (and its descendants it waited for)."""

    returncode: int
    seconds: float
    cpu_seconds: float
    max_rss_bytes: int


def spawn(argv: list[str], *, cwd: Path, env: dict[str, str], stdout: IO[bytes],
          stderr: IO[bytes]) -> Spawned:  # fmt: skip
    """Run ``argv`` to its end through :data:`_LAUNCHER`; its wall time, CPU time (user +
    system, ``wait4``) and peak RSS (``ru_maxrss``, the kernel's high-water mark, like VmHWM),
    free of the bench's own memory."""
    read_end, write_end = os.pipe()
    try:
        process = subprocess.Popen(
            [sys.executable, "-S", "-c", _LAUNCHER, str(write_end), *argv],
            cwd=cwd, env=env, stdout=stdout, stderr=stderr, pass_fds=(write_end,),
        )  # fmt: skip
    except BaseException:
        os.close(read_end)
        raise
    finally:
        os.close(write_end)
    with os.fdopen(read_end, "rb") as report:
        raw = report.read()
    returncode = process.wait()
    if not raw:
        raise RuntimeError(f"{argv[0]} could not be started (exit {returncode})")
    figures = json.loads(raw)
    return Spawned(
        returncode,
        figures["seconds"],
        figures["utime"] + figures["stime"],
        figures["maxrss_kib"] * 1024,  # Linux reports ru_maxrss in KiB
    )


@dataclass(frozen=True)
class CliRun:
    seconds: float
    max_rss_bytes: int
    stdout: str
    stderr: str
    #: User + system CPU time of the child (``wait4``), start-up included.
    cpu_seconds: float = 0.0


def measured(argv: list[str], *, cwd: Path, env: dict[str, str]) -> CliRun:
    """Run ``argv`` (through :func:`spawn`); its wall time, CPU time and peak RSS. Raises on a
    non-zero exit."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        run = spawn(argv, cwd=cwd, env=env, stdout=out, stderr=err)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read().decode(errors="replace"), err.read().decode(errors="replace")
    if run.returncode != 0:
        raise RuntimeError(f"{' '.join(argv[:4])} exited with {run.returncode}:\n{stderr}")
    return CliRun(run.seconds, run.max_rss_bytes, stdout, stderr, run.cpu_seconds)


def cli(
    repo: Path, api_url: str, token: str, command: str, *args: str, parallel: int | None = None
) -> CliRun:
    """``zenodo-publish COMMAND --endpoint API_URL ARGS`` in ``repo`` as a child process; its
    wall time and its peak resident set size (``ru_maxrss`` from ``wait4`` of this child alone,
    which the kernel keeps as the process's high-water mark, like VmHWM)."""
    argv = [sys.executable, "-m", "zenodo_publish", command, "--endpoint", api_url]
    argv += ["--repository-url", REPOSITORY_URL, *args]
    if parallel is not None:
        argv += ["--parallel", str(parallel)]
    env = {**os.environ, "ZENODO_TOKEN": token}
    try:
        return measured(argv, cwd=repo, env=env)
    except RuntimeError as error:
        shown = " ".join(argv[3:])
        raise RuntimeError(f"zenodo-publish {shown}: {error}") from None
