"""Processes for the integration tests: a ZooKeeper server and Gregor brokers.

Every process is started by PID and stopped by PID (terminate, then kill); nothing here ever looks
processes up by name. Ports come from the kernel (bind to port 0, read it back, close), so tests can
run next to other work on the machine.
"""

import os
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

ZOOKEEPER_JAR = "/usr/share/java/zookeeper.jar"
ZKCLI = "/usr/share/zookeeper/bin/zkCli.sh"


def free_port():
    """A TCP port that was free a moment ago on 127.0.0.1."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ProcessExited(RuntimeError):
    """Raised by readiness probes when the process died: waiting longer cannot help."""


def wait_until(predicate, timeout, interval=0.1, what="condition"):
    """Polls predicate() until it returns a truthy value; returns that value or raises TimeoutError.
    Exceptions from predicate() are retried, except ProcessExited, which propagates at once."""
    deadline = time.monotonic() + timeout
    last_error = None
    while time.monotonic() < deadline:
        try:
            value = predicate()
            if value:
                return value
        except ProcessExited:
            raise
        except Exception as e:  # noqa: BLE001 - the predicate may fail while a server is starting
            last_error = e
        time.sleep(interval)
    raise TimeoutError(f"timed out after {timeout}s waiting for {what} (last error: {last_error!r})")


def tail(path, max_bytes=20000):
    try:
        data = Path(path).read_bytes()
    except OSError as e:
        return f"<cannot read {path}: {e}>"
    return data[-max_bytes:].decode("utf-8", "replace")


class ManagedProcess:
    """A child process whose output goes to a log file. stop() is idempotent."""

    def __init__(self, argv, log_path, env=None, cwd=None):
        self.argv = argv
        self.log_path = Path(log_path)
        self._log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(argv, stdout=self._log, stderr=subprocess.STDOUT, env=env, cwd=cwd,
                                     start_new_session=True)
        self.pid = self.proc.pid

    def alive(self):
        return self.proc.poll() is None

    def send_signal(self, sig):
        if self.alive():
            self.proc.send_signal(sig)

    def wait(self, timeout):
        return self.proc.wait(timeout=timeout)

    def stop(self, sig=signal.SIGTERM, timeout=20):
        """Sends sig, waits up to timeout, then SIGKILLs. Returns the exit code."""
        if self.alive():
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        self._log.close()
        return self.proc.returncode

    def log_text(self):
        self._log.flush()
        return tail(self.log_path)


# ---------------------------------------------------------------------------------------- ZooKeeper

class ZooKeeper:
    """A standalone ZooKeeper server (Debian's package) on a free port."""

    def __init__(self, workdir):
        self.workdir = Path(workdir)
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.proc = None

    @property
    def connect(self):
        return f"127.0.0.1:{self.port}"

    def start(self, timeout=60):
        data = self.workdir / "data"
        data.mkdir(exist_ok=True)
        cfg = self.workdir / "zoo.cfg"
        cfg.write_text("\n".join([
            "tickTime=500",
            f"dataDir={data}",
            f"clientPort={self.port}",
            "clientPortAddress=127.0.0.1",
            "admin.enableServer=false",
            "maxClientCnxns=0",
            "4lw.commands.whitelist=*",
            "initLimit=10",
            "syncLimit=5",
            "",
        ]))
        argv_port = self.port
        # zookeeper.jar's manifest carries its own Class-Path (Debian), so the jar alone suffices.
        argv = ["java", "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                "-Dzookeeper.admin.enableServer=false", "-cp", ZOOKEEPER_JAR,
                "org.apache.zookeeper.server.quorum.QuorumPeerMain", str(cfg)]
        for attempt in range(3):
            self.proc = ManagedProcess(argv, self.workdir / "zookeeper.log")
            try:
                wait_until(lambda: self.four_letter("ruok") == "imok", timeout, 0.2, "ZooKeeper ruok")
                wait_until(lambda: "Mode:" in self.four_letter("srvr"), timeout, 0.2, "ZooKeeper srvr Mode")
                return self
            except (TimeoutError, ProcessExited) as e:
                log = self.proc.log_text()
                exited = not self.proc.alive()
                self.stop()
                # An early exit is most likely a port taken since free_port(): retry on another.
                if exited and attempt < 2:
                    self.port = free_port()
                    cfg.write_text(cfg.read_text().replace(f"clientPort={argv_port}", f"clientPort={self.port}"))
                    argv_port = self.port
                    continue
                raise RuntimeError(f"ZooKeeper did not start ({e}); log:\n{log}")

    def four_letter(self, cmd, timeout=2.0):
        if self.proc is not None and not self.proc.alive():
            raise ProcessExited(f"ZooKeeper exited:\n{self.proc.log_text()}")
        with socket.create_connection(("127.0.0.1", self.port), timeout=timeout) as s:
            s.sendall(cmd.encode())
            chunks = []
            while True:
                chunk = s.recv(4096)
                if not chunk:
                    break
                chunks.append(chunk)
        return b"".join(chunks).decode("utf-8", "replace")

    def stop(self):
        if self.proc is not None:
            self.proc.stop(signal.SIGTERM, timeout=10)


class ZkClient:
    """Reads ZooKeeper for assertions: python3-kazoo when importable, else zkCli.sh (slow, ~1 s/call)."""

    def __init__(self, connect):
        self.connect = connect
        self._kazoo = None
        try:
            from kazoo.client import KazooClient  # type: ignore
        except ImportError:
            KazooClient = None
        if KazooClient is not None:
            self._kazoo = KazooClient(hosts=connect, timeout=10)
            self._kazoo.start(timeout=15)

    def close(self):
        if self._kazoo is not None:
            self._kazoo.stop()
            self._kazoo.close()

    def exists(self, path):
        if self._kazoo is not None:
            return self._kazoo.exists(path) is not None
        out = self._cli("stat", path)
        if "Node does not exist" in out or "NoNode" in out:
            return False
        if "cZxid" in out:
            return True
        raise RuntimeError(f"unexpected zkCli output for stat {path}:\n{out}")

    def children(self, path):
        if self._kazoo is not None:
            return sorted(self._kazoo.get_children(path))
        out = self._cli("ls", path)
        for line in reversed(out.splitlines()):
            line = line.strip()
            if line.startswith("[") and line.endswith("]"):
                inner = line[1:-1].strip()
                return sorted(x.strip() for x in inner.split(",") if x.strip())
        raise RuntimeError(f"unexpected zkCli output for ls {path}:\n{out}")

    def ensure_path(self, path):
        if self._kazoo is not None:
            self._kazoo.ensure_path(path)
            return
        prefix = ""
        for part in path.strip("/").split("/"):
            prefix += "/" + part
            self._cli("create", prefix, "")

    def get(self, path):
        if self._kazoo is not None:
            data, _ = self._kazoo.get(path)
            return data
        lines = [ln for ln in self._cli("get", path).splitlines() if ln.strip()]
        if not lines or "Node does not exist" in lines[-1]:
            raise RuntimeError(f"zkCli get {path} failed: {lines[-3:]}")
        return lines[-1].encode()

    def _cli(self, *args):
        res = subprocess.run([ZKCLI, "-server", self.connect, *args], capture_output=True, text=True,
                             timeout=60)
        return res.stdout + res.stderr


# ---------------------------------------------------------------------------------------- broker

def gregor_binary():
    build = os.environ.get("GREGOR_BUILD_DIR")
    if build:
        return Path(build) / "bin" / "gregor-server"
    root = Path(__file__).resolve().parents[2]
    for candidate in (root / "build" / "bin" / "gregor-server", root / "build-lead" / "bin" / "gregor-server"):
        if candidate.exists():
            return candidate
    return root / "build" / "bin" / "gregor-server"


class Broker:
    """One gregor-server process. The configuration (and the port) survive restart()."""

    def __init__(self, workdir, zk_connect, broker_id=0, extra_props=None, binary=None, log_files=False):
        self.workdir = Path(workdir)
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.broker_id = broker_id
        self.port = free_port()
        self.log_dir = self.workdir / "data"
        self.zk_connect = zk_connect
        self.binary = Path(binary) if binary else gregor_binary()
        self.props = {
            "broker.id": str(broker_id),
            "listeners": f"PLAINTEXT://127.0.0.1:{self.port}",
            "log.dirs": str(self.log_dir),
            "zookeeper.connect": zk_connect,
            "num.partitions": "1",
            "default.replication.factor": "1",
            "offsets.topic.replication.factor": "1",
            "transaction.state.log.replication.factor": "1",
            "transaction.state.log.min.isr": "1",
            "group.initial.rebalance.delay.ms": "0",
            "num.network.threads": "2",
            "num.io.threads": "2",
            "zookeeper.session.timeout.ms": "6000",
        }
        if extra_props:
            self.props.update({k: str(v) for k, v in extra_props.items()})
        self.config_path = self.workdir / "server.properties"
        self.log_path = self.workdir / "broker.log"  # the broker's stderr
        # With log_files the broker also writes Kafka's log files (server.log, controller.log,
        # state-change.log, ...) here, through LOG_DIR; without, LOG_DIR is removed from its
        # environment so that only stderr is written.
        self.log_files_dir = self.workdir / "logs" if log_files else None
        self.proc = None
        self.exit_codes = []
        # Optional argv prefix the broker is started through, e.g. to apply a ulimit:
        # ["bash", "-c", 'ulimit -n 1024 && exec "$0" "$@"'] (exec keeps the broker's pid).
        self.command_prefix = []

    @property
    def bootstrap(self):
        return f"127.0.0.1:{self.port}"

    def write_config(self):
        self.config_path.write_text("".join(f"{k}={v}\n" for k, v in self.props.items()))

    def start(self, timeout=60):
        """Starts the broker and waits until it answers Metadata listing itself.

        On the first start only, a port taken by someone else between free_port() and the bind
        (the broker exits at once, naming the address) is replaced and the start retried."""
        if not self.binary.exists():
            raise RuntimeError(f"broker binary {self.binary} is missing (set GREGOR_BUILD_DIR)")
        attempts = 1 if self.exit_codes else 3
        for attempt in range(attempts):
            try:
                return self._start_once(timeout)
            except RuntimeError as e:
                lost_port = "in use" in str(e).lower() and not self.alive()
                if not lost_port or attempt == attempts - 1:
                    raise
                self.proc = None
                self.port = free_port()
                self.props["listeners"] = f"PLAINTEXT://127.0.0.1:{self.port}"

    def _start_once(self, timeout):
        self.write_config()
        env = dict(os.environ)
        env.setdefault("GREGOR_LOG_LEVEL", "info")
        env.pop("LOG_DIR", None)
        if self.log_files_dir is not None:
            env["LOG_DIR"] = str(self.log_files_dir)
        with open(self.log_path, "ab") as f:
            f.write(f"\n===== starting {self.binary} {self.config_path} at {time.strftime('%X')} =====\n"
                    .encode())
        self.proc = ManagedProcess(self.command_prefix + [str(self.binary), str(self.config_path)], self.log_path,
                                   env=env)
        try:
            wait_until(self._ready, timeout, 0.1, f"broker {self.broker_id} to answer Metadata")
        except ProcessExited:
            raise
        except TimeoutError as e:
            raise RuntimeError(f"broker {self.broker_id} did not become ready: {e}\nlog:\n{self.log_text()}")
        return self

    def _ready(self):
        if not self.proc.alive():
            raise ProcessExited(f"broker exited with {self.proc.proc.returncode}:\n{self.log_text()}")
        # Imported here: wire.py is a sibling module, and harness.py must import without pytest.
        import wire
        md = wire.metadata_v1(self.bootstrap, timeout=2.0)
        return any(b["node_id"] == self.broker_id for b in md["brokers"])

    def alive(self):
        return self.proc is not None and self.proc.alive()

    def stop(self, sig=signal.SIGTERM, timeout=30):
        """Stops the broker; returns its exit code (None if it was never started)."""
        if self.proc is None:
            return None
        code = self.proc.stop(sig, timeout)
        self.exit_codes.append(code)
        self.proc = None
        return code

    def kill9(self):
        return self.stop(signal.SIGKILL, timeout=10)

    def restart(self, timeout=60):
        self.stop()
        return self.start(timeout)

    def log_text(self):
        """The whole broker log (every start of this broker appends to it): tests search it for
        lines that may be followed by many others (50 offsets partitions loading, ...)."""
        try:
            return Path(self.log_path).read_bytes().decode("utf-8", "replace")
        except OSError as e:
            return f"<cannot read {self.log_path}: {e}>"

    def partition_dir(self, topic, partition):
        return self.log_dir / f"{topic}-{partition}"


def run_tool_script(script, binary_name, *args, timeout=90):
    """Runs scripts/<script> (a kafka-*.sh wrapper) with the tool binaries of the build under test;
    asserts that the wrapper's binary `binary_name` exists. Returns the CompletedProcess (text)."""
    binary = gregor_binary().parent / binary_name
    assert binary.exists(), f"{binary} missing (build it first)"
    root = Path(__file__).resolve().parents[2]
    env = dict(os.environ, GREGOR_BUILD_DIR=str(gregor_binary().parent.parent))
    return subprocess.run([str(root / "scripts" / script), *map(str, args)], capture_output=True, text=True,
                          timeout=timeout, env=env)


def start_brokers(broker_factory, zk, n=3, extra_props=None):
    """Brokers 0..n-1 from the broker_factory fixture; returns once all are registered and every
    broker's Metadata lists all of them and a controller."""
    import wire  # the test-side protocol helpers; only this function needs them
    brokers = [broker_factory(broker_id=i, extra_props=extra_props) for i in range(n)]
    ids = [str(i) for i in range(n)]
    wait_until(lambda: zk.children("/brokers/ids") == ids, 30, 0.2, "all registrations")

    def everyone_sees_everyone():
        for b in brokers:
            md = wire.metadata_v1(b.bootstrap, None)
            if sorted(x["node_id"] for x in md["brokers"]) != list(range(n)) or md["controller_id"] < 0:
                return False
        return True
    wait_until(everyone_sees_everyone, 30, 0.2, "every broker in every broker's metadata")
    return brokers


def start_after_kill(broker, zk=None, timeout=40):
    """Starts a broker that was killed. Its old ZooKeeper session keeps /brokers/ids/<id> until it
    expires (zookeeper.session.timeout.ms), and a broker refuses to start while another session
    holds its id, so retry until the old registration is gone. (`zk` is unused; kept for callers.)"""
    deadline = time.monotonic() + timeout
    while True:
        try:
            return broker.start()
        except ProcessExited as e:
            if "already registered" not in str(e) or time.monotonic() > deadline:
                raise
            broker.proc = None
            time.sleep(1.0)


def kcat_available():
    return shutil.which("kcat") is not None


# ---------------------------------------------------------------------------------------- cluster

def metadata_v7(bootstrap, topics=None, timeout=5.0):
    """Metadata v7 from one broker (v1 lacks the cluster id, offline replicas and leader epochs):
    {"brokers": {id: (host, port, rack)}, "cluster_id", "controller_id",
     "topics": {name: {"error_code", "is_internal", "partitions": {p: {"error_code", "leader",
     "leader_epoch", "replicas", "isr", "offline"}}}}}. Auto-creation is off."""
    import wire
    body = wire.array(None if topics is None else [wire.string(t) for t in topics]) + b"\x00"
    with wire.Connection(bootstrap, timeout) as c:
        r = wire.Reader(c.request(wire.API_METADATA, 7, body))
    r.int32()  # throttle time

    def broker(rr):
        return rr.int32(), (rr.string(), rr.int32(), rr.string())

    def partition(rr):
        p = {"error_code": rr.int16()}
        index = rr.int32()
        p.update(leader=rr.int32(), leader_epoch=rr.int32(), replicas=rr.array(lambda x: x.int32()),
                 isr=rr.array(lambda x: x.int32()), offline=rr.array(lambda x: x.int32()))
        return index, p

    def topic(rr):
        t = {"error_code": rr.int16()}
        name = rr.string()
        t["is_internal"] = rr.boolean()
        t["partitions"] = dict(rr.array(partition))
        return name, t

    out = {"brokers": dict(r.array(broker)), "cluster_id": r.string(), "controller_id": r.int32()}
    out["topics"] = dict(r.array(topic))
    return out


class Cluster:
    """N brokers (ids 0..N-1) on one ZooKeeper chroot, started together, with the helpers the
    cluster tests share. Every broker writes its Kafka log files (Broker.log_files_dir).

    extra_props apply to every broker, per_broker_props[id] to one (e.g. {"broker.rack": "r1"}).
    DEFAULT_PROPS come first: the last broker of a cluster to stop cannot hand its leadership to
    anyone, and its controlled shutdown retries (Kafka's behaviour); a short backoff keeps teardown
    quick."""

    DEFAULT_PROPS = {"controlled.shutdown.retry.backoff.ms": "300"}

    def __init__(self, workdir, zk_connect, size=3, extra_props=None, per_broker_props=None):
        self.workdir = Path(workdir)
        self.zk_connect = zk_connect
        self.brokers = {}
        for i in range(size):
            props = dict(self.DEFAULT_PROPS)
            props.update(extra_props or {})
            props.update((per_broker_props or {}).get(i, {}))
            self.brokers[i] = Broker(self.workdir / f"broker-{i}", zk_connect, broker_id=i, extra_props=props,
                                     log_files=True)
        self.zk = None

    def start(self, timeout=90):
        """Starts every broker, then waits for all of them to be registered and to agree on the
        brokers and the controller."""
        if self.zk is None:
            self.zk = ZkClient(self.zk_connect)
        for b in self.brokers.values():
            b.start(timeout)
        self.wait_consistent(timeout=timeout)
        return self

    # -- who is who

    def __getitem__(self, broker_id):
        return self.brokers[broker_id]

    def live(self):
        """The brokers whose process runs, by id."""
        return {i: b for i, b in self.brokers.items() if b.alive()}

    @property
    def bootstrap(self):
        """Every live broker, comma separated (a client's bootstrap.servers)."""
        return ",".join(b.bootstrap for b in self.live().values())

    def registered(self):
        return sorted(int(i) for i in self.zk.children("/brokers/ids"))

    def controller_id(self):
        """The controller's id from /controller, or None when no broker holds it."""
        import json
        try:
            return json.loads(self.zk.get("/controller"))["brokerid"]
        except Exception:  # noqa: BLE001 - no node (NoNodeError from kazoo, RuntimeError from zkCli)
            return None

    def controller_epoch(self):
        return int(self.zk.get("/controller_epoch"))

    def wait_controller(self, among=None, timeout=30):
        """Waits until a broker of `among` (default: the live ones) holds /controller; returns its id."""
        def found():
            c = self.controller_id()
            allowed = among if among is not None else self.live().keys()
            return (c,) if c is not None and c in allowed else None
        return wait_until(found, timeout, 0.1, f"a controller among {sorted(among or self.live())}")[0]

    # -- metadata

    def metadata(self, broker_id, topics=None):
        return metadata_v7(self.brokers[broker_id].bootstrap, topics)

    def partitions(self, topic, broker_id=None):
        """{partition: (leader, replicas, isr)} of `topic` as `broker_id` (default: any live broker)
        answers Metadata."""
        broker_id = broker_id if broker_id is not None else min(self.live())
        t = self.metadata(broker_id, [topic])["topics"][topic]
        if t["error_code"] != 0:
            raise RuntimeError(f"broker {broker_id}: topic {topic} error {t['error_code']}")
        return {p: (v["leader"], v["replicas"], v["isr"]) for p, v in sorted(t["partitions"].items())}

    def consistent_metadata(self, topics=None):
        """The Metadata every live broker answers, if they all answer the same and it is right about
        the cluster: the live brokers (with their ports), the controller of /controller, one
        cluster id, every listed topic known with no error. None otherwise."""
        live = self.live()
        answers = [metadata_v7(b.bootstrap, topics) for b in live.values()]
        first = answers[0]
        if any(a != first for a in answers[1:]):
            return None
        if sorted(first["brokers"]) != sorted(live) or any(first["brokers"][i][1] != b.port for i, b in live.items()):
            return None
        if first["controller_id"] != self.controller_id() or first["controller_id"] not in live:
            return None
        for t in topics or []:
            if t not in first["topics"] or first["topics"][t]["error_code"] != 0:
                return None
        return first

    def wait_consistent(self, topics=None, timeout=30, check=None):
        """Waits until consistent_metadata(topics) holds (and check(metadata) when given);
        returns that metadata."""
        def ok():
            md = self.consistent_metadata(topics)
            if md is None or self.registered() != sorted(self.live()):
                return None
            return md if check is None or check(md) else None
        return wait_until(ok, timeout, 0.2, f"metadata consistent on brokers {sorted(self.live())}")

    # -- tools

    def kafka_topics(self, *args):
        """Runs scripts/kafka-topics.sh with the tool binary of the brokers' build; returns the
        CompletedProcess (text)."""
        root = Path(__file__).resolve().parents[2]
        env = dict(os.environ, GREGOR_BUILD_DIR=str(self.brokers[0].binary.parent.parent))
        return subprocess.run([str(root / "scripts" / "kafka-topics.sh"), *args], capture_output=True, text=True,
                              timeout=60, env=env)

    def describe(self, topic, via="bootstrap"):
        """`kafka-topics.sh --describe --topic <topic>` through --bootstrap-server (the live brokers)
        or --zookeeper; returns its non-empty stdout lines."""
        target = ["--bootstrap-server", self.bootstrap] if via == "bootstrap" else ["--zookeeper", self.zk_connect]
        res = self.kafka_topics(*target, "--describe", "--topic", topic)
        if res.returncode != 0:
            raise RuntimeError(f"kafka-topics.sh --describe via {via} exited {res.returncode}:\n"
                               f"{res.stdout}{res.stderr}")
        return [ln for ln in res.stdout.splitlines() if ln.strip()]

    # -- stopping

    def stop(self):
        """Stops every broker with SIGTERM, the controller last (every other broker's controlled
        shutdown then finds a controller). Returns {id: exit code} of the brokers that ran."""
        codes = {}
        controller = self.controller_id() if self.zk is not None else None
        order = sorted(self.brokers, key=lambda i: (i == controller, i))
        for i in order:
            b = self.brokers[i]
            if b.alive():
                codes[i] = b.stop()
        if self.zk is not None:
            self.zk.close()
            self.zk = None
        return codes

    def logs(self):
        """Every broker's stderr log, for failure reports."""
        return "".join(f"\n----- broker {i} log ({b.log_path}) -----\n{b.log_text()}\n"
                       for i, b in self.brokers.items())


# ---------------------------------------------------------------------------------------- replication (issue 6)
# Helpers for the replication and durability tests: pausing brokers, the partition state znode, the
# checkpoint files and the raw bytes of a replica's log.

def sigstop(broker):
    """Freezes a running broker (SIGSTOP to its PID). Pair every call with sigcont() in a finally:
    a stopped process does not act on SIGTERM, so teardown would wait for nothing. Returns once
    every thread of it is stopped (the signal is asynchronous: a thread could otherwise still
    answer or send a request after this returns)."""
    if not broker.alive():
        return
    pid = broker.proc.pid
    os.kill(pid, signal.SIGSTOP)

    def all_threads_stopped():
        try:
            tasks = os.listdir(f"/proc/{pid}/task")
            states = [Path(f"/proc/{pid}/task/{t}/stat").read_text().rsplit(")", 1)[1].split()[0] for t in tasks]
        except (FileNotFoundError, ProcessLookupError):
            return True  # gone
        return all(st in ("T", "t") for st in states)

    wait_until(all_threads_stopped, 10, 0.01, f"broker {pid} to stop (SIGSTOP)")


def sigcont(broker):
    """Resumes a broker frozen by sigstop(); harmless when it runs or is gone."""
    if broker.alive():
        os.kill(broker.proc.pid, signal.SIGCONT)


def partition_state(zk, topic, partition):
    """(state JSON as a dict, zkVersion) of /brokers/topics/<topic>/partitions/<p>/state (kazoo)."""
    import json
    data, stat = zk._kazoo.get(f"/brokers/topics/{topic}/partitions/{partition}/state")
    return json.loads(data), stat.version


def children_version(zk, path):
    """The cversion of a znode: it grows by one with every child created or deleted (kazoo)."""
    return zk._kazoo.exists(path).cversion


def wait_isr(zk, topic, partition, check, timeout, what=None):
    """Waits until check(isr as a sorted list) holds for the ISR in the partition's state znode;
    returns (state, zkVersion)."""
    def ok():
        state, version = partition_state(zk, topic, partition)
        return (state, version) if check(sorted(state["isr"])) else None
    return wait_until(ok, timeout, 0.1, what or f"ISR of {topic}-{partition} to satisfy the check")


def read_checkpoint(path):
    """A `<topic> <partition> <value>` checkpoint file (replication-offset-checkpoint, ...):
    {(topic, partition): value}. Checks version 0 and the entry count line."""
    lines = Path(path).read_text().splitlines()
    if len(lines) < 2 or lines[0].strip() != "0":
        raise ValueError(f"{path}: not a version-0 checkpoint: {lines[:2]}")
    count = int(lines[1])
    entries = [ln.split() for ln in lines[2:] if ln.strip()]
    if len(entries) != count:
        raise ValueError(f"{path}: {len(entries)} entries, header says {count}")
    return {(t, int(p)): int(v) for t, p, v in entries}


def log_batches(partition_dir):
    """Every complete batch of a replica's segment files, in offset order: a list of
    (base_offset, last_offset, partition_leader_epoch, raw bytes). Reads the `.log` files only
    (not `.deleted`/`.cleaned`/`.swap`), stops each file at a torn or zero-filled tail. Batch header
    (ON-DISK-FORMAT): baseOffset int64, batchLength int32, partitionLeaderEpoch int32, magic int8,
    crc uint32, attributes int16, lastOffsetDelta int32, ..."""
    import struct
    out = []
    for seg in sorted(Path(partition_dir).glob("*.log")):
        data = seg.read_bytes()
        pos = 0
        while pos + 27 <= len(data):
            base, length, epoch = struct.unpack_from(">qii", data, pos)
            if length < 49 or pos + 12 + length > len(data):
                break
            last_delta = struct.unpack_from(">i", data, pos + 23)[0]
            out.append((base, base + last_delta, epoch, data[pos:pos + 12 + length]))
            pos += 12 + length
    return out


def log_prefix(partition_dir, end_offset):
    """The concatenated bytes of the batches whose last offset < end_offset, and the offset they
    cover up to (last offset + 1 of the last such batch; 0 when none)."""
    chosen = [b for b in log_batches(partition_dir) if b[1] < end_offset]
    covered = chosen[-1][1] + 1 if chosen else 0
    return b"".join(b[3] for b in chosen), covered


def log_records(partition_dir):
    """[(offset, value)] of every record in a replica's segment files (wire.decode_batches, CRC
    checked)."""
    import wire
    out = []
    for seg in sorted(Path(partition_dir).glob("*.log")):
        for batch in wire.decode_batches(seg.read_bytes()):
            out.extend((off, value) for off, _ts, _key, value in batch["records"])
    return out
