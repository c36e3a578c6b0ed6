#!/usr/bin/env bash
# Consumer load test (kafka-consumer-perf-test.sh): Kafka's flags and CSV output, driven by
# librdkafka; assigns every partition itself until consumer groups exist (issue 4).
# Runs build/bin/gregor-consumer-perf-test (see kafka-run-tool.sh).
exec "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/kafka-run-tool.sh" gregor-consumer-perf-test "$@"
