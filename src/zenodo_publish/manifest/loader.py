"""YAML loading that remembers where every value and key was written.

PyYAML's composer gives a node graph with start marks; we build plain Python data from it
ourselves instead of using the constructor, for three reasons: every value and key keeps its
line and column (so a problem deep in ``metadata.creators[2]`` points at the right line), mapping
keys stay the text the user typed (YAML 1.1 would read ``on:`` as ``True`` and ``1.0:`` as a
float), and timestamps stay strings (dates are checked as EDTF, not as ``datetime`` objects).

Anything wrong with the document itself becomes a :class:`~zenodo_publish.errors.Problem`;
arbitrary input never raises anything but :class:`~zenodo_publish.errors.ManifestError`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from zenodo_publish import paths
from zenodo_publish.errors import ManifestError, Problem

PathKey = tuple[str | int, ...]

# Guards against documents built to exhaust memory or the stack (alias bombs, deep nesting).
MAX_NODES = 200_000
MAX_DEPTH = 64

_TIMESTAMP_TAG = "tag:yaml.org,2002:timestamp"
_MERGE_TAG = "tag:yaml.org,2002:merge"
_PLAIN_SCALAR_TAGS = frozenset(
    "tag:yaml.org,2002:" + name for name in ("str", "int", "float", "bool", "null")
)


@dataclass(frozen=True)
class Mark:
    """A 1-based place in a file."""

    line: int
    column: int


def json_path(path: PathKey) -> str:
    """``("metadata", "creators", 0, "name")`` -> ``$.metadata.creators[0].name``."""
    text = "$"
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else f".{part}"
    return text


@dataclass
class LoadedYaml:
    """Plain data (dicts, lists, str, int, float, bool, None) plus where each piece was."""

    data: Any
    file: str
    values: dict[PathKey, Mark] = field(default_factory=dict)
    keys: dict[PathKey, Mark] = field(default_factory=dict)

    def mark(self, path: PathKey, *, at_key: bool = False) -> Mark | None:
        """The mark of ``path``, or of its nearest ancestor that has one."""
        if at_key and path in self.keys:
            return self.keys[path]
        for end in range(len(path), -1, -1):
            found = self.values.get(path[:end])
            if found is not None:
                return found
        return None

    def problem(
        self, path: PathKey, message: str, hint: str | None = None, *, at_key: bool = False
    ) -> Problem:
        where = self.mark(path, at_key=at_key)
        return Problem(
            message=message,
            file=self.file,
            line=where.line if where else None,
            column=where.column if where else None,
            json_path=json_path(path),
            hint=hint,
        )

    def get(self, path: PathKey) -> Any:
        """The value at ``path``, or None when any step is missing or of another type."""
        value: Any = self.data
        for part in path:
            in_list = isinstance(part, int) and isinstance(value, list) and 0 <= part < len(value)
            in_dict = isinstance(part, str) and isinstance(value, dict) and part in value
            if not (in_list or in_dict):
                return None
            value = value[part]
        return value


def _mark_of(node: yaml.Node) -> Mark:
    return Mark(node.start_mark.line + 1, node.start_mark.column + 1)


class _Builder:
    def __init__(self, loaded: LoadedYaml) -> None:
        self.loaded = loaded
        self.problems: list[Problem] = []
        self.count = 0
        self.active: set[int] = set()
        self.constructor = yaml.SafeLoader("")

    def fail(self, node: yaml.Node, path: PathKey, message: str, hint: str | None = None) -> None:
        where = _mark_of(node)
        self.problems.append(
            Problem(message, self.loaded.file, where.line, where.column, json_path(path), hint)
        )

    def build(self, node: yaml.Node, path: PathKey) -> Any:
        self.count += 1
        if self.count > MAX_NODES:
            raise _TooBig(node)
        if len(path) > MAX_DEPTH:
            self.fail(node, path, "the YAML is nested too deeply", "flatten the structure")
            return None
        self.loaded.values.setdefault(path, _mark_of(node))
        if isinstance(node, yaml.ScalarNode):
            return self.scalar(node, path)
        if id(node) in self.active:
            self.fail(node, path, "a YAML alias refers to its own parent", "remove the cycle")
            return None
        self.active.add(id(node))
        try:
            if isinstance(node, yaml.SequenceNode):
                return [self.build(item, (*path, index)) for index, item in enumerate(node.value)]
            if isinstance(node, yaml.MappingNode):
                return self.mapping(node, path)
        finally:
            self.active.discard(id(node))
        self.fail(node, path, f"unsupported YAML node {type(node).__name__}")
        return None

    def scalar(self, node: yaml.ScalarNode, path: PathKey) -> Any:
        if node.tag == _TIMESTAMP_TAG:
            return node.value
        if node.tag not in _PLAIN_SCALAR_TAGS:
            self.fail(node, path, f"unsupported YAML tag {node.tag}", "remove the tag")
            return None
        try:
            return self.constructor.construct_object(node)
        except (yaml.YAMLError, ValueError, TypeError, OverflowError) as error:
            self.fail(node, path, f"cannot read this value: {error}", "write it as plain text")
            return None

    def mapping(self, node: yaml.MappingNode, path: PathKey) -> dict[str, Any]:
        result: dict[str, Any] = {}
        explicit: set[str] = set()
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE_TAG:
                self.merge(value_node, path, result, explicit)
                continue
            if not isinstance(key_node, yaml.ScalarNode):
                self.fail(key_node, path, "a mapping key must be plain text", "use a simple key")
                continue
            key = str(key_node.value)
            if key in explicit:
                self.fail(key_node, (*path, key), f"duplicate key {key!r}", "keep only one of them")
                continue
            explicit.add(key)
            self.loaded.keys[(*path, key)] = _mark_of(key_node)
            result[key] = self.build(value_node, (*path, key))
        return result

    def merge(
        self, node: yaml.Node, path: PathKey, into: dict[str, Any], explicit: set[str]
    ) -> None:
        sources = node.value if isinstance(node, yaml.SequenceNode) else [node]
        for source in sources:
            merged = self.build(source, path)
            if not isinstance(merged, dict):
                self.fail(source, path, "a YAML merge (<<) needs a mapping", "merge a mapping")
                continue
            for key, value in merged.items():
                if key not in explicit and key not in into:
                    into[key] = value


class _TooBig(Exception):
    def __init__(self, node: yaml.Node) -> None:
        super().__init__("too many YAML nodes")
        self.node = node


def _position_problem(text: str, file: str, error: yaml.YAMLError) -> Problem:
    mark = getattr(error, "problem_mark", None) or getattr(error, "context_mark", None)
    line = column = None
    if mark is not None:
        line, column = mark.line + 1, mark.column + 1
    elif isinstance(error, yaml.reader.ReaderError):
        before = text[: error.position]
        line = before.count("\n") + 1
        column = error.position - (before.rfind("\n") + 1) + 1
    summary = " ".join(str(getattr(error, "problem", None) or error).split())
    return Problem(
        f"not valid YAML: {summary}", file, line, column, "$", "fix the YAML syntax at this place"
    )


def parse_yaml(text: str, *, file: str) -> LoadedYaml:
    """Parse one YAML document. Raises ManifestError with every problem found."""
    loaded = LoadedYaml(data=None, file=file)
    try:
        # The reader checks for unprintable characters already when it is created.
        loader = yaml.SafeLoader(text)
        try:
            root = loader.get_single_node()
        finally:
            loader.dispose()
    except yaml.YAMLError as error:
        raise ManifestError([_position_problem(text, file, error)]) from None
    except RecursionError:
        raise ManifestError(
            [Problem("the YAML is nested too deeply", file, hint="flatten the structure")]
        ) from None
    if root is None:
        loaded.values[()] = Mark(1, 1)
        return loaded
    builder = _Builder(loaded)
    try:
        loaded.data = builder.build(root, ())
    except _TooBig as error:
        where = _mark_of(error.node)
        raise ManifestError(
            [
                Problem(
                    f"the YAML expands to more than {MAX_NODES} values (aliases?)",
                    file,
                    where.line,
                    where.column,
                    hint="write the document without repeated aliases",
                )
            ]
        ) from None
    if builder.problems:
        raise ManifestError(builder.problems)
    return loaded


def read_text(path: Path, *, file: str, root: Path | None = None) -> str:
    """Read a UTF-8 text file through :mod:`zenodo_publish.paths` (a regular file, size-capped,
    inside ``root`` when given), turning every refusal into a ManifestError naming ``file``."""
    try:
        return paths.read_text(path, root=root)
    except FileNotFoundError:
        raise ManifestError(
            [Problem("file not found", file, hint=f"create {file} or point at another file")]
        ) from None
    except paths.UnsafePath as error:
        raise ManifestError([Problem(error.message, file, hint=error.hint)]) from None
    except UnicodeDecodeError as error:
        raise ManifestError(
            [Problem(f"not UTF-8 text: {error.reason}", file, hint="save it as UTF-8")]
        ) from None
    except OSError as error:
        raise ManifestError([Problem(f"cannot read: {error.strerror}", file)]) from None


def source_file_problems(root: Path, name: str) -> list[Problem]:
    """Why a metadata source listed in ``metadata_from`` cannot be read: it does not exist, or
    it is a symlink leading out of the repository. Empty when it can be read."""
    path = root / name
    if not (path.exists() or path.is_symlink()):
        return [
            Problem(
                f"{name} is listed in metadata_from but does not exist",
                name,
                hint="create it, or remove it from metadata_from",
            )
        ]
    escape = escape_problem(root / name, root, file=name)
    return [escape] if escape is not None else []


def escape_problem(path: Path, root: Path, *, file: str) -> Problem | None:
    """A problem when ``path`` (a file the repository names) is a symlink leading out of
    ``root``: such a file is never read, so nothing outside the repository reaches Zenodo."""
    try:
        paths.inside(root, path, strict=False)
    except (paths.UnsafePath, OSError):
        pass
    else:
        return None
    return Problem(
        f"{file} is a symlink pointing outside the repository",
        file,
        hint="copy the file into the repository or remove the link",
    )


def load_yaml_file(path: Path, *, file: str, root: Path | None = None) -> LoadedYaml:
    return parse_yaml(read_text(path, file=file, root=root), file=file)
