"""``zenodo-publish emulator``: serve a local Zenodo for tests, demos and offline workflows."""

from __future__ import annotations

import argparse
import signal
import sys
from types import FrameType

from zenodo_publish.emulator.config import PRODUCTION, SANDBOX, EmulatorConfig
from zenodo_publish.errors import UsageError

HELP = "serve a local Zenodo emulator (both APIs) on loopback"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (127.0.0.1)")
    parser.add_argument("--port", type=int, default=0, help="port, 0 picks a free one (0)")
    parser.add_argument(
        "--data-dir",
        help="where file bodies are stored (a temporary directory, removed at exit, by default)",
    )
    flavour = parser.add_mutually_exclusive_group()
    flavour.add_argument(
        "--sandbox",
        dest="flavour",
        action="store_const",
        const=SANDBOX,
        help="behave like sandbox.zenodo.org: DOIs 10.5072 (default)",
    )
    flavour.add_argument(
        "--production",
        dest="flavour",
        action="store_const",
        const=PRODUCTION,
        help="behave like zenodo.org: DOIs 10.5281",
    )
    parser.set_defaults(flavour=SANDBOX)
    parser.add_argument("--token", help="token of the default user (random by default)")
    parser.add_argument("--max-files", type=int, help="files per draft (100)")
    parser.add_argument("--quota-bytes", type=int, help="bytes per draft (50e9)")
    parser.add_argument("--max-file-bytes", type=int, help="bytes per file (50e9)")
    parser.add_argument(
        "--rate-limit",
        help="authenticated limits, flask-limiter syntax ('5000 per hour;100 per minute')",
    )
    parser.add_argument("--no-rate-limit", action="store_true", help="disable rate limiting")
    parser.add_argument("--access-log", action="store_true", help="log requests on stderr")


def run(args: argparse.Namespace) -> int:
    # The web server's modules load here, not when the CLI lists its commands (every command
    # would pay for them at start-up).
    from zenodo_publish.emulator.server import EmulatorServer
    from zenodo_publish.emulator.testing import READY_PREFIX

    settings: dict[str, object] = {"flavour": args.flavour, "data_dir": args.data_dir}
    for name in ("max_files", "quota_bytes", "max_file_bytes"):
        if getattr(args, name) is not None:
            settings[name] = getattr(args, name)
    if args.rate_limit is not None:
        settings["rate_limit_user"] = args.rate_limit
    if args.no_rate_limit:
        settings["rate_limit_enabled"] = False
    try:
        config = EmulatorConfig(**settings)  # type: ignore[arg-type]
    except ValueError as error:
        raise UsageError(str(error)) from None
    try:
        server = EmulatorServer(
            config,
            host=args.host,
            port=args.port,
            default_token=args.token,
            access_log=args.access_log,
        )
    except OSError as error:
        raise UsageError(f"cannot listen on {args.host}:{args.port}: {error}") from None
    # The first line is the machine-readable ready signal; the second gives the token.
    print(f"{READY_PREFIX}{server.api_url}")
    print(f"token: {server.token}")
    print(f"flavour: {config.flavour} (DOI prefix {config.doi_prefix})")
    print(f"control: {server.base_url}/_emulator/ (more users: POST /_emulator/users)")
    sys.stdout.flush()
    signal.signal(signal.SIGTERM, _stop_on_sigterm)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
    return 0


def _stop_on_sigterm(signum: int, frame: FrameType | None) -> None:
    # Turn a plain `kill` into the same clean shutdown as Ctrl-C (temporary data dir removed).
    raise KeyboardInterrupt
