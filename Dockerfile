# The Zenodo Publish action. On main, GitHub builds this on every run with the default base;
# release tags run the image the release workflow built from it (by digest). Locally
# `scripts/container.sh build` passes a base made with debootstrap (no registry here).
#
# The default base is python:3.12-slim pinned by digest, in a stage of its own: Dependabot
# updates digests in FROM lines but does not evaluate ARG defaults. A build with another
# BASE_IMAGE never uses (nor pulls) the pinned stage.
ARG BASE_IMAGE=pinned-base
FROM python:3.12-slim@sha256:78387bc3881b8273120a12ebe6c1ab22b018ccc2c9adf565ae1ac9b536e184ea AS pinned-base
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
# The lock includes the s3 extra (boto3, for mirrors). botocore ships the API models of every
# AWS service (28 MB); mirrors need S3's, and STS, SSO and sign-in's for the credential chain
# (web identity, profiles): the others are removed (+8 MB instead of +36 MB).
RUN python3 -m venv /venv \
    && /venv/bin/pip install --no-cache-dir --disable-pip-version-check \
        --require-hashes --no-deps -r /opt/zenodo-publish/requirements.lock \
    && data="$(/venv/bin/python -I -c 'import botocore, os; print(os.path.dirname(botocore.__file__))')/data" \
    && find "$data" -mindepth 1 -maxdepth 1 -type d \
        ! -name s3 ! -name sts ! -name sso ! -name sso-oidc ! -name signin -exec rm -rf {} +

COPY pyproject.toml README.md /opt/zenodo-publish/
COPY src/ /opt/zenodo-publish/src/
RUN /venv/bin/pip install --no-cache-dir --disable-pip-version-check --no-deps /opt/zenodo-publish \
    && rm -rf /opt/zenodo-publish/src /opt/zenodo-publish/build \
    && /venv/bin/pip check \
    && /venv/bin/python -I -c "import zenodo_publish.github.entrypoint, jsonschema, yaml, requests" \
    && /venv/bin/python -I -c "import sys, zenodo_publish.github.entrypoint; \
assert 'boto3' not in sys.modules, 'start-up must not import boto3'; \
import boto3; s = boto3.session.Session(region_name='us-east-1'); s.client('s3'); s.client('sts')"

ENV PYTHONUNBUFFERED=1

# No USER (the runner mounts the workspace for root) and no WORKDIR (the runner sets
# /github/workspace). -I keeps the workspace off sys.path: a repository holding a `yaml/` or
# `requests.py` must not shadow the action's own imports; -u because -I ignores PYTHON* vars.
ENTRYPOINT ["/venv/bin/python", "-I", "-u", "-m", "zenodo_publish.github"]
