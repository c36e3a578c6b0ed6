#!/usr/bin/env bash
# Installs what is needed, builds, and runs every test:
#   1. the Release build of the programs (daemon, operator and perf tools) and the CLI tools'
#      unit tests, which run there;
#   2. integration tests (pytest): real ZooKeeper, real brokers, real clients (kcat, kafka-python,
#      confluent-kafka-python) and our own operator scripts, on the Release build;
#   3. every other unit test, on the AddressSanitizer/UBSan build;
#   4. the request-decoder fuzzer, briefly.
# Each unit test is compiled once: the Release build has only what the integration tests run (a
# third less to compile), the ASan build only the unit tests. The ASan build (the longest compile)
# runs in the background at the lowest CPU priority while the integration tests run: those mostly
# wait on brokers and timers, so the compiler takes the idle CPU and the tests keep priority. Its
# log is build-asan.log.
# Environment: GREGOR_SKIP_ASAN=1 skips the ASan build and runs every unit test on the Release
# build instead; GREGOR_SKIP_FUZZ=1 skips stage 4 (both for quick local runs only; CI runs
# everything). GREGOR_FUZZ_SECONDS sets the fuzzing time (default 60).
set -euo pipefail
cd "$(dirname "$0")/.."
start=$(date +%s)
stage() { echo; echo "=== $* ($(( $(date +%s) - start ))s) ==="; }

stage "installing dependencies"
scripts/install-deps.sh

# The CLI tools' tests (option parsing and output formats) run on the Release build: under ASan
# they would build every tool binary, a third of that build's compile time, for code that handles
# no untrusted input. Everything gregor-server links, the client library and the decoders run
# under ASan.
release_unit='^(tools_test|tools_broker_test)$'
if [[ ${GREGOR_SKIP_ASAN:-0} == 1 ]]; then
  stage "building (Release)"
  scripts/build.sh release
  release_unit='.'
else
  stage "building (Release): programs and the CLI tools' tests"
  scripts/build.sh release gregor-programs tools_test tools_broker_test
fi

stage "unit tests (Release)"
ctest --test-dir build --output-on-failure -j "$(nproc)" -L unit -R "$release_unit"

asan_pid=
if [[ ${GREGOR_SKIP_ASAN:-0} != 1 ]]; then
  stage "building (ASan+UBSan) in the background"
  # Only what stage 3 runs: the unit-test binaries (with what they start, e.g. gregor-server).
  mapfile -t unit_targets < <(ctest --test-dir build -N -L unit | sed -n 's/^ *Test *#[0-9]*: //p' |
                              grep -Ev "$release_unit")
  nice -n 19 scripts/build.sh asan gregor-server "${unit_targets[@]}" > build-asan.log 2>&1 &
  asan_pid=$!
  # A failing stage must not leave the compiler running behind us.
  trap '[[ -z $asan_pid ]] || { pkill -P "$asan_pid"; kill "$asan_pid"; } 2>/dev/null || true' EXIT
fi

if [[ -d tests/integration && -n $(ls tests/integration/test_*.py 2>/dev/null) ]]; then
  stage "integration tests"
  # Debian's interpreter: python3-kafka and python3-confluent-kafka import only there.
  GREGOR_BUILD_DIR=$PWD/build /usr/bin/python3 -m pytest -p no:cacheprovider -v --durations=25 tests/integration
fi

if [[ -n $asan_pid ]]; then
  stage "waiting for the ASan+UBSan build"
  if ! wait "$asan_pid"; then
    asan_pid=
    tail -n 60 build-asan.log
    echo "the ASan+UBSan build failed (full log: build-asan.log)" >&2
    exit 1
  fi
  asan_pid=
  stage "unit tests (ASan+UBSan)"
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    ctest --test-dir build-asan --output-on-failure -j "$(nproc)" -L unit -E "$release_unit"
fi

if [[ ${GREGOR_SKIP_FUZZ:-0} != 1 && -x scripts/fuzz.sh ]]; then
  stage "fuzzing the request decoders"
  scripts/fuzz.sh "${GREGOR_FUZZ_SECONDS:-60}"
fi
stage "all tests passed"
