#!/usr/bin/env bash
# Cold start of the action's container: building it from the Dockerfile (what `uses: ...@main`
# costs every run) against starting the prebuilt image (what a release tag costs: a pull of the
# image by digest, here simulated with `podman save` / `podman load` since no registry is
# reachable). Each path ends with one `validate` run of the action, as the runner would start it.
#
#   bench/container_cold_start.sh [ROUNDS]      (needs `scripts/container.sh setup` first)
#
# Prints one line per round and the medians; the ratio build/prebuilt is the figure to quote.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
ROUNDS=${1:-3}
SCRIPT=$ROOT/scripts/container.sh
eval "$("$SCRIPT" env)"
W=${ZP_CONTAINER_DIR:-$ROOT/.container}
BASE=${ZP_BASE_IMAGE:-localhost/zp-base:bookworm}
TAG=localhost/zenodo-publish:cold-start
ARCHIVE=$W/cold-start-image.tar
WS=$(mktemp -d)
trap 'rm -rf "$WS" "$ARCHIVE"; podman rmi -f "$TAG" >/dev/null 2>&1 || true' EXIT
cp -r "$ROOT/tests/container/workspace/." "$WS/"

now() { date +%s.%N; }
minus() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", a - b}'; }
run_action() {
    podman run --pull=never --rm --network=host --workdir /github/workspace \
        -e INPUT_MODE=validate -e GITHUB_WORKSPACE=/github/workspace -e GITHUB_EVENT_NAME=push \
        -e GITHUB_REF=refs/heads/main -e GITHUB_REF_TYPE=branch -e GITHUB_REF_NAME=main \
        -v "$WS:/github/workspace" "$TAG" >/dev/null
}

builds=() prebuilts=()
for round in $(seq "$ROUNDS"); do
    podman rmi -f "$TAG" >/dev/null 2>&1 || true
    start=$(now)
    podman build --pull=never --no-cache --network=host -q \
        -v "$W/pip-ctr.conf:/etc/pip.conf:ro" --build-arg "BASE_IMAGE=$BASE" \
        -t "$TAG" -f "$ROOT/Dockerfile" "$ROOT" >/dev/null
    run_action
    build=$(minus "$(now)" "$start")

    podman save -q -o "$ARCHIVE" "$TAG"
    podman rmi -f "$TAG" >/dev/null
    start=$(now)
    podman load -q -i "$ARCHIVE" >/dev/null
    run_action
    prebuilt=$(minus "$(now)" "$start")
    rm -f "$ARCHIVE"
    printf 'round %d: build + run %6.1f s   load prebuilt + run %5.1f s\n' \
        "$round" "$build" "$prebuilt"
    builds+=("$build") prebuilts+=("$prebuilt")
done
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
b=$(median "${builds[@]}") p=$(median "${prebuilts[@]}")
awk -v b="$b" -v p="$p" \
    'BEGIN {printf "median: build + run %.1f s, load prebuilt + run %.1f s, ratio %.1fx\n", b, p, b / p}'
podman image inspect "$TAG" --format 'image size: {{.Size}} bytes' 2>/dev/null || true
