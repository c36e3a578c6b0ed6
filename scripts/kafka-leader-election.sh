#!/usr/bin/env bash
# Elect preferred or unclean leaders (kafka-leader-election.sh, ElectLeaders at the controller).
# Same flags and output as Kafka's script; runs build/bin/gregor-leader-election.
exec "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/kafka-run-tool.sh" gregor-leader-election "$@"
