#!/usr/bin/env bash
# Installs what is needed, builds, and runs every test:
#   1. unit tests (GoogleTest via ctest) on the Release build;
#   2. the same unit tests on the AddressSanitizer/UBSan build;
#   3. the request-decoder fuzzer, briefly;
#   4. integration tests (pytest): real ZooKeeper, real brokers, real clients (kcat, kafka-python,
#      confluent-kafka-python) and our own operator scripts.
# Environment: GREGOR_SKIP_ASAN=1 / GREGOR_SKIP_FUZZ=1 skip stages 2 / 3 (for quick local runs only;
# CI runs everything). GREGOR_FUZZ_SECONDS sets the fuzzing time (default 60).
set -euo pipefail
cd "$(dirname "$0")/.."
start=$(date +%s)
stage() { echo; echo "=== $* ($(( $(date +%s) - start ))s) ==="; }

stage "installing dependencies"
scripts/install-deps.sh

stage "building (Release)"
scripts/build.sh release

stage "unit tests (Release)"
ctest --test-dir build --output-on-failure -j "$(nproc)" -L unit

if [[ ${GREGOR_SKIP_ASAN:-0} != 1 ]]; then
  stage "building (ASan+UBSan)"
  # Only what this stage runs: the unit-test binaries (with what they start, e.g. gregor-server).
  mapfile -t unit_targets < <(ctest --test-dir build -N -L unit | sed -n 's/^ *Test *#[0-9]*: //p')
  scripts/build.sh asan gregor-server "${unit_targets[@]}"
  stage "unit tests (ASan+UBSan)"
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    ctest --test-dir build-asan --output-on-failure -j "$(nproc)" -L unit
fi

if [[ ${GREGOR_SKIP_FUZZ:-0} != 1 && -x scripts/fuzz.sh ]]; then
  stage "fuzzing the request decoders"
  scripts/fuzz.sh "${GREGOR_FUZZ_SECONDS:-60}"
fi

if [[ -d tests/integration && -n $(ls tests/integration/test_*.py 2>/dev/null) ]]; then
  stage "integration tests"
  # Debian's interpreter: python3-kafka and python3-confluent-kafka import only there.
  GREGOR_BUILD_DIR=$PWD/build /usr/bin/python3 -m pytest -p no:cacheprovider -v tests/integration
fi
stage "all tests passed"
