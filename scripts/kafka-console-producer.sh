#!/usr/bin/env bash
# Read lines from stdin and publish them to a topic (kafka-console-producer.sh).
# Same flags and output as Kafka's script; runs build/bin/gregor-console-producer (see kafka-run-tool.sh).
exec "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/kafka-run-tool.sh" gregor-console-producer "$@"
