#!/usr/bin/env bash
# A Gregor cluster on this machine for development, as Kafka's multi-broker quickstart sets one up:
#   scripts/dev-cluster.sh up [N]   start ZooKeeper on 127.0.0.1:2181 and N brokers (default 3):
#                                   broker i from config/server-<i>.properties on 127.0.0.1:909<2+i>
#                                   (for i >= 3 a copy of server-0.properties with i's id and port)
#   scripts/dev-cluster.sh status   ZooKeeper, each broker (pid, port, running, registered) and the
#                                   controller, read from ZooKeeper; exits 1 unless all are running
#   scripts/dev-cluster.sh down     stop the brokers (SIGTERM: controlled shutdown, the controller
#                                   last; SIGKILL after 60 s) and then ZooKeeper
# Every command is idempotent: `up` starts only what is not running, `down` stops only what is.
#
# All state lives under .dev-cluster/ (or $GREGOR_CLUSTER_DIR), so ZooKeeper's cluster id and the
# brokers' meta.properties always belong together; delete it (after `down`) to start from scratch:
#   zookeeper-data/, zookeeper.out, zookeeper.pid
#   broker-<i>/data/      the broker's log.dirs
#   broker-<i>/logs/      its LOG_DIR: server.log, controller.log, state-change.log, log-cleaner.log,
#                         gregorServer.out (console output) and gregorServer.pid
# Environment: GREGOR_CLUSTER_DIR, GREGOR_ZK_PORT (2181), GREGOR_BROKER_PORT (9092; broker i listens
# on GREGOR_BROKER_PORT + i), GREGOR_BUILD_DIR (the build whose gregor-server runs; default build/,
# built in Release when missing, as kafka-server-start.sh does).
set -euo pipefail
root=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)
state=${GREGOR_CLUSTER_DIR:-$root/.dev-cluster}
zk_port=${GREGOR_ZK_PORT:-2181}
base_port=${GREGOR_BROKER_PORT:-9092}
zkcli=/usr/share/zookeeper/bin/zkCli.sh

script_name=dev-cluster
# shellcheck source-path=SCRIPTDIR source=lib/local-services.sh
source "$root/scripts/lib/local-services.sh"

usage() {
  echo "USAGE: $0 up [N] | status | down" >&2
  exit 2
}

broker_dir() { echo "$state/broker-$1"; }
broker_pidfile() { echo "$state/broker-$1/logs/gregorServer.pid"; }
broker_port() { echo $((base_port + $1)); }

# The ids of the brokers this cluster has started at some point (one directory each), ascending.
known_brokers() {
  local d
  for d in "$state"/broker-*; do
    [[ -d $d ]] && echo "${d##*/broker-}"
  done | sort -n
}

# zk_query <zkCli command...>: runs commands in one zkCli.sh session (one JVM start, ~1-2 s) and
# prints its output; empty when ZooKeeper does not answer.
zk_query() {
  zk_ok "$zk_port" || return 0
  printf '%s\n' "$@" quit | timeout 30 "$zkcli" -server "127.0.0.1:$zk_port" 2>/dev/null || true
}

# The controller's broker id from /controller ("" when there is none).
controller_id() {
  zk_query "get /controller" | sed -n 's/.*"brokerid":\([0-9-]*\).*/\1/p' | head -1
}

# The config file broker i starts from: config/server-<i>.properties, or for i >= 3 a copy of
# server-0.properties with i's broker.id, port and log.dirs, written under the state directory.
broker_config() {
  local i=$1
  if [[ -f $root/config/server-$i.properties ]]; then
    echo "$root/config/server-$i.properties"
    return
  fi
  mkdir -p "$state/config"
  local out=$state/config/server-$i.properties
  sed -e "s/^broker\.id=0$/broker.id=$i/" \
      -e "s|^listeners=PLAINTEXT://127\.0\.0\.1:9092$|listeners=PLAINTEXT://127.0.0.1:$((9092 + i))|" \
      -e "s|^log\.dirs=/tmp/gregor-logs-0$|log.dirs=/tmp/gregor-logs-$i|" \
      -e "s/broker 0 of a three-broker cluster/broker $i of a cluster/" \
      -e "s|config/server-0\.properties|$out|" \
      "$root/config/server-0.properties" >"$out"
  echo "$out"
}

# broker_started <i> <offset>: broker i wrote its start line after byte <offset> of its console
# output and accepts connections.
broker_started() {
  local out
  out="$(broker_dir "$1")/logs/gregorServer.out"
  tail -c +$(($2 + 1)) "$out" 2>/dev/null | grep -q "started (listeners" && nc -z 127.0.0.1 "$(broker_port "$1")"
}

cmd_up() {
  local n=${1:-3}
  [[ $n =~ ^[1-9][0-9]*$ ]] || usage
  mkdir -p "$state"
  zk_start "$state" "$zk_port"

  local i started=() offsets=()
  for ((i = 0; i < n; i++)); do
    if pid_alive "$(broker_pidfile "$i")"; then
      echo "broker $i already running (pid $(cat "$(broker_pidfile "$i")"))"
      continue
    fi
    local dir config out
    dir=$(broker_dir "$i")
    config=$(broker_config "$i")
    mkdir -p "$dir/data" "$dir/logs"
    out=$dir/logs/gregorServer.out
    touch "$out"
    offsets[i]=$(stat -c %s "$out")
    LOG_DIR=$dir/logs "$root/scripts/kafka-server-start.sh" -daemon "$config" \
      --override "listeners=PLAINTEXT://127.0.0.1:$(broker_port "$i")" \
      --override "zookeeper.connect=127.0.0.1:$zk_port" \
      --override "log.dirs=$dir/data"
    started+=("$i")
  done
  for i in "${started[@]}"; do
    if ! wait_for 120 "broker $i" broker_started "$i" "${offsets[i]}"; then
      tail -20 "$(broker_dir "$i")/logs/gregorServer.out" >&2
      exit 1
    fi
    echo "broker $i started on 127.0.0.1:$(broker_port "$i") (pid $(cat "$(broker_pidfile "$i")"), logs in $(broker_dir "$i")/logs)"
  done
  local controller
  controller=$(controller_id)
  echo "controller: broker ${controller:-none yet}"
}

cmd_status() {
  local ok=0 listing ids controller i
  if pid_alive "$state/zookeeper.pid" && zk_ok "$zk_port"; then
    echo "zookeeper  127.0.0.1:$zk_port  pid $(cat "$state/zookeeper.pid")  running"
    listing=$(zk_query "ls /brokers/ids" "get /controller")
  else
    echo "zookeeper  127.0.0.1:$zk_port  not running"
    ok=1
    listing=""
  fi
  # zkCli prints the children of /brokers/ids as "[0, 1, 2]".
  ids=" $(grep -m1 -E '^\[[0-9, ]*\]$' <<<"$listing" | tr -d '[],' || true) "
  controller=$(sed -n 's/.*"brokerid":\([0-9-]*\).*/\1/p' <<<"$listing" | head -1 || true)
  for i in $(known_brokers); do
    local pidfile registered
    pidfile=$(broker_pidfile "$i")
    registered="not registered"
    [[ $ids == *" $i "* ]] && registered="registered"
    if pid_alive "$pidfile"; then
      echo "broker $i   127.0.0.1:$(broker_port "$i")  pid $(cat "$pidfile")  running  $registered"
    else
      echo "broker $i   127.0.0.1:$(broker_port "$i")  not running  $registered"
      ok=1
    fi
  done
  if [[ -n $controller ]]; then echo "controller: broker $controller"; else echo "controller: none"; fi
  return $ok
}

cmd_down() {
  local controller i order=()
  controller=$(controller_id)
  # The controller last: every other broker's controlled shutdown then finds a controller at once.
  for i in $(known_brokers); do
    [[ $i == "$controller" ]] || order+=("$i")
  done
  [[ -n $controller && -d $(broker_dir "$controller") ]] && order+=("$controller")
  for i in "${order[@]}"; do
    local pidfile
    pidfile=$(broker_pidfile "$i")
    if pid_alive "$pidfile"; then
      if stop_pid "$pidfile" 60; then
        echo "broker $i stopped"
      else
        echo "broker $i did not stop within 60 s: killed" >&2
      fi
    fi
  done
  zk_stop "$state"
}

case ${1:-} in
  up) [[ $# -le 2 ]] || usage; cmd_up "${2:-3}" ;;
  status) [[ $# -eq 1 ]] || usage; cmd_status ;;
  down) [[ $# -eq 1 ]] || usage; cmd_down ;;
  *) usage ;;
esac
