#!/usr/bin/env bash
# Producer load test (kafka-producer-perf-test.sh): Kafka's flags and output lines, driven by
# librdkafka. Runs build/bin/gregor-producer-perf-test (see kafka-run-tool.sh).
exec "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/kafka-run-tool.sh" gregor-producer-perf-test "$@"
