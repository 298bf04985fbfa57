"""``zenodo-publish emulator``: serve a local Zenodo for tests, demos and offline workflows."""

from __future__ import annotations

import argparse
import shutil
import signal
import sys
import tempfile
from pathlib import Path
from types import FrameType

from zenodo_publish.emulator.config import PRODUCTION, SANDBOX, EmulatorConfig
from zenodo_publish.errors import UsageError

HELP = "serve a local Zenodo emulator (both APIs) on loopback"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (127.0.0.1)")
    parser.add_argument("--port", type=int, default=0, help="port, 0 picks a free one (0)")
    parser.add_argument(
        "--public-host",
        help="host name or address clients reach the emulator at, used in the links it "
        "returns and covered by the --tls certificate (the --host address by default)",
    )
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
    parser.add_argument(
        "--tls",
        action="store_true",
        help="serve https with a new throw-away CA; clients trust it with REQUESTS_CA_BUNDLE",
    )
    parser.add_argument(
        "--tls-dir",
        help="where --tls writes ca.pem, server.pem, server-key.pem (a temporary directory, "
        "removed at exit, by default)",
    )
    parser.add_argument(
        "--tls-name",
        action="append",
        default=[],
        metavar="NAME",
        help="another host name or address the certificate covers (repeatable); the --host "
        "address, 127.0.0.1 and localhost always are",
    )


def run(args: argparse.Namespace) -> int:
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
    if not args.tls and (args.tls_dir or args.tls_name):
        raise UsageError("--tls-dir and --tls-name need --tls")
    tls_dir = Path(args.tls_dir) if args.tls_dir else None
    own_tls_dir = args.tls and tls_dir is None
    if own_tls_dir:
        tls_dir = Path(tempfile.mkdtemp(prefix="zenodo-emulator-tls-"))
    try:
        return _serve(args, config, tls_dir)
    finally:
        if own_tls_dir and tls_dir is not None:
            shutil.rmtree(tls_dir, ignore_errors=True)


def _serve(args: argparse.Namespace, config: EmulatorConfig, tls_dir: Path | None) -> int:
    # The web server's modules load here, not when the CLI lists its commands (every command
    # would pay for them at start-up).
    from zenodo_publish.emulator.server import EmulatorServer
    from zenodo_publish.emulator.testing import READY_PREFIX
    from zenodo_publish.emulator.tls import certificate_names, make_tls_files, server_context

    tls = (
        make_tls_files(
            tls_dir,
            certificate_names(args.host, [*filter(None, [args.public_host]), *args.tls_name]),
        )
        if tls_dir is not None
        else None
    )
    try:
        server = EmulatorServer(
            config,
            host=args.host,
            port=args.port,
            default_token=args.token,
            access_log=args.access_log,
            ssl_context=server_context(tls) if tls is not None else None,
            public_host=args.public_host,
        )
    except OSError as error:
        raise UsageError(f"cannot listen on {args.host}:{args.port}: {error}") from None
    # The first line is the machine-readable ready signal; the second gives the token.
    print(f"{READY_PREFIX}{server.api_url}")
    print(f"token: {server.token}")
    print(f"flavour: {config.flavour} (DOI prefix {config.doi_prefix})")
    print(f"control: {server.base_url}/_emulator/ (more users: POST /_emulator/users)")
    if tls is not None:
        print(f"tls CA certificate: {tls.ca_cert} (clients: REQUESTS_CA_BUNDLE={tls.ca_cert})")
        print(f"tls server certificate: {tls.server_cert} (for {', '.join(tls.names)})")
        print(f"tls server key: {tls.server_key}")
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
