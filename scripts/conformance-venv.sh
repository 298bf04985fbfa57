#!/usr/bin/env bash
# Create (or reuse) the conformance venv: the stock InvenioRDM REST API plus pytest, pinned by
# tests/conformance/requirements.lock. The venv lives in the user cache under a hash of the lock
# and of this script, so it is built once per lock change and shared by every checkout;
# .venv-conformance is a symlink to it. Our own package is NOT installed into it (a shared venv
# must not point at one checkout's sources): the tests put src/ on PYTHONPATH.
set -euo pipefail
cd "$(dirname "$0")/.."
LOCK=tests/conformance/requirements.lock
PYTHON=${PYTHON:-python3}
hash=$(cat "$LOCK" "$0" | sha256sum | cut -c1-16)
cache=${XDG_CACHE_HOME:-$HOME/.cache}/zenodo-publish
venv=$cache/venv-conformance-$hash
mkdir -p "$cache"
(
    # One builder at a time per machine; a half-built venv has no .installed and is rebuilt.
    flock 9
    if [[ ! -f $venv/.installed ]]; then
        started=$(date +%s)
        rm -rf "$venv"
        "$PYTHON" -m venv "$venv"
        "$venv/bin/python" -m pip install --quiet --upgrade -c "$LOCK" pip
        "$venv/bin/python" -m pip install --quiet -c "$LOCK" \
            'invenio-app-rdm[opensearch2]' invenio-rdm-records invenio-records-resources \
            invenio-drafts-resources pytest requests pyyaml jsonschema markdown-it-py werkzeug \
            2> >(grep -v "is ignored: it is neither a file nor a directory" >&2)
        touch "$venv/.installed"
        echo "conformance venv built in $(( $(date +%s) - started ))s: $venv" >&2
    fi
) 9>"$cache/.conformance-venv.lock"
ln -sfn "$venv" .venv-conformance
