"""scripts/kafka-server-start.sh and kafka-server-stop.sh, used as an operator would."""

import os
import subprocess
from pathlib import Path

import harness
import wire

ROOT = Path(__file__).resolve().parents[2]


def test_start_daemon_with_override_then_stop(broker_factory, zk, tmp_path):
    b = broker_factory(start=False)
    b.write_config()
    env = dict(os.environ, LOG_DIR=str(tmp_path / "logs"))
    env["GREGOR_BUILD_DIR"] = str(b.binary.parent.parent)
    res = subprocess.run([str(ROOT / "scripts/kafka-server-start.sh"), "-daemon", str(b.config_path),
                          "--override", "broker.id=3"], env=env, capture_output=True, text=True, timeout=60)
    assert res.returncode == 0, res.stderr
    pid_file = tmp_path / "logs" / "gregorServer.pid"
    pid = int(pid_file.read_text())
    try:
        harness.wait_until(lambda: zk.exists("/brokers/ids/3"), 60, 0.1, "broker 3 to register")
        # The listener answers before the controller's UpdateMetadata lists the broker: wait for that.
        brokers = harness.wait_until(lambda: wire.metadata_v1(b.bootstrap)["brokers"], 60, 0.1,
                                     "broker 3 in its own metadata")
        assert brokers[0]["node_id"] == 3
        res = subprocess.run([str(ROOT / "scripts/kafka-server-stop.sh"), str(pid_file)], capture_output=True,
                             text=True, timeout=90)
        assert res.returncode == 0, res.stdout + res.stderr
        assert not _alive(pid)
        # A clean stop deregisters at once (the session is closed, not left to time out).
        assert not zk.exists("/brokers/ids/3")
        assert (b.log_dir / ".kafka_cleanshutdown").exists()
        assert "started" in (tmp_path / "logs" / "gregorServer.out").read_text()
    finally:
        if _alive(pid):
            os.kill(pid, 9)


def _alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie of ours would still answer kill(0); the daemon is not our child, so this is real.
    return True


def test_start_script_usage():
    res = subprocess.run([str(ROOT / "scripts/kafka-server-start.sh")], capture_output=True, text=True, timeout=30)
    assert res.returncode == 1
    assert "USAGE" in res.stderr
