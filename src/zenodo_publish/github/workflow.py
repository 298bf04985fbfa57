"""GitHub workflow commands: masks, groups, annotations, untrusted text.

Every line goes through :func:`zenodo_publish.redact.redact` except ``::add-mask::`` itself (which
must carry the secret). Escaping follows the runner's parser (actions/toolkit ``command.ts``):
in the message ``%``, ``\\r`` and ``\\n`` are percent-encoded; in properties ``:`` and ``,`` too.
"""

from __future__ import annotations

import secrets
import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Final, TextIO

from zenodo_publish.errors import Problem, ZenodoPublishError
from zenodo_publish.escape import for_runner
from zenodo_publish.redact import redact

LEVELS: Final = ("debug", "notice", "warning", "error")


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def format_command(name: str, message: str = "", **properties: str | int | None) -> str:
    """``::name key=value,...::message`` with both parts escaped; ``None`` properties dropped."""
    props = ",".join(
        f"{key}={escape_property(str(value))}"
        for key, value in properties.items()
        if value is not None and value != ""
    )
    return f"::{name}{' ' + props if props else ''}::{escape_data(message)}"


class Workflow:
    """Writes workflow commands and log lines to one stream (stdout, as the runner reads it)."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream if stream is not None else sys.stdout

    def _write(self, line: str) -> None:
        self.stream.write(line + "\n")
        self.stream.flush()

    # --- secrets ------------------------------------------------------------------------------

    def add_mask(self, value: str) -> None:
        """Mask ``value`` in the rest of the job's log. Multi-line values are also masked line
        by line: the runner matches masks within a line, so a PEM-style secret printed across
        lines would otherwise show through."""
        if not value:
            return
        self._write(format_command("add-mask", value))
        lines = [line for line in value.splitlines() if line.strip()]
        if len(lines) > 1:
            for line in lines:
                self._write(format_command("add-mask", line))

    def mask_all(self, values: Iterable[str]) -> None:
        for value in values:
            self.add_mask(value)

    # --- plain lines and annotations ---------------------------------------------------------

    def echo(self, text: str) -> None:
        """A plain log line (or lines), redacted, each through :func:`escape.for_runner`: a line
        of ``text`` starting with ``::``, or holding ``##[``, is shown and never run."""
        for line in redact(text).splitlines() or [""]:
            self._write(for_runner(line))

    def command(self, name: str, message: str = "", **properties: str | int | None) -> None:
        self._write(
            format_command(
                name,
                redact(message),
                **{k: redact(str(v)) if v is not None else None for k, v in properties.items()},
            )
        )

    def debug(self, message: str) -> None:
        self.command("debug", message)

    def notice(self, message: str, *, title: str | None = None) -> None:
        self.command("notice", message, title=title)

    def warning(self, message: str, *, title: str | None = None) -> None:
        self.command("warning", message, title=title)

    def error(
        self,
        message: str,
        *,
        title: str | None = None,
        file: str | None = None,
        line: int | None = None,
        col: int | None = None,
    ) -> None:
        self.command("error", message, file=file, line=line, col=col, title=title)

    def problem(self, problem: Problem, *, base: str = "") -> None:
        """An error annotation pointing at the manifest line. ``base`` is the working directory
        relative to the workspace, since the runner resolves ``file=`` from the workspace."""
        message = f"{problem.json_path}: {problem.message}"
        if problem.hint:
            message += f" ({problem.hint})"
        file = problem.file or None
        if file and base and base != "." and not Path(file).is_absolute():
            file = (Path(base) / file).as_posix()
        self.error(
            message,
            title="Invalid manifest",
            file=file,
            line=problem.line,
            col=problem.column,
        )

    def failure(self, error: ZenodoPublishError) -> None:
        """The one-line ``::error title=...::`` for a failed run (the explanation goes to the
        step summary)."""
        message = error.message
        if error.hint:
            message += f"\nHint: {error.hint}"
        self.error(message, title=error.title)

    # --- structure ---------------------------------------------------------------------------

    @contextmanager
    def group(self, title: str) -> Iterator[None]:
        """Fold the lines of one phase. Groups do not nest in the log viewer, so neither do we:
        ``::endgroup::`` is written even when the phase fails."""
        self._write(format_command("group", redact(title)))
        try:
            yield
        finally:
            self._write("::endgroup::")

    @contextmanager
    def untrusted(self) -> Iterator[None]:
        """Stop command processing while text we do not control (file names from a pull
        request, server messages) is echoed, so a line like ``::add-mask::x`` is inert. The
        token is random per use: text that guesses it could resume processing."""
        token = secrets.token_hex(16)
        self._write(f"::stop-commands::{token}")
        try:
            yield
        finally:
            self._write(f"::{token}::")

    def echo_untrusted(self, text: str) -> None:
        with self.untrusted():
            self.echo(text)
