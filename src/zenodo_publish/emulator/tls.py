"""https for the emulator: a throw-away certificate authority and a server certificate.

Clients trust the emulator the way they trust a private InvenioRDM with an internal CA: through
``REQUESTS_CA_BUNDLE`` naming the CA's certificate. That lets a container on a Docker network
reach the emulator at a non-loopback address over https, where plain http is refused.

The certificates are made with trustme (python-trio's test-CA library, on top of
cryptography); it is an optional dependency (``zenodo-publish[tls]``) because only the emulator
needs it, never the action.
"""

from __future__ import annotations

import ssl
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from zenodo_publish.errors import UsageError

#: Names every emulator certificate covers, besides the address it is bound to.
LOOPBACK_NAMES = ("127.0.0.1", "localhost")
_WILDCARD_ADDRESSES = frozenset({"", "0.0.0.0", "::"})


@dataclass(frozen=True)
class TLSFiles:
    """PEM files: the CA's certificate (for clients), the server's chain and its key."""

    ca_cert: Path
    server_cert: Path
    server_key: Path
    names: tuple[str, ...]


def certificate_names(host: str, extra: Iterable[str] = ()) -> tuple[str, ...]:
    """The bound host (unless a wildcard), loopback, and ``extra``, without duplicates."""
    names = [] if host in _WILDCARD_ADDRESSES else [host]
    names += [*LOOPBACK_NAMES, *extra]
    return tuple(dict.fromkeys(name.strip() for name in names if name.strip()))


def make_tls_files(directory: Path, names: Iterable[str]) -> TLSFiles:
    """A new CA and a server certificate for ``names`` (host names or IP addresses), written
    to ``directory`` as ``ca.pem``, ``server.pem`` and ``server-key.pem`` (0600)."""
    try:
        import trustme  # optional (zenodo-publish[tls]): needed by --tls only
    except ImportError:
        raise UsageError(
            "--tls needs the trustme package",
            hint="pip install 'zenodo-publish[tls]'",
        ) from None
    wanted = tuple(names)
    if not wanted:
        raise UsageError("--tls needs at least one host name or address for the certificate")
    directory.mkdir(parents=True, exist_ok=True)
    authority = trustme.CA(organization_name="zenodo-publish emulator")
    issued = authority.issue_cert(*wanted)
    files = TLSFiles(
        ca_cert=directory / "ca.pem",
        server_cert=directory / "server.pem",
        server_key=directory / "server-key.pem",
        names=wanted,
    )
    authority.cert_pem.write_to_path(str(files.ca_cert))
    files.server_key.touch(mode=0o600)
    files.server_key.chmod(0o600)
    issued.private_key_pem.write_to_path(str(files.server_key))
    with files.server_cert.open("wb") as chain:
        for blob in issued.cert_chain_pems:
            chain.write(blob.bytes())
    return files


def server_context(files: TLSFiles) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(str(files.server_cert), str(files.server_key))
    return context
