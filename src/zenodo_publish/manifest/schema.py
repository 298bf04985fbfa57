"""The manifest's JSON Schema (a package data file) and its errors turned into Problems.

jsonschema's own messages are written for JSON programmers ("'x' is not of type 'string'");
these say the same in the words of someone editing a YAML file, point at the right line (the
key itself for an unknown key), and add what to do. A schema node may carry ``x-message`` and
``x-hint`` to say it better than any generic wording could.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING, Any

from zenodo_publish.errors import Problem
from zenodo_publish.manifest.loader import LoadedYaml, PathKey
from zenodo_publish.manifest.vocabularies import did_you_mean

if TYPE_CHECKING:
    import jsonschema


def schema_text() -> str:
    """The schema exactly as shipped (what ``zenodo-publish schema`` prints)."""
    return resources.files("zenodo_publish.manifest").joinpath("schema.json").read_text("utf-8")


@cache
def manifest_schema() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(schema_text())
    return loaded


@cache
def _validator() -> jsonschema.Draft202012Validator:
    # Imported when a manifest is first validated, not by every command that loads this module.
    import jsonschema

    return jsonschema.Draft202012Validator(manifest_schema())


_TYPE_WORDS = {
    "string": "text",
    "number": "a number",
    "integer": "a whole number",
    "boolean": "true or false",
    "array": "a list",
    "object": "a mapping (key: value lines)",
    "null": "nothing",
}

#: Keys other tools use, and what to write instead.
MIGRATIONS = {
    "upload_type": "that is .zenodo.json's name; write resource_type: (e.g. dataset, software)",
    "access_right": "that is .zenodo.json's name; write access: {files: public|restricted}",
    "related_identifiers": "that is .zenodo.json's name; write related:",
    "grants": "that is .zenodo.json's name; write funding:",
    "authors": "that is CITATION.cff's name; write creators:",
    "abstract": "that is CITATION.cff's name; write description:",
    "rights": "write license: with one license id",
    "subject": "write subjects: (a list)",
    "languages": "write language:",
    "token": "never put the token in the manifest; use the zenodo_token input or path_token:",
    "zenodo_token": "never put the token in the manifest; use the zenodo_token input",
}


def _kind(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return f"{str(value).lower()} (true/false)"
    if isinstance(value, (int, float)):
        return f"the number {value!r}"
    if isinstance(value, str):
        return "text"
    if isinstance(value, list):
        return "a list"
    return "a mapping"


def _allowed_keys(schema: dict[str, Any]) -> list[str]:
    keys = list(schema.get("properties", {}))
    else_branch = schema.get("else")
    if isinstance(else_branch, dict):
        keys += list(else_branch.get("properties", {}))
    return keys


def _describe(error: jsonschema.ValidationError) -> tuple[str, str]:
    schema = error.schema if isinstance(error.schema, dict) else {}
    given_hint: str | None = schema.get("x-hint")
    message, default_hint = _generic(error)
    return message, given_hint or default_hint


def _generic(error: jsonschema.ValidationError) -> tuple[str, str]:
    schema = error.schema if isinstance(error.schema, dict) else {}
    validator, instance = error.validator, error.instance
    value: Any = error.validator_value
    if validator == "type":
        wanted = [value] if isinstance(value, str) else list(value)
        words = " or ".join(_TYPE_WORDS.get(str(w), str(w)) for w in wanted)
        return f"expected {words}, found {_kind(instance)}", f"write {words} here"
    if validator == "required":
        missing = [key for key in value if isinstance(instance, dict) and key not in instance]
        return f"missing required key {', '.join(missing)}", f"add {missing[0]}:"
    if validator == "enum":
        allowed = [str(v) for v in value]
        suggestion = did_you_mean(str(instance), allowed, "allowed")
        if not suggestion.startswith("did you mean"):
            suggestion = "use one of: " + ", ".join(allowed)
        return f"{instance!r} is not allowed here", suggestion
    if validator in ("anyOf", "oneOf") and "x-message" in schema:
        return str(schema["x-message"]), "see `zenodo-publish schema`"
    if validator == "minLength":
        return f"too short: at least {value} characters", f"write at least {value} characters"
    if validator == "minItems":
        return f"needs at least {value} item{'s' if value != 1 else ''}", "add an item"
    if validator in ("minProperties", "maxProperties"):
        return error.message, "check the keys of this mapping"
    if validator == "uniqueItems":
        return "the list holds the same item twice", "remove the repeated item"
    if validator == "pattern":
        return f"{instance!r} does not have the expected form", "see `zenodo-publish schema`"
    if validator in ("minimum", "maximum"):
        return f"{instance!r} is out of range ({validator} {value})", "use a value in range"
    if validator == "dependentRequired":
        return error.message, "add the missing key"
    return error.message, "see `zenodo-publish schema`"


def schema_problems(loaded: LoadedYaml) -> list[Problem]:
    """Every way ``loaded.data`` breaks the schema, as Problems in document order."""
    problems: list[Problem] = []
    for error in _validator().iter_errors(loaded.data):
        path: PathKey = tuple(error.absolute_path)
        if error.validator == "additionalProperties" and isinstance(error.instance, dict):
            schema = error.schema if isinstance(error.schema, dict) else {}
            allowed = _allowed_keys(schema)
            for key in error.instance:
                if key in allowed:
                    continue
                suggestion = MIGRATIONS.get(key) or did_you_mean(key, allowed, "key")
                if not suggestion.startswith("did you mean") and key not in MIGRATIONS:
                    suggestion = "remove it; allowed here: " + ", ".join(allowed)
                problems.append(
                    loaded.problem((*path, key), f"unknown key {key!r}", suggestion, at_key=True)
                )
            continue
        message, hint = _describe(error)
        problems.append(loaded.problem(path, message, hint))
    return _ordered(problems)


def _ordered(problems: list[Problem]) -> list[Problem]:
    unique = list(dict.fromkeys(problems))
    return sorted(unique, key=lambda p: (p.file, p.line or 0, p.column or 0, p.json_path))
