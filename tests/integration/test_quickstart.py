"""The README's first command: scripts/quickstart.sh starts ZooKeeper and a broker on the default
ports, the commands it prints work exactly as printed, and `scripts/quickstart.sh stop` stops both.
Needs 127.0.0.1:2181 and :9092 free (they are on CI machines)."""

import os
import socket
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _port_busy(port):
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


@pytest.mark.timeout(900)
def test_quickstart_runs_kafkas_quickstart_and_stops(tmp_path):
    for port in (2181, 9092):
        assert not _port_busy(port), f"127.0.0.1:{port} is in use; the quickstart test needs it free"
    script = ROOT / "scripts/quickstart.sh"
    env = dict(os.environ, GREGOR_QUICKSTART_DIR=str(tmp_path / "quickstart"))
    try:
        res = subprocess.run([str(script)], cwd=ROOT, env=env, capture_output=True, text=True, timeout=800)
        assert res.returncode == 0, res.stdout[-3000:] + res.stderr[-3000:]
        assert "broker 0 started on 127.0.0.1:9092" in res.stdout
        printed = [ln.strip() for ln in res.stdout.splitlines() if ln.strip().startswith(("scripts/", "printf "))]
        assert len(printed) == 4, res.stdout
        outputs = []
        for cmd in printed:
            r = subprocess.run(cmd, shell=True, cwd=ROOT, capture_output=True, text=True, timeout=120)
            assert r.returncode == 0, f"{cmd}\n{r.stdout}\n{r.stderr}"
            outputs.append(r.stdout)
        assert outputs[0].strip() == "Created topic quickstart-events."
        assert "PartitionCount: 3" in outputs[1] and "Leader: 0" in outputs[1]
        assert outputs[3].splitlines() == ["first event", "second event"]
    finally:
        stop = subprocess.run([str(script), "stop"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert stop.returncode == 0, stop.stdout + stop.stderr
    assert "broker stopped" in stop.stdout and "zookeeper stopped" in stop.stdout
    assert not _port_busy(9092) and not _port_busy(2181)
    assert (tmp_path / "quickstart" / "gregor-logs" / "quickstart-events-0").is_dir()
