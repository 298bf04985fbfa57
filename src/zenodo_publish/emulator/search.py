"""Search: the ``q`` mini-language, hit selection, sorting and paging (§6.9, §3).

``q`` is a small subset of Elasticsearch's query_string as Zenodo's query parser sees it:
``field:value`` and ``field:"quoted value"`` terms (legacy names such as ``conceptrecid`` and
``doi`` are mapped like Zenodo's parser does), bare words matched against every metadata
string, ``AND`` (the default) and ``OR``. Backslash escapes (``https\\://...``) are honoured.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from zenodo_publish.emulator.service import Service
from zenodo_publish.emulator.state import ApiError, Record, Version

_TOKEN = re.compile(r'(?:([\w.:]+?):)?("(?:[^"\\]|\\.)*"|(?:[^\s\\]|\\.)+)')

FIELD_ALIASES = {
    "conceptrecid": "parent.id",
    "recid": "id",
    "doi": "pids.doi.identifier",
    "conceptdoi": "parent.pids.doi.identifier",
    "title": "metadata.title",
    "version": "metadata.version",
    "keywords": "metadata.subjects.subject",
    "owners": "parent.access.owned_by.user",
    "related_identifiers.identifier": "metadata.related_identifiers.identifier",
    "identifiers.identifier": "metadata.identifiers.identifier",
    "resource_type.id": "metadata.resource_type.id",
}

SORTS: dict[str, Callable[[tuple[Record, Version]], Any]] = {
    "bestmatch": lambda hit: -hit[0].created,
    "newest": lambda hit: -hit[0].created,
    "oldest": lambda hit: hit[0].created,
    "updated-desc": lambda hit: -hit[1].updated,
    "updated-asc": lambda hit: hit[1].updated,
    "version": lambda hit: -hit[0].index,
    "mostrecent": lambda hit: -hit[0].created,
}

Term = tuple[str | None, str]


def parse(q: str) -> list[list[Term]]:
    """OR-groups of AND-ed terms."""
    groups: list[list[Term]] = [[]]
    for match in _TOKEN.finditer(q):
        field, value = match.group(1), match.group(2)
        if field is None and value in ("AND", "&&"):
            continue
        if field is None and value in ("OR", "||"):
            groups.append([])
            continue
        if value.startswith('"') and value.endswith('"') and len(value) >= 2:
            value = value[1:-1]
        value = re.sub(r"\\(.)", r"\1", value).strip("()")
        groups[-1].append((FIELD_ALIASES.get(field, field) if field else None, value))
    return [g for g in groups if g]


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return []


def _values(service: Service, record: Record, version: Version, field: str) -> list[str]:
    parent = service.parent(record)
    md = version.metadata
    if field == "parent.id":
        return [str(parent.id)]
    if field == "id":
        return [str(record.id)]
    if field == "pids.doi.identifier":
        doi = version.pids.get("doi")
        return [doi["identifier"]] if doi else []
    if field == "parent.pids.doi.identifier":
        return [parent.doi] if parent.doi else []
    if field == "parent.access.owned_by.user":
        return [str(record.owner)]
    if field == "is_published":
        return [str(record.published is not None).lower()]
    if field.startswith("metadata."):
        path = field.split(".")[1:]
        return _strings(_dig(md, path))
    if field.startswith("custom_fields."):
        return _strings(version.custom_fields.get(field[len("custom_fields.") :]))
    return []


def _dig(value: Any, path: list[str]) -> Any:
    if not path:
        return value
    if isinstance(value, list):
        return [_dig(v, path) for v in value]
    if isinstance(value, dict):
        return _dig(value.get(path[0]), path[1:])
    return None


def _term_matches(service: Service, record: Record, version: Version, term: Term) -> bool:
    field, value = term
    wanted = value.lower()
    if field is None:
        haystack = _strings(version.metadata) + _strings(version.custom_fields)
        return wanted == "*" or any(wanted in s.lower() for s in haystack)
    values = [v.lower() for v in _values(service, record, version, field)]
    if wanted == "*":
        return bool(values)
    if field in ("metadata.title", "metadata.description"):
        return any(wanted in v for v in values)
    return wanted in values


def matches(service: Service, record: Record, version: Version, q: str) -> bool:
    groups = parse(q)
    if not groups:
        return True
    return any(all(_term_matches(service, record, version, t) for t in g) for g in groups)


def page_args(
    args: Any, *, authenticated: bool, max_size: int, max_guest: int, default_sort: str
) -> tuple[int, int, str]:
    try:
        size = int(args.get("size", 10))
        page = int(args.get("page", 1))
    except ValueError:
        raise ApiError(
            400,
            "A validation error occurred.",
            [{"field": "size", "messages": ["Not a valid integer."]}],
        ) from None
    limit = max_size if authenticated else max_guest
    if size > limit:
        raise ApiError(400, f"Page size cannot be greater than {limit}.")
    if size < 1 or page < 1:
        raise ApiError(
            400,
            "A validation error occurred.",
            [
                {
                    "field": "page" if page < 1 else "size",
                    "messages": ["Must be greater than or equal to 1."],
                }
            ],
        )
    sort = args.get("sort") or default_sort
    if sort not in SORTS:
        raise ApiError(400, f"Invalid sort option '{sort}'.")
    return page, size, sort


def run(
    service: Service,
    candidates: list[tuple[Record, Version]],
    q: str,
    sort: str,
    page: int,
    size: int,
) -> tuple[list[tuple[Record, Version]], int]:
    hits = [(r, v) for r, v in candidates if matches(service, r, v, q)]
    hits.sort(key=SORTS[sort])
    return hits[(page - 1) * size : page * size], len(hits)


def user_candidates(
    service: Service, owner: int, *, allversions: bool
) -> list[tuple[Record, Version]]:
    """The owner's drafts and records, draft first; latest per concept unless allversions."""
    now = service.now()
    out = []
    for record in service.store.records.values():
        if record.owner != owner or record.indexed_at > now:
            continue
        if not allversions and not service.is_latest_draft(record):
            continue
        out.append((record, record.current))
    return out


def published_candidates(
    service: Service, *, allversions: bool, parent_id: int | None = None
) -> list[tuple[Record, Version]]:
    out = []
    for record in service.store.records.values():
        if record.published is None or (parent_id is not None and record.parent_id != parent_id):
            continue
        if not allversions and not service.is_latest(record):
            continue
        out.append((record, record.published))
    return out
