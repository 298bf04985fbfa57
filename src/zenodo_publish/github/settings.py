"""The few manifest settings the trigger policy needs before the engine runs.

The policy must know ``publish.on``, ``publish.tags`` and ``endpoint`` to decide what the run may
do; the full manifest (schema, metadata, files) is the engine's business. This reader is
deliberately small and strict, and replaceable: ``main(read_settings=...)`` takes any callable
returning a :class:`ManifestPolicy` (the manifest layer's loader once it exposes these values).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from zenodo_publish.errors import ManifestError, Problem
from zenodo_publish.github.policy import PUBLISH_ON, ManifestPolicy

ReadSettings = Callable[[Path, Path], ManifestPolicy]


def read_manifest_policy(manifest_path: Path, repo_root: Path) -> ManifestPolicy:
    """``publish.on``/``publish.tags``/``endpoint`` from the manifest (defaults when absent:
    StepUp RepRep's ``zenodo.yaml`` has no ``publish`` and therefore never publishes)."""
    try:
        shown = manifest_path.relative_to(repo_root).as_posix()
    except ValueError:
        shown = str(manifest_path)
    try:
        text = manifest_path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ManifestError(
            [Problem(f"no manifest at {shown}", file=shown)],
            hint="commit a zenodo.yaml at the repository root, or point the `manifest` input "
            "at yours",
        ) from None
    except (OSError, UnicodeDecodeError) as error:
        raise ManifestError([Problem(f"cannot read the manifest: {error}", file=shown)]) from None
    try:
        data: Any = yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        raise ManifestError(
            [
                Problem(
                    f"not valid YAML: {getattr(error, 'problem', None) or error}",
                    file=shown,
                    line=mark.line + 1 if mark is not None else None,
                    column=mark.column + 1 if mark is not None else None,
                )
            ]
        ) from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ManifestError([Problem("the manifest must be a mapping", file=shown, line=1)])

    problems: list[Problem] = []
    endpoint = data.get("endpoint")
    if endpoint is not None and not isinstance(endpoint, str):
        problems.append(
            Problem("must be a string", file=shown, json_path="$.endpoint", hint=_ENDPOINTS)
        )
    publish = data.get("publish", {})
    publish_on, publish_tags = "never", "v*"
    if publish is None:
        publish = {}
    if not isinstance(publish, dict):
        problems.append(Problem("must be a mapping", file=shown, json_path="$.publish"))
        publish = {}
    on = publish.get("on", publish.get(True, "never"))  # YAML 1.1 reads a bare `on` as True
    if isinstance(on, str) and on in PUBLISH_ON:
        publish_on = on
    else:
        problems.append(
            Problem(
                f"is {on!r}; allowed values: {', '.join(PUBLISH_ON)}",
                file=shown,
                json_path="$.publish.on",
            )
        )
    tags = publish.get("tags", "v*")
    if isinstance(tags, str) and tags:
        publish_tags = tags
    else:
        problems.append(
            Problem("must be a non-empty glob such as 'v*'", file=shown, json_path="$.publish.tags")
        )
    if problems:
        raise ManifestError(problems)
    return ManifestPolicy(
        publish_on=publish_on,
        publish_tags=publish_tags,
        endpoint=endpoint if isinstance(endpoint, str) else None,
    )


_ENDPOINTS = "sandbox, production, or an InvenioRDM API URL"
