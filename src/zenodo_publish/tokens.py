"""The one rule for tokens: a token is sent only to the endpoint it belongs to.

* Where a token comes from, in order: ``--token-file``, ``$ZENODO_TOKEN``, the manifest's
  ``path_token`` (StepUp's key), or the action's ``zenodo_token`` input.
* ``path_token`` is written by the repository, so it may name a file only inside the
  repository or inside the user's Zenodo configuration folder, :func:`config_dir`
  (``$XDG_CONFIG_HOME/zenodo``, by default ``~/.config/zenodo``, where StepUp RepRep's
  documentation keeps token files). Anything else (``~/.git-credentials``, ``/etc/shadow``, a
  symlink out of the repository) is refused before it is opened. It is read only when a
  command talks to Zenodo: never by ``validate`` or ``plan --offline``, and never on a
  pull-request run (``GITHUB_EVENT_NAME``).
* Every token file is a regular file of at most :data:`~zenodo_publish.paths.MAX_TOKEN_BYTES`.
* The HTTP session carries the token for one base URL and refuses links to any other origin
  (:meth:`zenodo_publish.zenodo.http.ZenodoSession.url`).
* On pull-request runs the action sends ``zenodo_token`` only to Zenodo itself (sandbox or
  production), or to the endpoint the *base* branch's manifest names: the pull request's own
  manifest cannot redirect the secret (:func:`pull_request_refusal`).
* On the command line the token is the user's, the manifest is the repository's (perhaps a clone
  of someone else's): a token goes to a site other than Zenodo or this machine only when the
  user names that endpoint with ``--endpoint`` (:func:`manifest_endpoint_refusal`). The action
  is not concerned: there the workflow that holds the secret is committed next to the manifest.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Final
from urllib.parse import urlsplit

from zenodo_publish import paths
from zenodo_publish.errors import UsageError
from zenodo_publish.netaddr import is_loopback_host
from zenodo_publish.redact import register_secret

if TYPE_CHECKING:
    from zenodo_publish.manifest.settings import Endpoint

TOKEN_ENV: Final = "ZENODO_TOKEN"
PULL_REQUEST_EVENTS: Final = frozenset({"pull_request", "pull_request_target"})
#: Zenodo's own sites: a token may always go there (it is useless anywhere else anyway).
ZENODO_SITES: Final = frozenset({"https://sandbox.zenodo.org/api", "https://zenodo.org/api"})


def config_dir(environ: Mapping[str, str] = os.environ) -> Path:
    """The user's Zenodo configuration folder, StepUp's ``~/.config/zenodo`` (token files)."""
    base = environ.get("XDG_CONFIG_HOME", "").strip()
    root = Path(base) if base and Path(base).is_absolute() else Path.home() / ".config"
    return root / "zenodo"


def manifest_token_path(
    text: str, repo_root: Path, environ: Mapping[str, str] = os.environ
) -> Path | None:
    """Where ``path_token: text`` points, refused unless it resolves inside the repository or
    :func:`config_dir`; None when there is no such file (StepUp: then there is no token).
    Raises :class:`UsageError` saying why and what to do."""
    if environ.get("GITHUB_EVENT_NAME", "") in PULL_REQUEST_EVENTS:
        raise UsageError(
            "path_token is refused on pull-request runs: the manifest of a pull request must not "
            "choose which local file is sent as a credential",
            hint="pass the token with the zenodo_token input (or ZENODO_TOKEN)",
        )
    hint = (
        f"keep the token file inside the repository (and out of git) or in {config_dir(environ)}, "
        "or set ZENODO_TOKEN instead"
    )
    try:
        paths.check_name(text, what="path_token")
        expanded = Path(text).expanduser()
        candidate = expanded if expanded.is_absolute() else repo_root / expanded
        for allowed in (repo_root, config_dir(environ)):
            try:
                return paths.inside(allowed, candidate)
            except paths.UnsafePath:
                continue
    except paths.UnsafePath as error:
        raise UsageError(f"path_token: {error.message}", hint=hint) from None
    except FileNotFoundError:
        return None
    except OSError as error:
        raise UsageError(f"path_token: cannot use {paths.shown(text)}: {error.strerror}") from None
    raise UsageError(
        f"path_token: {paths.shown(text)} is outside the repository and outside "
        f"{config_dir(environ)}",
        hint=hint,
    )


def read_token_file(path: Path, *, where: str) -> str:
    """The token a file holds (a regular file, size-capped, first line), registered as a secret."""
    try:
        raw = paths.read_bytes(path, limit=paths.MAX_TOKEN_BYTES)
    except paths.UnsafePath as error:
        raise UsageError(f"the token file ({where}): {error.message}", hint=error.hint) from None
    except OSError as error:
        raise UsageError(
            f"cannot read the token file {paths.shown(path)} ({where}): {error.strerror}",
            hint="check the path, or set ZENODO_TOKEN instead",
        ) from None
    try:
        token = raw.decode("utf-8").strip()
    except UnicodeDecodeError:
        raise UsageError(f"the token file ({where}) is not UTF-8 text") from None
    if not token:
        raise UsageError(f"the token file {paths.shown(path)} ({where}) is empty")
    register_secret(token)
    return token


def resolve_token(
    token_file: Path | None,
    manifest_token: str | None,
    repo_root: Path,
    environ: Mapping[str, str] = os.environ,
) -> str | None:
    """The token for a command that talks to Zenodo: ``--token-file``, then ``$ZENODO_TOKEN``,
    then the manifest's ``path_token`` (checked by :func:`manifest_token_path`)."""
    if token_file is not None:
        return read_token_file(token_file, where="--token-file")
    if environ.get(TOKEN_ENV, "").strip():
        token = environ[TOKEN_ENV].strip()
        register_secret(token)
        return token
    if manifest_token is not None:
        path = manifest_token_path(manifest_token, repo_root, environ)
        return read_token_file(path, where="path_token") if path is not None else None
    return None


def manifest_endpoint_refusal(endpoint: Endpoint, *, named_by_user: bool) -> UsageError | None:
    """Why a command-line run may not send its token to ``endpoint``, or None when it may:
    Zenodo's own sites, this machine (an emulator, a local InvenioRDM), and any endpoint the user
    named with ``--endpoint``. Anything else was chosen by the manifest alone, and a cloned
    repository's manifest must not be able to collect the user's Zenodo token."""
    host = (urlsplit(endpoint.api_url).hostname or "").rstrip(".")
    if named_by_user or endpoint.name != "custom" or is_loopback_host(host):
        return None
    return UsageError(
        f"the manifest names the endpoint {endpoint.api_url}, which is not Zenodo: the token "
        "is sent to another site only when you name it yourself",
        hint=f"if you trust that site, pass --endpoint {endpoint.api_url}",
    )


def pull_request_refusal(endpoint_url: str, base_endpoint: Callable[[], str | None]) -> str | None:
    """Why ``zenodo_token`` may not go to ``endpoint_url`` on a pull-request run, or None when it
    may: Zenodo's own sites, and the endpoint of the base branch's manifest (``base_endpoint``
    reads it, None when it cannot; asked only when the endpoint is not Zenodo's)."""
    if endpoint_url in ZENODO_SITES:
        return None
    base_endpoint_url = base_endpoint()
    if endpoint_url == base_endpoint_url:
        return None
    if base_endpoint_url is None:
        return (
            f"the pull request's manifest names the endpoint {endpoint_url}, and the base "
            "branch's manifest could not be read to confirm it: `zenodo_token` is not sent there"
        )
    return (
        f"the pull request's manifest names the endpoint {endpoint_url}, but the base branch's "
        f"manifest names {base_endpoint_url}: `zenodo_token` is sent only to the base branch's "
        "endpoint (or to Zenodo itself)"
    )
