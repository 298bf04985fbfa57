"""Serving the emulator: werkzeug's threaded WSGI server, in a thread or in the foreground."""

from __future__ import annotations

import ssl
import threading
from typing import Any

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from zenodo_publish.emulator.app import EmulatorApp
from zenodo_publish.emulator.config import EmulatorConfig


class QuietHandler(WSGIRequestHandler):
    """No access log on stderr: the control API's request log is the record."""

    def log_request(self, *args: Any, **kwargs: Any) -> None:
        return None


class EmulatorServer:
    """An emulator bound to ``host:port`` (port 0 picks a free one)."""

    def __init__(
        self,
        config: EmulatorConfig | None = None,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        default_token: str | None = None,
        access_log: bool = False,
        ssl_context: ssl.SSLContext | None = None,
        public_host: str | None = None,
    ) -> None:
        self.app = EmulatorApp(config, default_token=default_token)
        handler = WSGIRequestHandler if access_log else QuietHandler
        self.server: BaseWSGIServer = make_server(
            host, port, self.app, threaded=True, request_handler=handler, ssl_context=ssl_context
        )
        self.host = host
        self.port = int(self.server.socket.getsockname()[1])
        # The host in links: what clients connect to (behind a port forward, a container
        # network's gateway, ...), else the bound address.
        shown = public_host or ("127.0.0.1" if host in ("0.0.0.0", "") else host)
        scheme = "https" if ssl_context is not None else "http"
        self.app.base_url = f"{scheme}://{shown}:{self.port}"
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        return self.app.base_url

    @property
    def api_url(self) -> str:
        return self.app.api_url

    @property
    def token(self) -> str:
        return self.app.default_token

    def start(self) -> EmulatorServer:
        """Serve from a daemon thread; returns at once."""
        # A short poll interval keeps stop() (and so each test's own emulator) fast.
        self._thread = threading.Thread(
            target=self.server.serve_forever,
            args=(0.05,),
            name=f"zenodo-emulator-{self.port}",
            daemon=True,
        )
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        self.server.serve_forever()

    def stop(self) -> None:
        if self._thread is not None:
            # shutdown() waits for serve_forever to return, so only call it when it runs.
            self.server.shutdown()
            self._thread.join(timeout=10)
        self.server.server_close()
        self.app.close()
