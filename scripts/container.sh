#!/usr/bin/env bash
# Build and run the action's container image with podman: no Docker engine, no registry.
# Follows ../shared/reference/container-builds.md (runc, explicit overlay driver from the very
# first podman command, ulimits, --pull=never, --network=host, the egress CA in the base and a
# pip.conf mounted for RUN steps only).
#
#   scripts/container.sh setup          install podman/runc/debootstrap if missing, create the
#                                       local base image localhost/zp-base (debootstrap, once)
#   scripts/container.sh build [TAG]    build the action image from ./Dockerfile on that base
#   scripts/container.sh run ARGS...    podman run --pull=never --rm --network=host ARGS...
#                                       (ZP_NETWORK=slirp4netns:... for a network of its own)
#   scripts/container.sh env            print the exports that point podman at our state
#
# All state lives under $ZP_CONTAINER_DIR (default: <repo>/.container, git-ignored). The
# debootstrap rootfs is kept as a tarball there, so a later setup only re-imports it.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
W=${ZP_CONTAINER_DIR:-$ROOT/.container}
BASE_IMAGE=${ZP_BASE_IMAGE:-localhost/zp-base:bookworm}
IMAGE=${ZP_IMAGE:-localhost/zenodo-publish:test}
SUITE=bookworm

t() {
    local s=$EPOCHREALTIME
    "$@"
    awk -v a="$s" -v b="$EPOCHREALTIME" -v c="$*" \
        'BEGIN{printf "TIME %6.1fs  %s\n", b-a, substr(c,1,70)}' >&2
}

write_config() {
    mkdir -p "$W"
    # Written on every call (cheap) so that a moved checkout still points at its own state.
    cat >"$W/containers.conf" <<CONF
[containers]
# CAP_SYS_RESOURCE is not in the bounding set here: podman's default rlimits
# (nofile=1048576, nproc=4194304) make the runtime fail with "setrlimit: operation not permitted".
default_ulimits = ["nofile=20000:20000", "nproc=4096:4096"]
[engine]
# crun rejects a cgroup v1 + cgroup2(hugetlb) hybrid layout; runc copes.
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
tmp_dir = "$W/libpod-tmp"
CONF
    cat >"$W/storage.conf" <<CONF
[storage]
# The driver must be named before the first podman command on this store: it is recorded in
# libpod's DB and a mismatch with conmon's --storage-driver flag makes every run wait 20 s.
driver = "overlay"
graphroot = "$W/storage"
runroot = "$W/runroot"
CONF
    # Upstream pip (python:3.x images) trusts its vendored certifi only; mounted for RUN steps.
    printf '[global]\ncert = /etc/ssl/certs/ca-certificates.crt\n' >"$W/pip-ctr.conf"
    export CONTAINERS_CONF=$W/containers.conf CONTAINERS_STORAGE_CONF=$W/storage.conf
}

install_packages() {
    local missing=()
    command -v podman >/dev/null || missing+=(podman)
    command -v runc >/dev/null || missing+=(runc)
    command -v debootstrap >/dev/null || missing+=(debootstrap)
    # A network namespace of the container's own (the https self-test), without touching the
    # host's firewall as a bridge network would.
    command -v slirp4netns >/dev/null || missing+=(slirp4netns)
    if ((${#missing[@]})); then
        if [[ $(id -u) != 0 ]]; then
            echo "container.sh: need ${missing[*]} (apt-get install as root)" >&2
            exit 2
        fi
        t apt-get update -qq
        DEBIAN_FRONTEND=noninteractive t apt-get install -y -qq "${missing[@]}" >/dev/null
    fi
}

make_base_tarball() {
    local tarball=$W/base-$SUITE.tar
    [[ -s $tarball ]] && return 0
    local mirror rootfs=$W/rootfs
    mirror=$(awk '/^URIs:/{print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null ||
        true)
    mirror=${mirror:-http://deb.debian.org/debian}
    rm -rf "$rootfs"
    t debootstrap --variant=minbase \
        --include=python3,python3-pip,python3-venv,git,ca-certificates \
        "$SUITE" "$rootfs" "$mirror" >"$W/debootstrap.log"
    # Trust the host's egress CA inside the image: the package index is reached through it.
    if compgen -G '/usr/local/share/ca-certificates/*.crt' >/dev/null; then
        cp /usr/local/share/ca-certificates/*.crt "$rootfs/usr/local/share/ca-certificates/"
    fi
    chroot "$rootfs" update-ca-certificates >/dev/null
    rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/cache/apt/*.bin \
        "$rootfs"/var/lib/apt/lists/*_Packages* "$rootfs"/var/lib/apt/lists/*_Translation*
    tar -C "$rootfs" -cf "$tarball.part" .
    mv "$tarball.part" "$tarball"
    rm -rf "$rootfs"
}

cmd_setup() {
    install_packages
    write_config
    if podman image exists "$BASE_IMAGE"; then
        echo "base image $BASE_IMAGE present"
        return 0
    fi
    make_base_tarball
    t podman import \
        --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
        --change 'ENV LANG=C.UTF-8' --change 'CMD ["python3"]' \
        "$W/base-$SUITE.tar" "$BASE_IMAGE" >/dev/null
}

cmd_build() {
    write_config
    local tag=${1:-$IMAGE}
    t podman build --pull=never --network=host -v "$W/pip-ctr.conf:/etc/pip.conf:ro" \
        --build-arg "BASE_IMAGE=$BASE_IMAGE" -t "$tag" -f "$ROOT/Dockerfile" "$ROOT"
}

cmd_run() {
    write_config
    exec podman run --pull=never --rm --network="${ZP_NETWORK:-host}" "$@"
}

case ${1:-} in
setup) cmd_setup ;;
build) shift; cmd_build "$@" ;;
run) shift; cmd_run "$@" ;;
env)
    write_config
    printf 'export CONTAINERS_CONF=%q CONTAINERS_STORAGE_CONF=%q\n' \
        "$CONTAINERS_CONF" "$CONTAINERS_STORAGE_CONF"
    ;;
*)
    sed -n '2,15p' "$0" >&2
    exit 2
    ;;
esac
