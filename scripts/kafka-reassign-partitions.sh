#!/usr/bin/env bash
# Move partition replicas between brokers (kafka-reassign-partitions.sh): --generate, --execute,
# --verify, --cancel, --list with --bootstrap-server, or --generate/--execute/--verify with the
# deprecated --zookeeper. Same flags and output as Kafka's script; runs build/bin/gregor-reassign-partitions.
exec "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/kafka-run-tool.sh" gregor-reassign-partitions "$@"
