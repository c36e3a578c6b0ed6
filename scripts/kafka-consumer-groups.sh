#!/usr/bin/env bash
# List, describe and delete consumer groups; reset or delete their offsets (kafka-consumer-groups.sh).
# Same flags and output as Kafka's script; runs build/bin/gregor-consumer-groups (see kafka-run-tool.sh).
exec "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/kafka-run-tool.sh" gregor-consumer-groups "$@"
