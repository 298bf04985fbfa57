"""``bench.workload.spawn``: a measured process's peak RSS is its own, not the bench's."""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

from bench.workload import spawn

MiB = 1024 * 1024


def run(code: str) -> tuple[int, int]:
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        done = spawn([sys.executable, "-c", code], cwd=Path.cwd(), env=dict(os.environ),
                     stdout=out, stderr=err)  # fmt: skip
    return done.returncode, done.max_rss_bytes


def test_a_childs_peak_is_not_floored_at_the_benchs() -> None:
    # The bench holding 256 MiB (as it does after generating files) must not show in a child.
    held = bytearray(256 * MiB)
    held[::4096] = b"x" * len(held[::4096])
    code, small = run("pass")
    assert code == 0
    assert small < 64 * MiB
    # A child that really uses 128 MiB shows it.
    code, big = run("b = bytearray(128 << 20); b[::4096] = b'x' * len(b[::4096])")
    assert code == 0
    assert 128 * MiB < big < 256 * MiB
    del held


def test_the_exit_code_comes_through() -> None:
    assert run("import sys; sys.exit(3)")[0] == 3
