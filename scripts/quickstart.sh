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

wait_for() {  # wait_for <seconds> <description> <command...>
  local limit=$1 what=$2
  shift 2
  for _ in $(seq 1 $((limit * 10))); do
    if "$@" >/dev/null 2>&1; then return 0; fi
    sleep 0.1
  done
  echo "quickstart: $what did not come up within ${limit}s" >&2
  return 1
}
alive() { [[ -f $1 ]] && kill -0 "$(cat "$1")" 2>/dev/null; }
zk_ok() { [[ $(echo ruok | nc -w 1 127.0.0.1 $zk_port 2>/dev/null) == imok ]]; }
broker_ok() { grep -q "started (listeners" "$state/gregorServer.out" 2>/dev/null && nc -z 127.0.0.1 $broker_port; }

if [[ ${1:-} == stop ]]; then
  if alive "$state/gregorServer.pid"; then
    "$root/scripts/kafka-server-stop.sh" "$state/gregorServer.pid" && echo "broker stopped"
  fi
  if alive "$state/zookeeper.pid"; then
    pid=$(cat "$state/zookeeper.pid")
    kill -TERM "$pid"
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid"
    echo "zookeeper stopped"
  fi
  rm -f "$state/gregorServer.pid" "$state/zookeeper.pid"
  exit 0
fi

"$root/scripts/install-deps.sh"
"$root/scripts/build.sh" release gregor-server gregor-topics gregor-console-producer gregor-console-consumer
mkdir -p "$state/zookeeper-data"

if alive "$state/zookeeper.pid"; then
  echo "zookeeper already running (pid $(cat "$state/zookeeper.pid"))"
elif zk_ok; then
  echo "quickstart: something else already serves 127.0.0.1:$zk_port; stop it first" >&2
  exit 1
else
  cat >"$state/zookeeper.cfg" <<CFG
tickTime=2000
initLimit=10
syncLimit=5
dataDir=$state/zookeeper-data
clientPort=$zk_port
clientPortAddress=127.0.0.1
admin.enableServer=false
maxClientCnxns=0
4lw.commands.whitelist=ruok,srvr,stat
CFG
  nohup java -cp /usr/share/java/zookeeper.jar org.apache.zookeeper.server.quorum.QuorumPeerMain \
    "$state/zookeeper.cfg" >"$state/zookeeper.out" 2>&1 </dev/null &
  echo $! >"$state/zookeeper.pid"
  wait_for 60 "ZooKeeper" zk_ok
  echo "zookeeper started on 127.0.0.1:$zk_port (pid $(cat "$state/zookeeper.pid"), data in $state/zookeeper-data)"
fi

if alive "$state/gregorServer.pid"; then
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
