"""A local Zenodo: the InvenioRDM records API and the legacy deposit API over one state machine.

Run it with ``zenodo-publish emulator [--host H] [--port 0] [--data-dir DIR]
[--sandbox|--production]`` (first stdout line: ``zenodo-publish emulator listening on
http://127.0.0.1:PORT/api``, second: ``token: ...``), or from Python with
:func:`zenodo_publish.emulator.testing.running_emulator`, or in tests with the ``emulator``
fixture of :mod:`zenodo_publish.emulator.pytest_plugin`. Behaviour follows
``reference/zenodo-api.md`` (section numbers below refer to it).

Faithful:

* RDM: drafts (create/read/update/delete), edit of a published record (same id and DOI, locked
  bucket: file changes 403), idempotent new versions (no files, no ``publication_date`` or
  ``version``, empty ``pids``), files-import ("Please remove all files first."), publish with
  strict validation (title >= 3, creators, resource type, publication date, publisher, >= 1
  committed file, no pending file), DOIs ``10.5072`` (sandbox) / ``10.5281`` (production) and
  concept DOIs on first publish, reserve/discard DOI, ``/versions``, ``/versions/latest`` (301),
  ``/api/user/records`` and ``/api/records`` search (``q`` with legacy field names, paging, sort,
  ``allversions``), three-step uploads with md5, ``ETag``/``If-Match`` 412, content negotiation
  (``application/json`` = Zenodo JSON, ``vnd.inveniordm.v1+json`` = RDM JSON + ``ui``), lenient
  draft saves that report ``errors``, vocabulary 400s, 415 for wrong content types.
* Legacy: depositions, bucket PUT (overwrite), multipart with ``secure_filename``, file list and
  delete, publish/edit/discard/newversion with today's behaviour, PUT replacing all metadata
  with defaults, ``state``/``submitted``, ``prereserve_doi`` always 10.5281, ``links.bucket``
  absent from lists, license read back as the legacy id, 405 for sort and rename.
* Limits: 100 files, 50 GB per draft and per file, empty files refused, 255-character keys
  (all configurable); Zenodo's error bodies; 403 for missing or unknown tokens.
* Rate limits: moving windows per token (guests by User-Agent + IP; ``rate_limit_key:
  useragent_ip`` for flask-limiter's default key everywhere), flask-limiter headers on every
  response, ``{"status": 429, "message": "100 per 1 minute"}``. ``upload_bandwidth`` throttles
  each connection's request body (bytes per second) for benchmarks.

Communities and their requests (review of a first version, inclusion of a published record,
curators' accept/decline through the control API): see :mod:`.communities`.

Deliberately not emulated: other request types (access, deletion, quota), OAI-PMH, DataCite
registration, extra formats, media files, quota increases and the file-modification grace
period, embargo lifting, tombstones (410), spam checks, the multipart (chunked) transfer type,
access links, HTML pages behind ``links.*_html``, licenses and languages beyond a common subset,
persistence of records across restarts (``--data-dir`` holds file bodies only). Validation drops
invalid fields per top-level metadata key (InvenioRDM can keep the valid part of a list).

Control API (no auth, loopback clients only, not rate limited, not logged), under
``/_emulator/``:

* ``GET health``; ``POST reset`` (everything back to the start; the default token stays);
  ``GET state`` (users, parents, records, drafts, files).
* ``GET log?since=N`` -> ``{"entries": [{index, time, method, path, query, status, bytes_in,
  bytes_out, user_agent, user, fault, latency, dropped}], "next": M}``; ``DELETE log``.
* ``POST users`` ``{"email"?, "token"?}`` -> 201 ``{"id", "email", "token"}``; ``GET users``.
* ``GET config``; ``PATCH config`` with any of ``max_files``, ``quota_bytes``,
  ``max_file_bytes``, ``max_key_length``, ``multipart_max_bytes``, ``rate_limit_enabled``,
  ``rate_limit_user``, ``rate_limit_guest``, ``rate_limit_search``, ``index_delay``,
  ``max_page_size``, ``max_page_size_guest``, ``flavour``.
* ``POST faults`` ``{"method": "PUT"|"*", "path": "<regex>", "count": 1, "status":
  413|429|500|502|503|504, "when": "before"|"after", "format": "json"|"html"}`` or
  ``{"method", "path", "count", "drop_after_bytes": K}``; ``GET faults``; ``DELETE faults``.
* ``PUT latency`` ``{"fixed": s, "min": s, "max": s, "seed": n, "method", "path"}``;
  ``DELETE latency``.
* ``GET clock``; ``POST clock`` ``{"freeze": true|epoch, "advance": s, "unfreeze": true}``.
* ``POST communities`` ``{"slug", "title"?}`` -> 201 community; ``GET communities``.
* ``POST requests/<id>/accept`` or ``.../decline``: a curator's decision on a community request
  (accepting a review publishes the draft).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from zenodo_publish.emulator.app import EmulatorApp
    from zenodo_publish.emulator.config import Clock, EmulatorConfig
    from zenodo_publish.emulator.server import EmulatorServer

__all__ = ["Clock", "EmulatorApp", "EmulatorConfig", "EmulatorServer"]

#: Loaded on first access (PEP 562): importing ``zenodo_publish.emulator.config`` for the CLI's
#: option list must not start up the web server's modules.
_LAZY = {
    "Clock": "zenodo_publish.emulator.config",
    "EmulatorConfig": "zenodo_publish.emulator.config",
    "EmulatorApp": "zenodo_publish.emulator.app",
    "EmulatorServer": "zenodo_publish.emulator.server",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
