#!/usr/bin/env bash
# Starts a Gregor broker, as Kafka's script does:
#   kafka-server-start.sh [-daemon] server.properties [--override key=value]...
# Builds the broker first (Release, into build/) if there is no build yet.
# The broker writes Kafka's log files (server.log, controller.log, state-change.log, log-cleaner.log,
# rolled hourly) to $LOG_DIR, which defaults to logs/ in the repository as Kafka's does, and its
# console output to stderr. With -daemon it runs in the background, its console output goes to
# $LOG_DIR/gregorServer.out and its PID to $LOG_DIR/gregorServer.pid.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)

if [[ $# -lt 1 ]]; then
  echo "USAGE: $0 [-daemon] server.properties [--override property=value]*" >&2
  exit 1
fi
daemon=0
if [[ $1 == -daemon ]]; then
  daemon=1
  shift
fi

binary=${GREGOR_BUILD_DIR:-$root/build}/bin/gregor-server
if [[ ! -x $binary ]]; then
  echo "No broker build found; building it (Release) first..." >&2
  "$root/scripts/build.sh" release gregor-server >&2
fi

export LOG_DIR=${LOG_DIR:-$root/logs}
mkdir -p "$LOG_DIR"
if [[ $daemon == 1 ]]; then
  nohup "$binary" "$@" >>"$LOG_DIR/gregorServer.out" 2>&1 </dev/null &
  echo $! >"$LOG_DIR/gregorServer.pid"
  exit 0
fi
exec "$binary" "$@"
