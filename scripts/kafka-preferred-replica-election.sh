#!/usr/bin/env bash
# Move leadership back to the preferred replicas (Kafka 2.x's kafka-preferred-replica-election.sh:
# --zookeeper writes /admin/preferred_replica_election, --bootstrap-server sends ElectLeaders).
# Runs build/bin/gregor-preferred-replica-election.
exec "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/kafka-run-tool.sh" gregor-preferred-replica-election "$@"
