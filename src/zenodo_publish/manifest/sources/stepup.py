"""StepUp RepRep's ``zenodo.yaml`` keys next to ours (stepup-format.md), so its users switch
with no edits: ``path_record_id`` is ``record_file`` (a .txt holds the bare record id),
``path_token`` is the token file, ``paths`` are file rules. (``path_readme``,
``code_repository`` and ``access`` are metadata; see :mod:`.zenodo_yaml`.)"""

from __future__ import annotations

from pathlib import Path, PurePosixPath

from zenodo_publish import paths
from zenodo_publish.errors import Problem
from zenodo_publish.manifest.loader import LoadedYaml, Mark, PathKey
from zenodo_publish.manifest.rules import FileRule, RuleKind

DEFAULT_RECORD_FILE = Path(".zenodo-record.json")


def safe_relative(text: str) -> PurePosixPath | None:
    """``text`` as a repository-relative path, or None when it is absolute or climbs out."""
    pure = PurePosixPath(text.strip().replace("\\", "/"))
    if pure.is_absolute() or ".." in pure.parts or not pure.parts:
        return None
    return pure


def _one_of(loaded: LoadedYaml, ours: str, theirs: str, problems: list[Problem]) -> str | None:
    """The value of ``ours`` or of StepUp's ``theirs``; both given is a problem."""
    mine, stepup = loaded.get((ours,)), loaded.get((theirs,))
    if mine is not None and stepup is not None:
        problems.append(
            loaded.problem(
                (theirs,),
                f"{ours} and {theirs} say the same thing",
                f"keep one of them ({theirs} is StepUp RepRep's name)",
                at_key=True,
            )
        )
        return None
    value = mine if mine is not None else stepup
    return value if isinstance(value, str) else None


def record_and_token_files(
    loaded: LoadedYaml, root: Path, problems: list[Problem]
) -> tuple[Path, str | None]:
    """The record file (repository-relative, checked by :mod:`zenodo_publish.paths`) and
    StepUp's ``path_token`` as written: it is resolved and read only when a token is needed,
    by :mod:`zenodo_publish.tokens` (never by ``validate`` or ``plan --offline``)."""
    record_file = DEFAULT_RECORD_FILE
    text = _one_of(loaded, "record_file", "path_record_id", problems)
    if text is not None:
        key = "record_file" if loaded.get(("record_file",)) is not None else "path_record_id"
        relative = safe_relative(text)
        hint = "the record file is committed; use a path relative to the repository root"
        try:
            paths.check_name(text, what="the record file")
            if relative is None:
                raise paths.UnsafePath(f"{text} is not inside the repository", hint)
            # Written by the run: a folder linked out of the repository is refused up front.
            paths.inside(root, relative, strict=False)
        except paths.UnsafePath as error:
            problems.append(loaded.problem((key,), error.message, error.hint or hint))
        else:
            record_file = Path(relative)
    token = loaded.get(("path_token",))
    token_file = None
    if isinstance(token, str):
        try:
            paths.check_name(token, what="path_token")
        except paths.UnsafePath as error:
            problems.append(loaded.problem(("path_token",), error.message, error.hint))
        else:
            token_file = token
    return record_file, token_file


def file_rules(
    loaded: LoadedYaml, problems: list[Problem]
) -> tuple[tuple[FileRule, ...], tuple[str, ...], Mark | None, int]:
    """``(rules, exclude, where files:/paths: is written, how many entries it has)``."""
    key = "files"
    if loaded.get(("files",)) is not None and loaded.get(("paths",)) is not None:
        problems.append(
            loaded.problem(
                ("paths",),
                "files and paths both list files",
                "keep one (paths is StepUp RepRep's name)",
                at_key=True,
            )
        )
    elif loaded.get(("paths",)) is not None:
        key = "paths"
    rules: list[FileRule] = []
    entries = loaded.get((key,))
    for index, entry in enumerate(entries if isinstance(entries, list) else []):
        path: PathKey = (key, index)
        rule = _rule(loaded, path, entry)
        if rule is not None:
            rules.append(rule)
    exclude = loaded.get(("exclude",))
    patterns = tuple(p for p in exclude if isinstance(p, str)) if isinstance(exclude, list) else ()
    declared = len(entries) if isinstance(entries, list) else int(entries is not None)
    return tuple(rules), patterns, loaded.keys.get((key,)), declared


def _rule(loaded: LoadedYaml, path: PathKey, entry: object) -> FileRule | None:
    kind: RuleKind = "path"
    archive = None
    groups: tuple[str, ...] = ()
    if isinstance(entry, str):
        pattern = entry
    elif isinstance(entry, dict) and isinstance(entry.get("catalog"), str) and "path" not in entry:
        kind, pattern = "catalog", entry["catalog"]
        listed = entry.get("groups")
        if isinstance(listed, list):
            groups = tuple(dict.fromkeys(g for g in listed if isinstance(g, str)))
    elif isinstance(entry, dict) and isinstance(entry.get("path"), str) and "catalog" not in entry:
        pattern = entry["path"]
        if isinstance(entry.get("archive"), str):
            kind, archive = "archive", entry["archive"]
    else:
        return None  # the schema reports the shape
    return FileRule(kind, pattern, archive, loaded.file, path, loaded.mark(path), groups)
