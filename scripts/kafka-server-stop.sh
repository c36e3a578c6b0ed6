#!/usr/bin/env bash
# Stops Gregor brokers on this host with SIGTERM (the broker drains in-flight requests, flushes its
# logs, deregisters from ZooKeeper and exits 0), as Kafka's script does for kafka.Kafka processes.
#   kafka-server-stop.sh            every gregor-server process of this user
#   kafka-server-stop.sh PIDFILE    only the broker whose PID the file holds
# Waits up to 60 s for the brokers to exit.
set -euo pipefail

if [[ $# -ge 1 ]]; then
  pids=$(cat "$1" 2>/dev/null || true)
else
  pids=$(pgrep -u "$(id -u)" -x gregor-server || true)
fi
if [[ -z $pids ]]; then
  echo "No gregor server to stop"
  exit 1
fi
kill -TERM $pids 2>/dev/null || true
for _ in $(seq 1 600); do
  alive=""
  for p in $pids; do
    if kill -0 "$p" 2>/dev/null; then alive="$alive $p"; fi
  done
  [[ -z $alive ]] && exit 0
  sleep 0.1
done
echo "gregor server(s)$alive did not stop within 60 s" >&2
exit 1
