#!/usr/bin/env bash
# Query the log directories of brokers (kafka-log-dirs.sh --describe): sizes per partition.
# Same flags and output as Kafka's script; runs build/bin/gregor-log-dirs (see kafka-run-tool.sh).
exec "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/kafka-run-tool.sh" gregor-log-dirs "$@"
