"""What the benchmarks upload: repositories of generated files with a manifest, and the
``zenodo-publish`` command run against the emulator as a user would run it."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

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


@dataclass(frozen=True)
class CliRun:
    seconds: float
    max_rss_bytes: int
    stdout: str
    stderr: str
    #: User + system CPU time of the child (``wait4``), start-up included.
    cpu_seconds: float = 0.0


def measured(argv: list[str], *, cwd: Path, env: dict[str, str]) -> CliRun:
    """Run ``argv`` as a child; its wall time, CPU time and peak RSS (``wait4`` of this child
    alone: ``ru_maxrss``, the kernel's high-water mark, like VmHWM). Raises on a non-zero
    exit."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.monotonic()
        process = subprocess.Popen(argv, cwd=cwd, env=env, stdout=out, stderr=err)
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.monotonic() - started
        process.returncode = os.waitstatus_to_exitcode(status)  # reaped here, not by Popen
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read().decode(errors="replace"), err.read().decode(errors="replace")
    if process.returncode != 0:
        raise RuntimeError(f"{' '.join(argv[:4])} exited with {process.returncode}:\n{stderr}")
    # Linux reports ru_maxrss in KiB.
    cpu = usage.ru_utime + usage.ru_stime
    return CliRun(seconds, usage.ru_maxrss * 1024, stdout, stderr, cpu)


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
