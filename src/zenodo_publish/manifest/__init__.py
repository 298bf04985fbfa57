"""The manifest (SPEC §3): loading with line and column, the JSON Schema, typed settings,
metadata sources with precedence, vocabularies, and file selection.

The sync engine uses::

    manifest = load_manifest(Path("zenodo.yaml"))            # ManifestError lists every problem
    local = resolve_files(manifest, build_dir=Path(".zenodo-build"))
"""

from __future__ import annotations

from zenodo_publish.manifest.files import (
    MAX_BYTES,
    MAX_FILES,
    MAX_NAME_LENGTH,
    LocalFile,
    LocalState,
    resolve_files,
    select_files,
)
from zenodo_publish.manifest.rules import FileRule, FileSettings
from zenodo_publish.manifest.schema import manifest_schema, schema_text
from zenodo_publish.manifest.settings import (
    PRODUCTION_API,
    SANDBOX_API,
    Endpoint,
    Manifest,
    PublishPolicy,
    inspect_manifest,
    load_manifest,
    parse_endpoint,
)
from zenodo_publish.metadata.model import Metadata, ResolvedMetadata

__all__ = [
    "MAX_BYTES",
    "MAX_FILES",
    "MAX_NAME_LENGTH",
    "PRODUCTION_API",
    "SANDBOX_API",
    "Endpoint",
    "FileRule",
    "FileSettings",
    "LocalFile",
    "LocalState",
    "Manifest",
    "Metadata",
    "PublishPolicy",
    "ResolvedMetadata",
    "inspect_manifest",
    "load_manifest",
    "manifest_schema",
    "parse_endpoint",
    "resolve_files",
    "schema_text",
    "select_files",
]
