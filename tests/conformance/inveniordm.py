"""The stock InvenioRDM REST API (invenio-app-rdm), served in process on 127.0.0.1.

No PostgreSQL, OpenSearch, Redis, RabbitMQ or DataCite: SQLite in a scratch folder, the indexer
and search stubbed (every search answers "no hits"), Celery eager, DataCite's REST client replaced
by a stub so that published records still get Zenodo-shaped DOIs (``10.5072/zenodo.<id>``).
Vocabularies: InvenioRDM's own fixtures from the installed ``invenio-rdm-records`` package, with
Zenodo's licences and description types (``data/``) in place of InvenioRDM's, as on zenodo.org.

Use it through the fixtures of ``conftest.py`` (``inveniordm``), or directly::

    with running_inveniordm(tmp_path) as server:
        requests.post(f"{server.api_url}/records", headers=server.headers(), json=...)
        server.log  # every request the app answered: RequestLogEntry(method, path, status)

It needs the conformance venv (``make test-conformance`` builds it): run with
``.venv-conformance/bin/python -m pytest tests/conformance``.
"""

from __future__ import annotations

import csv
import datetime
import os
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

DATA = Path(__file__).parent / "data"

#: Vocabulary types the record schema resolves: name -> (pid type, fixture file or None).
VOCABULARY_TYPES: dict[str, tuple[str, str | None]] = {
    "resourcetypes": ("rsrct", "resource_types.yaml"),
    "languages": ("lng", "languages.yaml"),
    "relationtypes": ("rlt", "relation_types.yaml"),
    "creatorsroles": ("crr", "roles.yaml"),
    "contributorsroles": ("cor", "roles.yaml"),
    "datetypes": ("dat", "date_types.yaml"),
    "titletypes": ("ttyp", "title_types.yaml"),
    "removalreasons": ("rem", "removal_reasons.yaml"),
    "licenses": ("lic", None),  # Zenodo's own list, data/licenses.csv
    "descriptiontypes": ("dty", None),  # Zenodo's own, data/description_types.yaml
}

SCOPES = ["deposit:write", "deposit:actions", "user:email"]


@dataclass(frozen=True)
class RequestLogEntry:
    method: str
    path: str
    query: str
    status: int

    @property
    def is_write(self) -> bool:
        return self.method not in ("GET", "HEAD", "OPTIONS")


class RequestLog:
    """WSGI middleware recording every request the wrapped app answers (thread-safe)."""

    def __init__(self, app: Callable[..., Any]) -> None:
        self.app = app
        self.entries: list[RequestLogEntry] = []
        self._lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        seen: dict[str, int] = {}

        def recording_start(status: str, headers: Any, exc_info: Any = None) -> Any:
            seen["status"] = int(status.split(" ", 1)[0])
            return start_response(status, headers, exc_info)

        try:
            return self.app(environ, recording_start)
        finally:
            entry = RequestLogEntry(
                environ.get("REQUEST_METHOD", ""),
                environ.get("SCRIPT_NAME", "") + environ.get("PATH_INFO", ""),
                environ.get("QUERY_STRING", ""),
                seen.get("status", 0),
            )
            with self._lock:
                self.entries.append(entry)

    def since(self, index: int) -> list[RequestLogEntry]:
        with self._lock:
            return list(self.entries[index:])

    def mark(self) -> int:
        with self._lock:
            return len(self.entries)


@dataclass
class InvenioRDMServer:
    """A running in-process InvenioRDM: URLs, the test user's token, the request log."""

    base_url: str
    token: str
    app: Any
    log: RequestLog
    email: str
    extra_tokens: dict[str, str] = field(default_factory=dict)

    @property
    def api_url(self) -> str:
        return f"{self.base_url}/api"

    def headers(self, token: str | None = None, *, rdm: bool = True) -> dict[str, str]:
        headers = {
            "Authorization": f"Bearer {token or self.token}",
            "User-Agent": "zenodo-publish-conformance/0 (+https://example.invalid)",
        }
        if rdm:
            headers["Accept"] = "application/vnd.inveniordm.v1+json"
        return headers

    def new_user(self, email: str) -> str:
        """Create another user with a personal token; return the token."""
        with self.app.app_context():
            token = _create_user(email)
        self.extra_tokens[email] = token
        return token

    def app_context(self) -> Any:
        return self.app.app_context()


# --- stubs for the services the API normally talks to ----------------------------------------


def _identity_cache_class() -> type:
    """An in-memory stand-in for the communities' Redis identity cache."""
    from invenio_communities.cache.cache import IdentityCache

    class InMemoryIdentityCache(IdentityCache):  # type: ignore[misc]
        def __init__(self, app: Any = None) -> None:
            self._store: dict[str, Any] = {}
            self.app = app

        def timeout(self) -> int:
            return 3600

        def get(self, key: str) -> Any:
            return self._store.get(key)

        def set(self, key: str, value: Any, timeout: int | None = None) -> bool:
            self._store[key] = value
            return True

        def delete(self, key: str) -> bool:
            self._store.pop(key, None)
            return True

        def flush(self) -> bool:
            self._store.clear()
            return True

        def append(self, key: str, value: Any) -> bool:
            self._store.setdefault(key, []).append(value)
            return True

    return InMemoryIdentityCache


class _DataCiteStub:
    """The DataCite REST client, minus the network: every call succeeds."""

    def __getattr__(self, name: str) -> Callable[..., Any]:
        def call(*args: Any, **kwargs: Any) -> Any:
            return kwargs.get("doi") or (args[0] if args else None)

        return call


_patched = False


def _patch_services() -> None:
    """No-op the indexer, answer every search with no hits, stub DataCite (once per process)."""
    global _patched
    if _patched:
        return
    _patched = True
    from invenio_indexer.api import RecordIndexer
    from invenio_rdm_records.services.pids.providers.datacite import DataCiteClient
    from invenio_records_resources.services.uow import IndexRefreshOp
    from opensearch_dsl import Search
    from opensearch_dsl.response import Response

    def nothing(*args: Any, **kwargs: Any) -> None:
        return None

    for name in ("index", "delete", "refresh", "bulk_index", "bulk_delete", "index_by_id"):
        if hasattr(RecordIndexer, name):
            setattr(RecordIndexer, name, nothing)
    IndexRefreshOp.on_post_commit = nothing  # type: ignore[method-assign]
    if hasattr(IndexRefreshOp, "on_commit"):
        IndexRefreshOp.on_commit = nothing  # type: ignore[method-assign]

    def no_hits(self: Any, ignore_cache: bool = False) -> Any:
        body = {
            "took": 0,
            "timed_out": False,
            "hits": {"total": {"value": 0, "relation": "eq"}, "max_score": None, "hits": []},
            "aggregations": {},
        }
        return Response(self, body)

    Search.execute = no_hits  # type: ignore[method-assign]
    Search.count = lambda self: 0  # type: ignore[method-assign]
    Search.scan = lambda self: iter(())  # type: ignore[method-assign]
    DataCiteClient.api = property(lambda self: _DataCiteStub())  # type: ignore[method-assign,assignment]


# --- vocabularies ------------------------------------------------------------------------------


def _fixture_dir() -> Path:
    import invenio_rdm_records

    return Path(invenio_rdm_records.__file__).parent / "fixtures" / "data" / "vocabularies"


def _yaml_entries(path: Path) -> list[dict[str, Any]]:
    loaded = yaml.safe_load(path.read_text("utf-8"))
    return [dict(entry) for entry in loaded]


def zenodo_licences() -> list[dict[str, Any]]:
    """Zenodo's 444 licences (data/licenses.csv) as vocabulary entries."""
    with (DATA / "licenses.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    return [
        {
            "id": row["id"],
            "title": {"en": row["title__en"]},
            "tags": [t for t in row["tags"].split(",") if t],
            "props": {
                "url": row["props__url"],
                "scheme": row["props__scheme"],
                "osi_approved": row["props__osi_approved"],
            },
            "type": "licenses",
        }
        for row in rows
    ]


def vocabulary_entries(name: str) -> list[dict[str, Any]]:
    _pid_type, fixture = VOCABULARY_TYPES[name]
    if name == "licenses":
        return zenodo_licences()
    if name == "descriptiontypes":
        entries = _yaml_entries(DATA / "description_types.yaml")
    else:
        assert fixture is not None
        entries = _yaml_entries(_fixture_dir() / fixture)
    for entry in entries:
        entry["type"] = name
    return entries


def _load_vocabularies(names: Iterable[str]) -> dict[tuple[str, str], dict[str, Any]]:
    """Write vocabulary entries straight into the tables, in bulk (the service would validate
    and index ~8000 languages one by one: minutes instead of seconds). Returns the entries by
    (type, id), for the serializers' lookups (see _patch_vocabulary_lookups)."""
    import uuid

    from invenio_db import db
    from invenio_pidstore.models import PersistentIdentifier, PIDStatus
    from invenio_vocabularies.records.api import Vocabulary
    from invenio_vocabularies.records.models import VocabularyMetadata, VocabularyType

    schema = Vocabulary.schema.value
    by_key: dict[tuple[str, str], dict[str, Any]] = {}
    for name in names:
        pid_type, _fixture = VOCABULARY_TYPES[name]
        db.session.add(VocabularyType(id=name, pid_type=pid_type))
        metadata_rows: list[VocabularyMetadata] = []
        pid_rows: list[PersistentIdentifier] = []
        for entry in vocabulary_entries(name):
            record_id = uuid.uuid4()
            data = {k: v for k, v in entry.items() if k != "type"}
            data["$schema"] = schema
            data["type"] = {"id": name, "pid_type": pid_type}
            by_key[(name, str(entry["id"]))] = data
            metadata_rows.append(VocabularyMetadata(id=record_id, json=data))
            pid_rows.append(
                PersistentIdentifier(
                    pid_type=pid_type,
                    pid_value=str(entry["id"]),
                    status=PIDStatus.REGISTERED,
                    object_type="rec",
                    object_uuid=record_id,
                )
            )
        db.session.add_all(metadata_rows)
        db.session.add_all(pid_rows)
    db.session.commit()
    return by_key


def _patch_vocabulary_lookups(entries: dict[tuple[str, str], dict[str, Any]]) -> None:
    """The serializers (DataCite on publish) look vocabulary props up by search, which answers
    no hits here: answer from the loaded entries instead."""
    import sys

    from invenio_rdm_records.resources.serializers.errors import VocabularyItemNotFoundError

    def get_vocabulary_props(vocabulary: str, fields: Any, id_: str) -> dict[str, Any]:
        entry = entries.get((vocabulary, id_))
        if entry is None:
            raise VocabularyItemNotFoundError(f"{vocabulary} {id_} not loaded")
        return dict(entry.get("props", {}))

    for module in list(sys.modules.values()):
        if getattr(module, "get_vocabulary_props", None) is not None and getattr(
            module, "__name__", ""
        ).startswith("invenio_"):
            module.get_vocabulary_props = get_vocabulary_props  # type: ignore[attr-defined]


# --- users --------------------------------------------------------------------------------


def _create_user(email: str) -> str:
    from invenio_accounts.proxies import current_datastore
    from invenio_db import db
    from invenio_oauth2server.models import Token

    user = current_datastore.create_user(
        email=email,
        password=None,
        active=True,
        confirmed_at=datetime.datetime.now(datetime.UTC).replace(tzinfo=None),
        username=email.split("@")[0].replace(".", "-"),
    )
    db.session.commit()
    token = Token.create_personal("conformance", user.id, scopes=SCOPES, is_internal=False)
    db.session.commit()
    return str(token.access_token)


# --- the app -------------------------------------------------------------------------------


def _config(workdir: Path, port: int) -> dict[str, Any]:
    from invenio_rdm_records.contrib.codemeta.custom_fields import (
        CODEMETA_CUSTOM_FIELDS,
        CODEMETA_NAMESPACE,
    )

    host = f"127.0.0.1:{port}"
    return {
        # Zenodo configures the codemeta custom fields (code:codeRepository and friends).
        "RDM_NAMESPACES": dict(CODEMETA_NAMESPACE),
        "RDM_CUSTOM_FIELDS": list(CODEMETA_CUSTOM_FIELDS),
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{workdir / 'rdm.db'}",
        "SQLALCHEMY_ENGINE_OPTIONS": {},
        "SQLALCHEMY_ECHO": False,
        "CELERY_TASK_ALWAYS_EAGER": True,
        "CELERY_TASK_EAGER_PROPAGATES": True,
        "CELERY_BROKER_URL": "memory://",
        "BROKER_URL": "memory://",
        "CELERY_RESULT_BACKEND": "cache",
        "CELERY_CACHE_BACKEND": "memory",
        "CACHE_TYPE": "SimpleCache",
        "ACCOUNTS_SESSION_REDIS_URL": None,
        "RATELIMIT_ENABLED": False,
        "RATELIMIT_STORAGE_URI": "memory://",
        "REST_CSRF_ENABLED": False,
        "MAIL_SUPPRESS_SEND": True,
        "SECRET_KEY": "conformance-only-secret",
        "APP_ALLOWED_HOSTS": ["127.0.0.1", host, "localhost"],
        "TRUSTED_HOSTS": ["127.0.0.1", host, "localhost"],
        "SITE_API_URL": f"http://{host}/api",
        "SITE_UI_URL": f"http://{host}",
        "RECORDS_RESOURCES_ALLOW_EMPTY_FILES": False,
        "RDM_ALLOW_METADATA_ONLY_RECORDS": False,
        "COMMUNITIES_IDENTITIES_CACHE_HANDLER": _identity_cache_class(),
        "DATACITE_ENABLED": True,
        "DATACITE_USERNAME": "conformance",
        "DATACITE_PASSWORD": "conformance",
        "DATACITE_PREFIX": "10.5072",
        "DATACITE_FORMAT": "{prefix}/zenodo.{id}",
        "DATACITE_TEST_MODE": True,
        "FILES_REST_STORAGE_FACTORY": "invenio_files_rest.storage:pyfs_storage_factory",
        "SEARCH_INDEX_PREFIX": "conformance-",
        "APP_DEFAULT_SECURE_HEADERS": {
            "force_https": False,
            "session_cookie_secure": False,
            "content_security_policy": {"default-src": []},
        },
        "WTF_CSRF_ENABLED": False,
        "THEME_FRONTPAGE": False,
        "LOGGING_SENTRY_CELERY": False,
    }


def create_app(workdir: Path, port: int) -> tuple[Any, str]:
    """Build the API app with a fresh database; return it and the test user's token."""
    os.environ.setdefault("INVENIO_INSTANCE_PATH", str(workdir / "instance"))
    _patch_services()
    from invenio_app.factory import create_api
    from invenio_db import db
    from invenio_files_rest.models import Location

    app = create_api(**_config(workdir, port))
    with app.app_context():
        db.create_all()
        storage = workdir / "files"
        storage.mkdir(parents=True, exist_ok=True)
        db.session.add(Location(name="default", uri=str(storage), default=True))
        db.session.commit()
        _patch_vocabulary_lookups(_load_vocabularies(VOCABULARY_TYPES))
        token = _create_user("conformance@example.org")
    return app, token


@contextmanager
def running_inveniordm(workdir: Path) -> Iterator[InvenioRDMServer]:
    """Serve the REST API under ``/api`` on 127.0.0.1 (a free port) from a thread."""
    from werkzeug.middleware.dispatcher import DispatcherMiddleware
    from werkzeug.serving import WSGIRequestHandler, make_server

    class Quiet(WSGIRequestHandler):
        def log_request(self, *args: Any, **kwargs: Any) -> None:
            return None

    def not_found(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        start_response("404 Not Found", [("Content-Type", "text/plain")])
        return [b"not under /api"]

    # Bind first: the app's configuration needs the port.
    holder: dict[str, Any] = {}

    def late_app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        return holder["app"](environ, start_response)

    # One request at a time: SQLite refuses concurrent writers ("database is locked"), and the
    # client's parallel uploads simply queue on the listening socket.
    server = make_server("127.0.0.1", 0, late_app, threaded=False, request_handler=Quiet)
    port = int(server.socket.getsockname()[1])
    app, token = create_app(workdir, port)
    log = RequestLog(DispatcherMiddleware(not_found, {"/api": app.wsgi_app}))
    holder["app"] = log
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield InvenioRDMServer(
            base_url=f"http://127.0.0.1:{port}",
            token=token,
            app=app,
            log=log,
            email="conformance@example.org",
        )
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()
