#!/usr/bin/env bash
# List, describe and abort transactions, and describe a partition's producers (kafka-transactions.sh).
# Same flags and output as Kafka's script; runs build/bin/gregor-transactions (see kafka-run-tool.sh).
exec "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/kafka-run-tool.sh" gregor-transactions "$@"
