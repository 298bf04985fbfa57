"""Drive a peer tool the way its users do, against the bench's emulator (run with the peer's
own venv: ``<venv>/bin/python bench/peer_driver.py TOOL ACTION ...``; standard library and the
peer only, nothing of zenodo-publish).

Before the peer is imported, every outgoing connection to anything but 127.0.0.1 is refused at
the socket level: the peers have Zenodo's real hosts built in, and the bench must never reach
them.

* ``stepup sync CONFIG PATHS...``: ``srr-sync-zenodo CONFIG PATHS`` (its command-line entry
  point), token from ``REPREP_ZENODO_TOKEN``.
* ``zenodo-client create|update STATE PATHS...``: the library's ``Zenodo`` client with its API
  base pointed at the emulator (``ZP_BENCH_API``); ``create(data, paths, publish=False)`` stores
  the deposition id in STATE, ``update(id, paths, publish=False)`` reads it.
* ``rocrate deposit CRATE DATACITE``: ``rocrate_inveniordm CRATE --datacite DATACITE
  --omit-roc-files`` (its command-line entry point), ``INVENIORDM_BASE_URL`` and
  ``INVENIORDM_API_KEY`` from the environment.
"""

from __future__ import annotations

import ipaddress
import json
import os
import socket
import sys
from pathlib import Path


def _loopback_only() -> None:
    real_connect = socket.socket.connect
    real_create = socket.create_connection

    def allowed(address: object) -> bool:
        if isinstance(address, tuple) and address:
            host = str(address[0])
            if host == "localhost":
                return True
            try:
                return ipaddress.ip_address(host).is_loopback
            except ValueError:
                return False
        return True  # Unix sockets

    def connect(self: socket.socket, address: object) -> None:
        if not allowed(address):
            raise ConnectionRefusedError(f"bench: refused a connection to {address!r}")
        real_connect(self, address)  # type: ignore[arg-type]

    def create_connection(
        address: tuple[str, int], *args: object, **kwargs: object
    ) -> socket.socket:
        if not allowed(address):
            raise ConnectionRefusedError(f"bench: refused a connection to {address!r}")
        return real_create(address, *args, **kwargs)  # type: ignore[arg-type]

    socket.socket.connect = connect  # type: ignore[method-assign,assignment]
    socket.create_connection = create_connection  # type: ignore[assignment]
    os.environ["NO_PROXY"] = os.environ["no_proxy"] = "*"


def stepup(args: list[str]) -> int:
    from stepup.reprep.sync_zenodo import main  # type: ignore[import-not-found]

    return int(main(args[1:]))


def zenodo_client(args: list[str]) -> int:
    from zenodo_client import Zenodo  # type: ignore[import-not-found]

    action, state = args[0], Path(args[1])
    paths = args[2:]
    api = os.environ["ZP_BENCH_API"].rstrip("/")
    client = Zenodo(access_token=os.environ["ZP_BENCH_TOKEN"], sandbox=True)
    # The library builds its URLs from these three; point them at the emulator.
    client.base = api.removesuffix("/api")
    client.api_base = api
    client.depositions_base = f"{api}/deposit/depositions"
    if action == "create":
        data = json.loads(os.environ["ZP_BENCH_METADATA"])
        response = client.create(data, paths, publish=False)
        state.write_text(str(response.json()["id"]))
    else:
        response = client.update(state.read_text().strip(), paths, publish=False)
        if response.json().get("id") is not None:
            state.write_text(str(response.json()["id"]))
    return 0


def rocrate(args: list[str]) -> int:
    from rocrate_inveniordm.deposit import main  # type: ignore[import-not-found]

    sys.argv = ["rocrate_inveniordm", args[1], "--datacite", args[2], "--omit-roc-files"]
    main()
    return 0


def run(argv: list[str]) -> int:
    _loopback_only()
    tool, rest = argv[0], argv[1:]
    if tool == "stepup":
        return stepup(rest)
    if tool == "zenodo-client":
        return zenodo_client(rest)
    if tool == "rocrate":
        return rocrate(rest)
    raise SystemExit(f"unknown peer {tool!r}")


if __name__ == "__main__":
    sys.exit(run(sys.argv[1:]))
