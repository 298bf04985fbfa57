"""The environment of every child process (git): the parent's, minus every secret.

The action's inputs reach the container as ``INPUT_*`` variables (``INPUT_ZENODO_TOKEN``,
``INPUT_GITHUB_TOKEN``), and runners set more credentials (``ACTIONS_RUNTIME_TOKEN``, ...). A
child needs none of them: git gets its one credential from :mod:`zenodo_publish.github.git`, in
``GIT_CONFIG_*`` variables of that one process.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from typing import Final

#: Names that hold or lead to credentials: inputs, tokens, secrets, passwords, OIDC requests.
_SECRET_NAME: Final = re.compile(
    r"^INPUT_|TOKEN|SECRET|PASSW|CREDENTIAL|^ACTIONS_ID_TOKEN_REQUEST_|^ACTIONS_RUNTIME_|"
    r"^AWS_SECRET|^AWS_SESSION|API_KEY|PRIVATE_KEY",
    re.IGNORECASE,
)


def is_secret_name(name: str) -> bool:
    return _SECRET_NAME.search(name) is not None


def child_environment(environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """``environ`` (default: this process's) without any variable that may hold a secret."""
    source = os.environ if environ is None else environ
    return {name: value for name, value in source.items() if not is_secret_name(name)}
