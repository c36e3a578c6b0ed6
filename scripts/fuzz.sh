#!/usr/bin/env bash
# Builds the request-decoding and internal-record fuzzers with clang (libFuzzer + ASan + UBSan) in build-fuzz, seeds
# its corpus from tests/data/captures and runs it. Usage: scripts/fuzz.sh [seconds, default 60]
# Exits non-zero if the fuzzer finds a crash (the input is left in build-fuzz/fuzz-artifacts/).
set -euo pipefail

seconds="${1:-60}"
root="$(cd "$(dirname "$0")/.." && pwd)"
build="$root/build-fuzz"
sanitize="-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer"

CC=clang CXX=clang++ cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DGREGOR_FUZZ=ON -DGREGOR_TESTS=OFF -DCMAKE_C_FLAGS="$sanitize" -DCMAKE_CXX_FLAGS="$sanitize" >/dev/null
ninja -C "$build" -j2 request_decode_fuzz offsets_record_fuzz txn_record_fuzz

corpus="$build/fuzz-corpus"
artifacts="$build/fuzz-artifacts"
mkdir -p "$corpus" "$artifacts"
for f in "$root"/tests/data/captures/*.bin; do
  tail -c +5 "$f" > "$corpus/seed_$(basename "$f")"  # drop the int32 size prefix
done

UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
  "$build/tests/fuzz/request_decode_fuzz" -max_total_time="$seconds" -max_len=65536 \
  -rss_limit_mb=2048 -timeout=10 -print_final_stats=1 -artifact_prefix="$artifacts/" "$corpus"

# The __consumer_offsets record decoders (what a coordinator replays from disk): a quarter of the time.
mkdir -p "$build/offsets-corpus"
UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
  "$build/tests/fuzz/offsets_record_fuzz" -max_total_time="$(( seconds / 4 + 1 ))" -max_len=4096 \
  -rss_limit_mb=2048 -timeout=10 -print_final_stats=1 -artifact_prefix="$artifacts/" "$build/offsets-corpus"

# The __transaction_state record decoders: an eighth of the time.
mkdir -p "$build/txn-corpus"
UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
  "$build/tests/fuzz/txn_record_fuzz" -max_total_time="$(( seconds / 8 + 1 ))" -max_len=4096 \
  -rss_limit_mb=2048 -timeout=10 -print_final_stats=1 -artifact_prefix="$artifacts/" "$build/txn-corpus"
