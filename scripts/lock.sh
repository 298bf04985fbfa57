#!/usr/bin/env bash
# Regenerate requirements.lock (the container image's exact, hash-checked runtime dependencies)
# from pyproject.toml's [project] dependencies, with pip-tools in a throwaway venv.
# Hashes cover every file PyPI has for each pinned version, so the lock installs on
# python:3.12-slim (GitHub) and on the local Debian base (Python 3.11) alike.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
# Ignore local pip settings (mirrors, find-links): the lock must name PyPI's files.
export PIP_CONFIG_FILE=/dev/null
unset PIP_FIND_LINKS PIP_EXTRA_INDEX_URL PIP_INDEX_URL
python3 -m venv "$TMP/venv"
"$TMP/venv/bin/pip" install --quiet pip-tools
cp "$ROOT/pyproject.toml" "$ROOT/README.md" "$TMP/"
cd "$TMP"
"$TMP/venv/bin/pip-compile" --quiet --generate-hashes --strip-extras --allow-unsafe \
    --no-emit-index-url --no-emit-find-links --output-file=requirements.lock pyproject.toml
cp requirements.lock "$ROOT/requirements.lock"
echo "wrote $ROOT/requirements.lock"
