#!/usr/bin/env bash
# Gregor's performance baseline in one command (docs/PERFORMANCE.md explains the figures).
#
#   scripts/bench/run.sh [--runs N] [--profile] [--quick] [--out FILE] [--keep] ...   (see --help)
#   scripts/bench/run.sh replication [--runs N] [--rate R] [--quick] [--out FILE] ...  (3 brokers;
#                                    scripts/bench/replication.py --help)
#
# Builds the Release binaries it needs (scripts/build.sh release ...; a no-op when up to date),
# then runs scripts/bench/bench.py, which starts its own ZooKeeper and broker in a temporary
# directory on free ports, measures, stops both by PID and prints a markdown table.
# Environment: GREGOR_BUILD_DIR=<dir> uses that (configured) build directory instead of build/;
# GREGOR_BENCH_NO_BUILD=1 skips the build step (the binaries must exist).
set -euo pipefail

driver=bench.py
if [[ ${1:-} == replication ]]; then
  driver=replication.py
  shift
fi

root=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/../.." && pwd)
targets=(gregor-server gregor-producer-perf-test gregor-consumer-perf-test gregor-bench-probe)
build_dir=${GREGOR_BUILD_DIR:-$root/build}

if [[ ${GREGOR_BENCH_NO_BUILD:-0} != 1 ]]; then
  if [[ -z ${GREGOR_BUILD_DIR:-} ]]; then
    "$root/scripts/build.sh" release "${targets[@]}" >&2
  else
    ninja -C "$build_dir" "${targets[@]}" >&2
  fi
fi
for t in "${targets[@]}"; do
  if [[ ! -x $build_dir/bin/$t ]]; then
    echo "error: $build_dir/bin/$t is missing" >&2
    exit 1
  fi
done
if grep -q '^CMAKE_BUILD_TYPE:STRING=Debug' "$build_dir/CMakeCache.txt" 2>/dev/null; then
  echo "warning: $build_dir is a Debug build; figures will not be representative" >&2
fi
exec /usr/bin/python3 "$root/scripts/bench/$driver" --build-dir "$build_dir" "$@"
