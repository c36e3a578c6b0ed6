#!/usr/bin/env bash
# Dump the contents of log segment and index files (kafka-dump-log.sh), offline.
# Same flags and output as Kafka's script; runs build/bin/gregor-dump-log (see kafka-run-tool.sh).
exec "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/kafka-run-tool.sh" gregor-dump-log "$@"
