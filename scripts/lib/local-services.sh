# shellcheck shell=bash
# Sourced by scripts/quickstart.sh and scripts/dev-cluster.sh: a standalone ZooKeeper (Debian's
# package) kept in a state directory, and processes tracked by PID files. Nothing here looks a
# process up by name: every stop is by the PID its start recorded.
# The caller sets `script_name` (used in messages) before calling these functions.

# wait_for <seconds> <description> <command...>: polls the command every 0.1 s until it succeeds.
wait_for() {
  local limit=$1 what=$2
  shift 2
  for _ in $(seq 1 $((limit * 10))); do
    if "$@" >/dev/null 2>&1; then return 0; fi
    sleep 0.1
  done
  echo "${script_name:-gregor}: $what did not come up within ${limit}s" >&2
  return 1
}

# pid_alive <pidfile>: the process the file names is running.
pid_alive() { [[ -f $1 ]] && kill -0 "$(cat "$1")" 2>/dev/null; }

# stop_pid <pidfile> [seconds]: SIGTERM, wait up to the limit (default 10 s), then SIGKILL; removes
# the file. Returns 1 when the process needed SIGKILL.
stop_pid() {
  local file=$1 limit=${2:-10} pid
  if ! pid_alive "$file"; then
    rm -f "$file"
    return 0
  fi
  pid=$(cat "$file")
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 $((limit * 10))); do
    kill -0 "$pid" 2>/dev/null || { rm -f "$file"; return 0; }
    sleep 0.1
  done
  kill -KILL "$pid" 2>/dev/null || true
  for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  rm -f "$file"
  return 1
}

# zk_ok <port>: a ZooKeeper answers "ruok" on 127.0.0.1:<port>. (Through bash's /dev/tcp: `echo ruok
# | nc -w 1` lost the answer about one time in six when stdin's end closed the connection first.)
zk_ok() {
  local reply
  # shellcheck disable=SC2016 # $0 is expanded by the inner bash
  reply=$(timeout 3 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$0" && printf ruok >&3 && cat <&3' "$1" 2>/dev/null) || true
  [[ $reply == imok ]]
}

# zk_start <state-dir> <port>: starts ZooKeeper with its data in <state-dir>/zookeeper-data, its
# output in zookeeper.out and its PID in zookeeper.pid there, unless that one runs already.
# Fails when another process already serves the port.
zk_start() {
  local state=$1 port=$2
  if pid_alive "$state/zookeeper.pid"; then
    echo "zookeeper already running (pid $(cat "$state/zookeeper.pid"))"
    return 0
  fi
  if zk_ok "$port"; then
    echo "${script_name:-gregor}: something else already serves 127.0.0.1:$port; stop it first" >&2
    return 1
  fi
  mkdir -p "$state/zookeeper-data"
  cat >"$state/zookeeper.cfg" <<CFG
tickTime=2000
initLimit=10
syncLimit=5
dataDir=$state/zookeeper-data
clientPort=$port
clientPortAddress=127.0.0.1
admin.enableServer=false
maxClientCnxns=0
4lw.commands.whitelist=ruok,srvr,stat
CFG
  nohup java -cp /usr/share/java/zookeeper.jar org.apache.zookeeper.server.quorum.QuorumPeerMain \
    "$state/zookeeper.cfg" >"$state/zookeeper.out" 2>&1 </dev/null &
  echo $! >"$state/zookeeper.pid"
  if ! wait_for 60 "ZooKeeper" zk_ok "$port"; then
    tail -20 "$state/zookeeper.out" >&2
    stop_pid "$state/zookeeper.pid" || true
    return 1
  fi
  echo "zookeeper started on 127.0.0.1:$port (pid $(cat "$state/zookeeper.pid"), data in $state/zookeeper-data)"
}

# zk_stop <state-dir>: stops the ZooKeeper zk_start started there, if it runs.
zk_stop() {
  local state=$1
  if pid_alive "$state/zookeeper.pid"; then
    stop_pid "$state/zookeeper.pid" 10 || true
    echo "zookeeper stopped"
  fi
  rm -f "$state/zookeeper.pid"
}
