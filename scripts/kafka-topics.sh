#!/usr/bin/env bash
# Create, delete, describe, or change a topic (kafka-topics.sh).
# Same flags and output as Kafka's script; runs build/bin/gregor-topics (see kafka-run-tool.sh).
exec "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/kafka-run-tool.sh" gregor-topics "$@"
