# The Zenodo Publish action. GitHub builds this on every run with the default base; locally
# `scripts/container.sh build` passes a base made with debootstrap (no registry here).
ARG BASE_IMAGE=python:3.12-slim
FROM ${BASE_IMAGE}

# git for the record-file commit. The local Debian base already has it; python:slim does not.
# hadolint ignore=DL3008
RUN if ! command -v git >/dev/null 2>&1; then \
        apt-get update \
        && apt-get install -y --no-install-recommends git \
        && rm -rf /var/lib/apt/lists/*; \
    fi

# Exact, hash-checked runtime dependencies first (a layer that changes only with the lock),
# then the package itself without resolving anything.
COPY requirements.lock /opt/zenodo-publish/requirements.lock
RUN python3 -m venv /venv \
    && /venv/bin/pip install --no-cache-dir --disable-pip-version-check \
        --require-hashes --no-deps -r /opt/zenodo-publish/requirements.lock

COPY pyproject.toml README.md /opt/zenodo-publish/
COPY src/ /opt/zenodo-publish/src/
RUN /venv/bin/pip install --no-cache-dir --disable-pip-version-check --no-deps /opt/zenodo-publish \
    && rm -rf /opt/zenodo-publish/src /opt/zenodo-publish/build \
    && /venv/bin/pip check \
    && /venv/bin/python -I -c "import zenodo_publish.github.entrypoint, jsonschema, yaml, requests"

ENV PYTHONUNBUFFERED=1

# No USER (the runner mounts the workspace for root) and no WORKDIR (the runner sets
# /github/workspace). -I keeps the workspace off sys.path: a repository holding a `yaml/` or
# `requests.py` must not shadow the action's own imports; -u because -I ignores PYTHON* vars.
ENTRYPOINT ["/venv/bin/python", "-I", "-u", "-m", "zenodo_publish.github"]
