"""Tables of records (SPEC §9): ``.csv``, ``.tsv`` and ``.xlsx``, the header row naming the columns.

Every cell is read as text: a spreadsheet's ``12`` becomes ``"12"`` (not ``"12.0"``), a date
becomes ``2024-05-01``, an empty cell becomes ``""``. Rows that are empty in every column are
skipped. Each row keeps its number as a person sees it in the file (the header is row 1), so a
problem points at the row a spreadsheet shows.
"""

from __future__ import annotations

import csv
import datetime
import io
import zipfile
from dataclasses import dataclass
from pathlib import Path

from zenodo_publish import paths
from zenodo_publish.errors import ManifestError, Problem
from zenodo_publish.manifest.loader import escape_problem

TABLE_CAP = paths.MAX_TABLE_BYTES


@dataclass(frozen=True)
class Row:
    number: int  # 1-based row (line in a CSV/TSV, row in a sheet); the header is row 1
    cells: dict[str, str]


@dataclass(frozen=True)
class Table:
    file: str  # repository-relative, as problems name it
    columns: tuple[str, ...]
    rows: tuple[Row, ...]

    def column_number(self, name: str) -> int | None:
        """1-based position of ``name`` (what a spreadsheet shows as A, B, ... ; CSV field)."""
        return self.columns.index(name) + 1 if name in self.columns else None


def read_table(root: Path, relative: str, *, sheet: str | None = None) -> Table:
    """Read ``relative`` (inside ``root``). Raises ManifestError naming the file and row."""
    path = root / relative
    try:
        paths.check_name(relative, what="the records table")
    except paths.UnsafePath as error:
        raise ManifestError([Problem(error.message, "records.table", hint=error.hint)]) from None
    if not (path.exists() or path.is_symlink()):
        raise ManifestError(
            [Problem("the records table does not exist", relative, hint="fix records.table")]
        )
    escape = escape_problem(path, root, file=relative)
    if escape is not None:
        raise ManifestError([escape])
    suffix = path.suffix.lower()
    try:
        if suffix == ".xlsx":
            grid = _xlsx_rows(paths.regular_file(path, root=root, limit=TABLE_CAP), relative, sheet)
        else:
            text = paths.read_text(path, root=root, limit=TABLE_CAP, encoding="utf-8-sig")
            grid = _text_rows(text, relative, "\t" if suffix == ".tsv" else ",")
    except paths.UnsafePath as error:
        raise ManifestError([Problem(error.message, relative, hint=error.hint)]) from None
    except UnicodeDecodeError as error:
        raise ManifestError(
            [Problem(f"not UTF-8 text: {error.reason}", relative, hint="save the table as UTF-8")]
        ) from None
    except OSError as error:
        raise ManifestError([Problem(f"cannot read: {error.strerror}", relative)]) from None
    return _table(relative, grid)


def _text_rows(text: str, relative: str, delimiter: str) -> list[tuple[int, list[str]]]:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    rows: list[tuple[int, list[str]]] = []
    start = 1
    try:
        for cells in reader:
            rows.append((start, cells))
            start = reader.line_num + 1
    except csv.Error as error:
        raise ManifestError(
            [Problem(f"not a valid table: {error}", relative, start, hint="fix the quoting")]
        ) from None
    return rows


def _xlsx_rows(path: Path, relative: str, sheet: str | None) -> list[tuple[int, list[str]]]:
    # Imported here: only collections with spreadsheets pay for openpyxl.
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError) as error:
        raise ManifestError(
            [
                Problem(
                    f"not a readable .xlsx workbook: {error}",
                    relative,
                    hint="save it again as .xlsx",
                )
            ]
        ) from None
    try:
        if sheet is None:
            worksheet = workbook.worksheets[0]
        elif sheet in workbook.sheetnames:
            worksheet = workbook[sheet]
        else:
            names = ", ".join(workbook.sheetnames)
            raise ManifestError(
                [Problem(f"no sheet named {sheet!r}", relative, hint=f"the sheets are: {names}")]
            )
        rows: list[tuple[int, list[str]]] = []
        for number, values in enumerate(worksheet.iter_rows(values_only=True), start=1):
            rows.append((number, [_cell_text(value) for value in values]))
        return rows
    finally:
        workbook.close()


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime.datetime):
        if value.time() == datetime.time(0, 0):
            return value.date().isoformat()
        return value.isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value).strip()


def _table(relative: str, grid: list[tuple[int, list[str]]]) -> Table:
    if not grid:
        raise ManifestError(
            [
                Problem(
                    "the table is empty",
                    relative,
                    hint="write a header row, then one row per record",
                )
            ]
        )
    header_number, header = grid[0]
    while header and not header[-1].strip():
        header.pop()  # spreadsheets often carry empty trailing columns
    problems: list[Problem] = []
    columns: list[str] = []
    for index, name in enumerate(header, start=1):
        name = name.strip()
        if not name:
            problems.append(
                Problem(
                    "a column has no name",
                    relative,
                    header_number,
                    index,
                    hint="name every column in the header row",
                )
            )
        elif name in columns:
            problems.append(
                Problem(
                    f"column {name!r} is named twice",
                    relative,
                    header_number,
                    index,
                    hint="give each column its own name",
                )
            )
        columns.append(name)
    rows: list[Row] = []
    for number, cells in grid[1:]:
        if not any(cell.strip() for cell in cells):
            continue
        extra = [c for c in cells[len(columns) :] if c.strip()]
        if extra:
            problems.append(
                Problem(
                    f"the row has {len(cells)} cells but the header names {len(columns)} columns",
                    relative,
                    number,
                    len(columns) + 1,
                    hint="name the extra column in the header, or remove the cells",
                )
            )
        padded = [*cells, *[""] * (len(columns) - len(cells))]
        rows.append(Row(number, {name: padded[i].strip() for i, name in enumerate(columns)}))
    if problems:
        raise ManifestError(problems)
    return Table(relative, tuple(columns), tuple(rows))
