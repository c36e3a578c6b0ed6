#!/usr/bin/env bash
# Describe or change topic and broker configs (kafka-configs.sh).
# Same flags and output as Kafka's script; runs build/bin/gregor-configs (see kafka-run-tool.sh).
exec "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/kafka-run-tool.sh" gregor-configs "$@"
