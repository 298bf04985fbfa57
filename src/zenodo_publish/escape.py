"""The one place where text we do not control is made safe to print (issue 11).

* :func:`for_runner`: every line the action echoes to the GitHub runner's log. The runner runs a
  line starting with ``::`` as a workflow command, and its legacy parser runs ``##[command]``
  found anywhere in a line; both are broken with an invisible zero-width space, so a manifest
  value such as ``"x*\\n::warning::INJECTED"`` or a server message is shown, never run. Workflow
  commands we write ourselves go through ``workflow.format_command``, which percent-encodes line
  breaks so that a message can never start a line of its own.
* :func:`for_terminal`: server text (error messages, titles, file names) printed by the CLI:
  terminal escape sequences and other control characters are removed, so an answer cannot
  recolour, retitle or rewrite the user's terminal.
"""

from __future__ import annotations

import re
from typing import Final

_BREAK: Final = "\u200b"
_COMMAND_START: Final = re.compile(r"^(\s*):(?=:)")
_LEGACY_COMMAND: Final = re.compile(r"##\[")
#: ESC-introduced sequences (CSI ``ESC [ ... final``, OSC ``ESC ] ... BEL|ST``, two-byte ones).
_ESCAPE_SEQUENCE: Final = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[@-_]|\x9b[0-?]*[ -/]*[@-~]"
)
#: Control characters but tab and line feed, C1 controls, and bidirectional overrides.
_CONTROL: Final = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def for_runner(line: str) -> str:
    """One log line that the runner shows and never runs as a command."""
    line = _COMMAND_START.sub(lambda m: m.group(1) + ":" + _BREAK, line)
    return _LEGACY_COMMAND.sub("#" + _BREAK + "#[", line)


def for_terminal(text: str) -> str:
    """``text`` without terminal escape sequences or control characters (line breaks and tabs
    stay; a carriage return would let a later part overwrite the line, so it goes)."""
    return _CONTROL.sub("", _ESCAPE_SEQUENCE.sub("", text))
