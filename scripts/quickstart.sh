#!/usr/bin/env bash
# One command from a fresh Debian 12 machine to a running single-broker Gregor cluster:
#   scripts/quickstart.sh        install packages, build (Release), start ZooKeeper on 127.0.0.1:2181
#                                and one broker from config/server.properties on 127.0.0.1:9092, then
#                                print what to try next
# All state (ZooKeeper's data, the broker's log.dirs, logs, PID files) lives under .quickstart/
# (or $GREGOR_QUICKSTART_DIR), so ZooKeeper's cluster id and the broker's meta.properties always
# belong together; delete that directory to start from scratch.
#   scripts/quickstart.sh stop   stop the broker (clean shutdown) and ZooKeeper
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
state=${GREGOR_QUICKSTART_DIR:-$root/.quickstart}
zk_port=2181
broker_port=9092

script_name=quickstart
# shellcheck source-path=SCRIPTDIR source=lib/local-services.sh
source "$root/scripts/lib/local-services.sh"
broker_ok() { grep -q "started (listeners" "$state/gregorServer.out" 2>/dev/null && nc -z 127.0.0.1 $broker_port; }

if [[ ${1:-} == stop ]]; then
  if pid_alive "$state/gregorServer.pid"; then
    "$root/scripts/kafka-server-stop.sh" "$state/gregorServer.pid" && echo "broker stopped"
  fi
  zk_stop "$state"
  rm -f "$state/gregorServer.pid"
  exit 0
fi

"$root/scripts/install-deps.sh"
"$root/scripts/build.sh" release gregor-server gregor-topics gregor-console-producer gregor-console-consumer
mkdir -p "$state"
zk_start "$state" $zk_port

if pid_alive "$state/gregorServer.pid"; then
  echo "broker already running (pid $(cat "$state/gregorServer.pid"))"
else
  : >"$state/gregorServer.out"
  LOG_DIR=$state "$root/scripts/kafka-server-start.sh" -daemon "$root/config/server.properties" \
    --override "log.dirs=$state/gregor-logs"
  if ! wait_for 60 "the broker" broker_ok; then
    tail -20 "$state/gregorServer.out" >&2
    exit 1
  fi
  echo "broker 0 started on 127.0.0.1:$broker_port (pid $(cat "$state/gregorServer.pid"), log $state/gregorServer.out)"
fi

cat <<MSG

Gregor is running. Try it (the same commands as Kafka's quickstart):

  scripts/kafka-topics.sh --create --topic quickstart-events --partitions 3 --replication-factor 1 --bootstrap-server 127.0.0.1:9092
  scripts/kafka-topics.sh --describe --topic quickstart-events --bootstrap-server 127.0.0.1:9092
  printf 'first event\nsecond event\n' | scripts/kafka-console-producer.sh --topic quickstart-events --bootstrap-server 127.0.0.1:9092
  scripts/kafka-console-consumer.sh --topic quickstart-events --from-beginning --max-messages 2 --bootstrap-server 127.0.0.1:9092

Stop everything with: scripts/quickstart.sh stop
MSG
