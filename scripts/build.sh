#!/usr/bin/env bash
# Configures and builds Gregor. Usage: scripts/build.sh [release|debug|asan] [extra ninja targets...]
#   release -> build/        (-O3, the quickstart and benchmarks use it)
#   debug   -> build-debug/
#   asan    -> build-asan/   (AddressSanitizer + UndefinedBehaviorSanitizer, run by scripts/test.sh)
set -euo pipefail
cd "$(dirname "$0")/.."

# ccache (when installed) keys on paths relative to the repository, so clones share one cache.
export CCACHE_BASEDIR=${CCACHE_BASEDIR:-$PWD}

kind=${1:-release}
shift || true
case "$kind" in
  release) dir=build;       args=(-DCMAKE_BUILD_TYPE=Release) ;;
  debug)   dir=build-debug; args=(-DCMAKE_BUILD_TYPE=Debug) ;;
  # -O0 with line tables only: sanitizer reports keep file:line, and the build stays fast (-O1
  # costs a third more compile time on our coroutine-heavy code for little gain in test run time).
  asan)    dir=build-asan;  args=(-DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG="-O0 -g1" -DGREGOR_SANITIZE=ON) ;;
  *) echo "usage: $0 [release|debug|asan] [targets...]" >&2; exit 2 ;;
esac

if [[ ! -f $dir/build.ninja ]]; then
  cmake -S . -B "$dir" -G Ninja "${args[@]}"
fi
jobs=$(nproc)
ninja -C "$dir" -j "$jobs" "$@"
