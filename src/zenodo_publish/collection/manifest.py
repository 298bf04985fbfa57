"""A collection manifest (SPEC §9): ``records:`` from a table or inline, one Zenodo record each.

Each record becomes an ordinary single-record :class:`~zenodo_publish.manifest.Manifest`, built
by the manifest layer from a document that merges the shared defaults (top-level ``metadata:``,
``files:`` and the other settings) with the record's own values (its metadata wins per field, its
files are added), and whose ``record_file`` is ``<folder>/<key>.json``. The merged document keeps
the places of its values, so the manifest layer's checks apply unchanged; a problem in a value
that came from a table cell is then reported at the table's file, row and column, with the
manifest line of the mapping that used the column.

Every problem of every row is collected before anything is returned: nothing is sent to Zenodo
for a collection with a bad row.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Container, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from zenodo_publish.collection.table import Row, Table, read_table
from zenodo_publish.collection.templates import ABSENT, fill, placeholders
from zenodo_publish.errors import ManifestError, Problem
from zenodo_publish.manifest.loader import LoadedYaml, Mark, PathKey, json_path, load_yaml_file
from zenodo_publish.manifest.schema import schema_problems
from zenodo_publish.manifest.settings import Manifest, inspect_loaded
from zenodo_publish.manifest.sources.stepup import safe_relative

KEY_PATTERN = re.compile(r"[A-Za-z0-9._-]+")
DEFAULT_RECORD_FOLDER = ".zenodo/records"
#: How many record keys a problem shared by many records names before "and N more".
_KEYS_SHOWN = 5


@dataclass(frozen=True)
class CollectionRecord:
    key: str
    manifest: Manifest
    origin: str  # "records.csv row 7" or "zenodo.yaml:12", for messages


@dataclass(frozen=True)
class Collection:
    path: Path  # the manifest, absolute
    repo_root: Path
    display_name: str
    record_folder: Path  # repository-relative
    records: tuple[CollectionRecord, ...]

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(record.key for record in self.records)

    def record_file(self, key: str) -> Path:
        return self.record_folder / f"{key}.json"

    @property
    def first(self) -> Manifest:
        return self.records[0].manifest


def is_collection_document(data: Any) -> bool:
    return isinstance(data, dict) and "records" in data


def is_collection(path: Path, *, repo_root: Path | None = None) -> bool:
    """Whether the manifest at ``path`` has ``records:`` (False when it cannot be read: the
    single-record loader then reports why)."""
    try:
        loaded = load_yaml_file(path, file=path.name)
    except ManifestError:
        return False
    return is_collection_document(loaded.data)


@dataclass(frozen=True)
class _CellPlace:
    """Where a value of a record came from: a table cell and the mapping that used it."""

    table: str
    row: int
    column: int | None
    column_name: str
    mapping: Mark | None


@dataclass
class _Source:
    """One record before validation: its key, its own metadata and files, where they are."""

    key: str
    origin: str
    metadata: Any
    metadata_path: PathKey
    files: list[Any]
    files_path: PathKey
    places: dict[PathKey, _CellPlace] = field(default_factory=dict)
    #: For a table row: the index under records.files of each of ``files`` (empty ones drop).
    file_templates: list[int] = field(default_factory=list)


def load_collection(
    path: Path,
    *,
    repo_root: Path | None = None,
    check_files: Callable[[Sequence[str]], Container[str]] | None = None,
) -> Collection:
    """Every record of the collection at ``path``, each a validated Manifest. ``check_files``
    gets every key and answers for which the file selection is checked too (default: none; the
    sync checks the files of the records it runs, and a shard needs all keys to know its own).
    Raises ManifestError with every problem of every row."""
    root = (repo_root or path.parent).resolve()
    try:
        display = path.resolve().relative_to(root).as_posix()
    except ValueError:
        display = str(path)
    loaded = load_yaml_file(path, file=display)
    if not is_collection_document(loaded.data):
        raise ManifestError(
            [loaded.problem((), "this manifest has no records:", "it describes one record")]
        )
    top_problems = schema_problems(loaded)
    if top_problems:
        # The structure is wrong: the records cannot be built reliably from it.
        raise ManifestError(top_problems)
    problems: list[Problem] = []
    folder = _record_folder(loaded, problems)
    sources = _sources(loaded, root, problems)
    if not sources and not problems:
        problems.append(loaded.problem(("records",), "the collection has no records", "add rows"))
    shared: dict[tuple[Any, ...], list[str]] = {}
    records: list[CollectionRecord] = []
    checked = check_files([source.key for source in sources]) if check_files else ()
    for source in sources:
        merged = _merged_document(loaded, source, folder)
        checking = source.key in checked
        manifest, found = inspect_loaded(path, merged, root, check_files=checking)
        for problem in found:
            place = _place_of(problem, source)
            if place is not None:
                problems.append(_cell_problem(problem, source, place, display))
            else:
                where = (problem.file, problem.line, problem.column, problem.json_path)
                shared.setdefault((*where, problem.message, problem.hint), []).append(source.key)
        if manifest is not None:
            records.append(CollectionRecord(source.key, manifest, source.origin))
    for (file, line, column, where, message, hint), keys in shared.items():
        problems.append(
            Problem(f"{_records_named(keys)}: {message}", file, line, column, where, hint)
        )
    if problems:
        raise ManifestError(_ordered(problems, display))
    return Collection(path.resolve(), root, display, folder, tuple(records))


# --- reading the records -----------------------------------------------------------------


def _record_folder(loaded: LoadedYaml, problems: list[Problem]) -> Path:
    text = loaded.get(("record_file",))
    if not isinstance(text, str):
        return Path(DEFAULT_RECORD_FOLDER)
    relative = safe_relative(text.rstrip("/"))
    if relative is None or PurePosixPath(relative).suffix in (".json", ".txt"):
        problems.append(
            loaded.problem(
                ("record_file",),
                f"in a collection record_file names a folder inside the repository, not {text}",
                f"write a folder such as {DEFAULT_RECORD_FOLDER}/ (one <key>.json per record)",
            )
        )
        return Path(DEFAULT_RECORD_FOLDER)
    return Path(relative)


def _sources(loaded: LoadedYaml, root: Path, problems: list[Problem]) -> list[_Source]:
    records = loaded.get(("records",))
    if isinstance(records, list):
        return _inline_sources(loaded, records, problems)
    assert isinstance(records, dict)  # the schema said so
    return _table_sources(loaded, records, root, problems)


def _inline_sources(
    loaded: LoadedYaml, records: list[Any], problems: list[Problem]
) -> list[_Source]:
    sources: list[_Source] = []
    seen: dict[str, int] = {}
    for index, entry in enumerate(records):
        key = entry["key"]
        mark = loaded.mark(("records", index, "key"))
        if key in seen:
            problems.append(
                loaded.problem(
                    ("records", index, "key"),
                    f"key {key!r} is used twice (also by record {seen[key] + 1})",
                    "give every record its own key",
                )
            )
            continue
        seen[key] = index
        sources.append(
            _Source(
                key=key,
                origin=f"{loaded.file}:{mark.line}" if mark else loaded.file,
                metadata=entry.get("metadata", {}),
                metadata_path=("records", index, "metadata"),
                files=list(entry.get("files", [])),
                files_path=("records", index, "files"),
            )
        )
    return sources


def _table_sources(
    loaded: LoadedYaml, mapping: dict[str, Any], root: Path, problems: list[Problem]
) -> list[_Source]:
    relative = safe_relative(mapping["table"])
    if relative is None:
        problems.append(
            loaded.problem(
                ("records", "table"),
                f"{mapping['table']} is not inside the repository",
                "name a table file relative to the repository root",
            )
        )
        return []
    try:
        table = read_table(root, relative.as_posix(), sheet=mapping.get("sheet"))
    except ManifestError as error:
        problems.extend(
            Problem(p.message, p.file, p.line, p.column, p.json_path, p.hint)
            if p.file
            else loaded.problem(("records", "table"), p.message, p.hint)
            for p in error.problems
        )
        return []
    key_column = mapping["key"]
    templates: dict[PathKey, Any] = {
        ("records", "metadata", name): value
        for name, value in (mapping.get("metadata") or {}).items()
    }
    templates.update(
        {("records", "files", index): value for index, value in enumerate(mapping.get("files", []))}
    )
    known = set(table.columns)
    if key_column not in known:
        problems.append(
            loaded.problem(
                ("records", "key"),
                f"the table {table.file} has no column {key_column!r}",
                "the columns are: " + ", ".join(table.columns),
            )
        )
        return []
    for where, template in templates.items():
        for name in dict.fromkeys(placeholders(template)):
            if name not in known:
                problems.append(
                    loaded.problem(
                        where,
                        f"{{{name}}} names no column of {table.file}",
                        "the columns are: " + ", ".join(table.columns),
                    )
                )
    seen: dict[str, int] = {}
    sources: list[_Source] = []
    for row in table.rows:
        source = _row_source(loaded, table, row, key_column, mapping, seen, problems)
        if source is not None:
            sources.append(source)
    return sources


def _row_source(
    loaded: LoadedYaml,
    table: Table,
    row: Row,
    key_column: str,
    mapping: dict[str, Any],
    seen: dict[str, int],
    problems: list[Problem],
) -> _Source | None:
    key = row.cells[key_column]
    where = Problem("", table.file, row.number, table.column_number(key_column), "$.records.key")
    mapping_line = _line_of(loaded, ("records", "key"))
    hint_key = f"the key column {key_column!r} (records.key at {loaded.file}:{mapping_line})"
    if not key:
        problems.append(_at(where, f"row {row.number} has no key", f"fill in {hint_key}"))
        return None
    if not KEY_PATTERN.fullmatch(key):
        problems.append(
            _at(
                where,
                f"key {key!r} may hold only letters, digits, '.', '_' and '-'",
                f"change {hint_key}; the key names the record file and the record for ever",
            )
        )
        return None
    if key in seen:
        problems.append(
            _at(
                where,
                f"key {key!r} is used twice (also in row {seen[key]})",
                f"give every row its own value in {hint_key}",
            )
        )
        return None
    seen[key] = row.number
    source = _Source(
        key=key,
        origin=f"{table.file} row {row.number}",
        metadata={},
        metadata_path=("records", "metadata"),
        files=[],
        files_path=("records", "files"),
    )
    for name, template in (mapping.get("metadata") or {}).items():
        filled = fill(template, row.cells)
        if filled.value is not ABSENT:
            source.metadata[name] = filled.value
        if filled.columns:
            source.places[("metadata", name)] = _place(
                loaded, table, row, filled.columns[0], ("records", "metadata", name)
            )
    base_count = _count_files(loaded)
    for index, template in enumerate(mapping.get("files", [])):
        filled = fill(template, row.cells)
        if filled.value is ABSENT:
            continue
        if filled.columns:
            source.places[("files", base_count + len(source.files))] = _place(
                loaded, table, row, filled.columns[0], ("records", "files", index)
            )
        source.files.append(filled.value)
        source.file_templates.append(index)
    return source


def _place(loaded: LoadedYaml, table: Table, row: Row, column: str, path: PathKey) -> _CellPlace:
    return _CellPlace(
        table.file, row.number, table.column_number(column), column, loaded.mark(path)
    )


def _line_of(loaded: LoadedYaml, path: PathKey) -> int | str:
    mark = loaded.mark(path)
    return mark.line if mark else "?"


def _at(where: Problem, message: str, hint: str) -> Problem:
    return Problem(message, where.file, where.line, where.column, where.json_path, hint)


def _count_files(loaded: LoadedYaml) -> int:
    files = loaded.get(("files",))
    return len(files) if isinstance(files, list) else 0


# --- one record's document -----------------------------------------------------------------


def _merged_document(loaded: LoadedYaml, source: _Source, folder: Path) -> LoadedYaml:
    base = loaded.data
    assert isinstance(base, dict)
    data = {k: v for k, v in base.items() if k not in ("records", "record_file")}
    merged = LoadedYaml(data=data, file=loaded.file)
    own_fields = set(source.metadata) if isinstance(source.metadata, dict) else set()
    for table, target in ((loaded.values, merged.values), (loaded.keys, merged.keys)):
        for path, mark in table.items():
            if path[:1] in (("records",), ("record_file",)):
                continue
            if path[:1] == ("metadata",) and len(path) > 1 and path[1] in own_fields:
                continue
            target[path] = mark
    defaults = base.get("metadata")
    if isinstance(defaults, dict) or own_fields:
        data["metadata"] = {**(defaults if isinstance(defaults, dict) else {}), **source.metadata}
    _move_marks(loaded, merged, source.metadata_path, ("metadata",), skip_root=True)
    base_files = base.get("files")
    if source.files:
        start = len(base_files) if isinstance(base_files, list) else 0
        data["files"] = [*(base_files if isinstance(base_files, list) else []), *source.files]
        for index in range(len(source.files)):
            template_index = source.file_templates[index] if source.file_templates else index
            _move_marks(
                loaded, merged, (*source.files_path, template_index), ("files", start + index)
            )
    data["record_file"] = (folder / f"{source.key}.json").as_posix()
    key_mark = loaded.mark(("records",))
    if key_mark is not None:
        merged.values[("record_file",)] = key_mark
    return merged


def _move_marks(
    loaded: LoadedYaml, merged: LoadedYaml, old: PathKey, new: PathKey, *, skip_root: bool = False
) -> None:
    for table, target in ((loaded.values, merged.values), (loaded.keys, merged.keys)):
        for path, mark in table.items():
            if path[: len(old)] == old and not (skip_root and len(path) == len(old)):
                target[(*new, *path[len(old) :])] = mark


# --- problems ------------------------------------------------------------------------------


def _place_of(problem: Problem, source: _Source) -> _CellPlace | None:
    for path, place in source.places.items():
        prefix = json_path(path)
        rest = problem.json_path[len(prefix) :]
        if problem.json_path.startswith(prefix) and (not rest or rest[0] in ".["):
            return place
    return None


def _cell_problem(problem: Problem, source: _Source, place: _CellPlace, display: str) -> Problem:
    mapping = f"{display}:{place.mapping.line}" if place.mapping else display
    message = (
        f"record {source.key}: {problem.message} "
        f"(column {place.column_name!r}, mapped at {mapping})"
    )
    return Problem(message, place.table, place.row, place.column, problem.json_path, problem.hint)


def _records_named(keys: list[str]) -> str:
    if len(keys) == 1:
        return f"record {keys[0]}"
    shown = ", ".join(keys[:_KEYS_SHOWN])
    more = f" and {len(keys) - _KEYS_SHOWN} more" if len(keys) > _KEYS_SHOWN else ""
    return f"records {shown}{more}"


def _ordered(problems: list[Problem], display: str) -> list[Problem]:
    unique = list(dict.fromkeys(problems))
    return sorted(unique, key=lambda p: (p.file != display, p.file, p.line or 0, p.column or 0))
