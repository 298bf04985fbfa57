"""How a zenodo-publish process ends (``process_exit.exit_process``): the heap is frozen so the
interpreter's last collections skip it (issue 15), and nothing of a normal exit is skipped."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

PROBE = """\
import atexit, gc, sys
from zenodo_publish.process_exit import exit_process
atexit.register(lambda: print("atexit ran; frozen objects:", gc.get_freeze_count() > 0))
sys.stdout.write("buffered, not yet flushed")  # no newline: left in the buffer until exit
exit_process(int(sys.argv[1]))
"""


def run_probe(code: int) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", PROBE, str(code)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_exit_keeps_the_code_flushes_output_and_runs_atexit_handlers() -> None:
    for code in (0, 3, 5):
        done = run_probe(code)
        assert done.returncode == code, done.stderr
        # Buffered output reaches the pipe and atexit handlers still run (os._exit would lose
        # both); by then the heap was frozen.
        assert done.stdout == "buffered, not yet flushedatexit ran; frozen objects: True\n"
        assert done.stderr == ""


def test_the_console_script_and_python_m_leave_through_it(tmp_path: Path) -> None:
    """The installed ``zenodo-publish`` and ``python -m zenodo_publish`` both run ``cli.entry``
    (main, then exit_process); a failed command's exit code and message survive the exit."""
    pyproject = tomllib.loads((Path(__file__).parents[1] / "pyproject.toml").read_text("utf-8"))
    assert pyproject["project"]["scripts"] == {"zenodo-publish": "zenodo_publish.cli:entry"}
    done = subprocess.run(
        [sys.executable, "-m", "zenodo_publish", "validate", "--manifest", "missing.yaml"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 1, done.stderr
    assert "missing.yaml: $: file not found" in done.stderr
