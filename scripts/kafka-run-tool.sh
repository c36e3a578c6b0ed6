#!/usr/bin/env bash
# Shared by the kafka-*.sh wrappers: runs one of Gregor's tool binaries with the given arguments.
# Usage: scripts/kafka-run-tool.sh <binary> [args...]     e.g. kafka-run-tool.sh gregor-topics --list ...
#
# The binary comes from $GREGOR_BUILD_DIR/bin when that is set, else from the Release build in
# build/bin. A missing binary is built first (scripts/build.sh release, or ninja in
# $GREGOR_BUILD_DIR); build output goes to stderr so that the tool's stdout stays clean.
set -euo pipefail

root=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)
if [[ $# -lt 1 ]]; then
  echo "usage: $0 <tool-binary> [args...]" >&2
  exit 2
fi
tool=$1
shift

build_dir=${GREGOR_BUILD_DIR:-$root/build}
bin=$build_dir/bin/$tool
if [[ ! -x $bin ]]; then
  if [[ -z ${GREGOR_BUILD_DIR:-} ]]; then
    echo "$tool is not built yet; building it (scripts/build.sh release $tool)..." >&2
    "$root/scripts/build.sh" release "$tool" >&2
  elif [[ -f $build_dir/build.ninja ]]; then
    echo "$tool is not built yet; building it in $build_dir..." >&2
    ninja -C "$build_dir" "$tool" >&2
  else
    echo "error: $bin does not exist and $build_dir is not a configured build directory" >&2
    exit 1
  fi
fi
exec "$bin" "$@"
