#!/usr/bin/env bash
# Print a topic's records to stdout (kafka-console-consumer.sh).
# Same flags and output as Kafka's script; runs build/bin/gregor-console-consumer (see kafka-run-tool.sh).
exec "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/kafka-run-tool.sh" gregor-console-consumer "$@"
