"""The action's inputs, read strictly from the ``INPUT_*`` environment the runner sets.

The runner turns every ``with:`` key into ``INPUT_<KEY upper-cased>`` and passes the default from
``action.yml`` when the caller leaves a key out, so an empty value means "the default" and any
other value must be one we know: a typo such as ``dry_run: ture`` is an error naming the input,
never a silent ``false``. Secrets are registered with :mod:`zenodo_publish.redact` the moment they
are read, before anything else can format them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Final, Literal, TypeVar

from zenodo_publish.collection.selection import Shard, parse_keys, parse_shard
from zenodo_publish.errors import UsageError
from zenodo_publish.redact import register_secret
from zenodo_publish.sync.force import parse_force_upload_input

Mode = Literal["auto", "validate", "plan", "sync", "publish"]
Switch = Literal["auto", "true", "false"]
Api = Literal["rdm", "legacy"]

MODES: Final[tuple[Mode, ...]] = ("auto", "validate", "plan", "sync", "publish")
SWITCHES: Final[tuple[Switch, ...]] = ("auto", "true", "false")
APIS: Final[tuple[Api, ...]] = ("rdm", "legacy")

DEFAULT_MANIFEST: Final = "zenodo.yaml"
DEFAULT_COMMIT_MESSAGE: Final = "Update Zenodo record identifiers [skip ci]"
DEFAULT_PARALLEL_UPLOADS: Final = 4
MAX_PARALLEL_UPLOADS: Final = 16

#: The secret inputs, masked before anything else is printed.
SECRET_INPUTS: Final = ("zenodo_token", "github_token")

_E = TypeVar("_E", bound=str)


@dataclass(frozen=True)
class ActionInputs:
    """Every input of ``action.yml``, parsed. ``None`` means "not given, someone else decides"."""

    zenodo_token: str | None = None
    manifest: str = DEFAULT_MANIFEST
    endpoint: str | None = None  # None: the manifest's endpoint
    mode: Mode = "auto"
    publish: Switch = "auto"
    dry_run: bool = False
    commit: Switch = "auto"
    github_token: str | None = None
    commit_message: str = DEFAULT_COMMIT_MESSAGE
    working_directory: str = "."
    api: Api | None = None  # None: the engine's default (rdm)
    parallel_uploads: int = DEFAULT_PARALLEL_UPLOADS
    #: Files to upload again whatever their md5: None none, () every file.
    force_upload: tuple[str, ...] | None = None
    #: A version lower than the latest published one is allowed (a backport release).
    allow_lower_version: bool = False
    #: Collections: only these record keys (empty: all) and only this shard (None: all).
    records: tuple[str, ...] = ()
    shard: Shard | None = None
    #: The manifest's S3 mirrors: auto (after a sync or publish), true (also plan them, and
    #: fail without mirrors:), false (leave them alone).
    mirrors: Switch = "auto"

    def __repr__(self) -> str:
        # Dataclass reprs end up in tracebacks and debug logs; never show the tokens there.
        shown = {
            name: ("<hidden>" if name in SECRET_INPUTS and value else value)
            for name, value in vars(self).items()
        }
        return "ActionInputs(" + ", ".join(f"{k}={v!r}" for k, v in shown.items()) + ")"


def env_name(name: str) -> str:
    """The variable the runner sets for input ``name`` (upper-cased, spaces to ``_``)."""
    return "INPUT_" + name.replace(" ", "_").upper()


def raw_input(environ: Mapping[str, str], name: str) -> str:
    """The input's value with surrounding whitespace removed (the runner keeps YAML's trailing
    newline of block scalars, which no input here wants)."""
    return environ.get(env_name(name), "").strip()


def read_secrets(environ: Mapping[str, str]) -> list[str]:
    """Register and return every secret input that is set. Called first thing by the
    entrypoint so that they are masked before any other line is printed."""
    found: list[str] = []
    for name in SECRET_INPUTS:
        value = raw_input(environ, name)
        if value:
            register_secret(value)
            found.append(value)
    return found


def parse_choice(name: str, value: str, allowed: tuple[_E, ...], default: _E) -> _E:
    """``value`` lower-cased if it is one of ``allowed``; empty gives ``default``."""
    if not value:
        return default
    lowered = value.lower()
    for choice in allowed:
        if lowered == choice:
            return choice
    raise UsageError(
        f"input `{name}` is {value!r}; allowed values: {', '.join(allowed)}",
        hint=f"set `{name}:` to one of {', '.join(allowed)} in the step's `with:` (or leave it "
        "empty for the default)",
    )


def parse_bool(name: str, value: str, default: bool) -> bool:
    """Strict boolean: empty gives ``default``; ``true``/``false`` in any case; else an error."""
    if not value:
        return default
    lowered = value.lower()
    if lowered == "true":
        return True
    if lowered == "false":
        return False
    raise UsageError(
        f"input `{name}` is {value!r}; allowed values: true, false",
        hint=f"write `{name}: true` or `{name}: false` "
        f"(or leave it empty for {str(default).lower()})",
    )


def parse_int(name: str, value: str, default: int, low: int, high: int) -> int:
    if not value:
        return default
    try:
        number = int(value, 10)
    except ValueError:
        number = None
    if number is None or not low <= number <= high:
        raise UsageError(
            f"input `{name}` is {value!r}; allowed values: a whole number from {low} to {high}",
            hint=f"set `{name}:` to a number between {low} and {high} (default {default})",
        )
    return number


def _single_line(name: str, value: str) -> str:
    if "\n" in value or "\r" in value:
        raise UsageError(
            f"input `{name}` spans several lines; it must be a single line",
            hint=f"check the `{name}:` value in the step's `with:` (a stray `|` block?)",
        )
    return value


def _relative_path(name: str, value: str, inside: str) -> str:
    """A single-line path that stays inside ``inside`` and that the file system can take: an
    absolute path, a ``..`` that climbs out, a NUL byte or an over-long name is refused here,
    before anything is opened (the OS would raise ValueError or ENAMETOOLONG instead)."""
    _single_line(name, value)
    hint = f"give `{name}:` as a path inside the {inside}, relative to its root"
    if "\0" in value or any(len(part.encode()) > 255 for part in value.split("/")):
        raise UsageError(f"input `{name}` is not a usable path", hint=hint)
    pure = PurePosixPath(value)
    depth = 0
    for part in pure.parts:
        depth += -1 if part == ".." else 0 if part in (".", "/") else 1
        if depth < 0:
            break
    if pure.is_absolute() or depth < 0:
        raise UsageError(f"input `{name}` ({value}) leaves the {inside}", hint=hint)
    return value


def parse_inputs(environ: Mapping[str, str]) -> ActionInputs:
    """Parse every input. Raises :class:`UsageError` naming the first bad input."""
    # Secrets first: an error message below must never be able to echo one unmasked.
    read_secrets(environ)

    def get(name: str) -> str:
        return raw_input(environ, name)

    api_value = get("api")
    commit_message = get("commit_message") or DEFAULT_COMMIT_MESSAGE
    return ActionInputs(
        zenodo_token=get("zenodo_token") or None,
        manifest=_relative_path("manifest", get("manifest"), "repository") or DEFAULT_MANIFEST,
        endpoint=_single_line("endpoint", get("endpoint")) or None,
        mode=parse_choice("mode", get("mode"), MODES, "auto"),
        publish=parse_choice("publish", get("publish"), SWITCHES, "auto"),
        dry_run=parse_bool("dry_run", get("dry_run"), False),
        commit=parse_choice("commit", get("commit"), SWITCHES, "auto"),
        github_token=get("github_token") or None,
        commit_message=commit_message,
        working_directory=_relative_path("working_directory", get("working_directory"), "workspace")
        or ".",
        api=parse_choice("api", api_value, APIS, "rdm") if api_value else None,
        parallel_uploads=parse_int(
            "parallel_uploads",
            get("parallel_uploads"),
            DEFAULT_PARALLEL_UPLOADS,
            1,
            MAX_PARALLEL_UPLOADS,
        ),
        force_upload=parse_force_upload_input(get("force_upload")),
        allow_lower_version=parse_bool("allow_lower_version", get("allow_lower_version"), False),
        records=parse_keys(_single_line("records", get("records"))),
        shard=parse_shard(get("shard")) if get("shard") else None,
        mirrors=parse_choice("mirrors", get("mirrors"), SWITCHES, "auto"),
    )
