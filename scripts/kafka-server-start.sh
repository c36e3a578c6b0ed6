#!/usr/bin/env bash
# Starts a Gregor broker, as Kafka's script does:
#   kafka-server-start.sh [-daemon] server.properties [--override key=value]...
# Builds the broker first (Release, into build/) if there is no build yet.
# With -daemon the broker runs in the background, logging to $LOG_DIR/gregorServer.out
# (LOG_DIR defaults to logs/ in the repository), and its PID goes to $LOG_DIR/gregorServer.pid.
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

if [[ $daemon == 1 ]]; then
  log_dir=${LOG_DIR:-$root/logs}
  mkdir -p "$log_dir"
  nohup "$binary" "$@" >>"$log_dir/gregorServer.out" 2>&1 </dev/null &
  echo $! >"$log_dir/gregorServer.pid"
  exit 0
fi
exec "$binary" "$@"
