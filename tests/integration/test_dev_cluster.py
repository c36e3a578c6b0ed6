"""scripts/dev-cluster.sh up/status/down as a developer runs it, on private ports and a private
state directory (GREGOR_ZK_PORT, GREGOR_BROKER_PORT, GREGOR_CLUSTER_DIR), so that it never touches
2181/9092: ZooKeeper and N brokers start, status reports them and the controller, the brokers write
Kafka's log files, every command is idempotent, and down leaves no process behind."""

import json
import os
import re
import signal
import socket
import subprocess
from pathlib import Path

import pytest

import harness

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "dev-cluster.sh"


def _free(port):
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _free_run(count):
    """A base port such that base .. base+count-1 are free."""
    for _ in range(100):
        base = harness.free_port()
        if base + count < 65536 and all(_free(base + i) for i in range(count)):
            return base
    raise RuntimeError("no run of free ports")


def _alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


@pytest.mark.timeout(600)
def test_dev_cluster_up_status_down(tmp_path):
    state = tmp_path / "cluster"
    zk_port = harness.free_port()
    base = _free_run(4)
    env = dict(os.environ, GREGOR_CLUSTER_DIR=str(state), GREGOR_ZK_PORT=str(zk_port), GREGOR_BROKER_PORT=str(base),
               GREGOR_BUILD_DIR=str(harness.gregor_binary().parent.parent))
    env.pop("LOG_DIR", None)

    def run(*args, timeout=300):
        return subprocess.run([str(SCRIPT), *args], env=env, capture_output=True, text=True, timeout=timeout)

    def pids():
        found = {}
        for f in [state / "zookeeper.pid", *sorted(state.glob("broker-*/logs/gregorServer.pid"))]:
            if f.exists():
                found[f.parent.parent.name if f.name == "gregorServer.pid" else "zookeeper"] = int(f.read_text())
        return found

    seen = {}
    try:
        res = run("up")
        assert res.returncode == 0, res.stdout + res.stderr
        seen.update(pids())
        assert sorted(seen) == ["broker-0", "broker-1", "broker-2", "zookeeper"], seen
        for i in range(3):
            assert f"broker {i} started on 127.0.0.1:{base + i}" in res.stdout, res.stdout
        assert f"zookeeper started on 127.0.0.1:{zk_port}" in res.stdout

        zk = harness.ZkClient(f"127.0.0.1:{zk_port}")
        try:
            harness.wait_until(lambda: zk.children("/brokers/ids") == ["0", "1", "2"], 30, 0.2, "3 registrations")
            controller = json.loads(zk.get("/controller"))["brokerid"]
            # The brokers run from config/server-<i>.properties with the script's overrides.
            for i in range(3):
                reg = json.loads(zk.get(f"/brokers/ids/{i}"))
                assert reg["endpoints"] == [f"PLAINTEXT://127.0.0.1:{base + i}"]
        finally:
            zk.close()
        md = harness.wait_until(lambda: (lambda m: m if len(m["brokers"]) == 3 else None)(
            harness.metadata_v7(f"127.0.0.1:{base}")), 30, 0.2, "all brokers in broker 0's metadata")
        assert md["controller_id"] == controller

        res = run("status", timeout=120)
        assert res.returncode == 0, res.stdout + res.stderr
        lines = res.stdout.splitlines()
        assert re.match(rf"^zookeeper\s+127\.0\.0\.1:{zk_port}\s+pid {seen['zookeeper']}\s+running$", lines[0]), lines
        for i in range(3):
            pid = seen[f"broker-{i}"]
            assert re.match(rf"^broker {i}\s+127\.0\.0\.1:{base + i}\s+pid {pid}\s+running\s+registered$",
                            lines[1 + i]), lines
        assert lines[4] == f"controller: broker {controller}", lines

        # Kafka's log files per broker (LOG_DIR), console output beside them.
        for i in range(3):
            logs = state / f"broker-{i}" / "logs"
            for name in ("server.log", "controller.log", "state-change.log", "log-cleaner.log", "gregorServer.out"):
                assert (logs / name).exists(), (i, name)
            assert "started (listeners" in (logs / "server.log").read_text()
        controller_log = (state / f"broker-{controller}" / "logs" / "controller.log").read_text()
        assert "is the controller" in controller_log
        assert "is the controller" not in (state / f"broker-{controller}" / "logs" / "server.log").read_text()

        # up again: nothing restarts. up 4: a fourth broker from a generated server-3.properties.
        res = run("up", "4")
        assert res.returncode == 0, res.stdout + res.stderr
        for i in range(3):
            assert f"broker {i} already running (pid {seen[f'broker-{i}']})" in res.stdout, res.stdout
        assert "zookeeper already running" in res.stdout
        assert f"broker 3 started on 127.0.0.1:{base + 3}" in res.stdout, res.stdout
        generated = (state / "config" / "server-3.properties").read_text()
        assert "broker.id=3\n" in generated and "log.dirs=/tmp/gregor-logs-3\n" in generated
        seen.update(pids())
        assert len(seen) == 5
        res = run("status", timeout=120)
        assert res.returncode == 0 and f"broker 3   127.0.0.1:{base + 3}" in res.stdout, res.stdout

        res = run("down")
        assert res.returncode == 0, res.stdout + res.stderr
        assert "killed" not in res.stderr, res.stderr
        for name, pid in seen.items():
            assert not _alive(pid), f"{name} (pid {pid}) still runs after down"
        assert sorted(re.findall(r"broker (\d) stopped", res.stdout)) == ["0", "1", "2", "3"], res.stdout
        assert res.stdout.strip().endswith("zookeeper stopped")
        # SIGTERM was a clean shutdown: every log dir has Kafka's marker.
        for i in range(4):
            assert (state / f"broker-{i}" / "data" / ".kafka_cleanshutdown").exists(), i

        res = run("status", timeout=120)
        assert res.returncode == 1
        assert "not running" in res.stdout.splitlines()[0]
        res = run("down")
        assert res.returncode == 0 and res.stdout == "", res.stdout + res.stderr
        assert not pids()
    finally:
        subprocess.run([str(SCRIPT), "down"], env=env, capture_output=True, timeout=300)
        for pid in seen.values():
            if _alive(pid):
                os.kill(pid, signal.SIGKILL)


def test_dev_cluster_usage():
    res = subprocess.run([str(SCRIPT), "sideways"], capture_output=True, text=True, timeout=30)
    assert res.returncode == 2 and "USAGE" in res.stderr
    res = subprocess.run([str(SCRIPT), "up", "zero"], capture_output=True, text=True, timeout=30)
    assert res.returncode == 2 and "USAGE" in res.stderr
