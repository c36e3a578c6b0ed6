#!/usr/bin/env bash
# Delete records of partitions below given offsets (kafka-delete-records.sh).
# Same flags and output as Kafka's script; runs build/bin/gregor-delete-records (see kafka-run-tool.sh).
exec "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/kafka-run-tool.sh" gregor-delete-records "$@"
