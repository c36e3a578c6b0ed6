"""kafka-console-consumer.sh in a consumer group: --group resumes at the offsets the previous run
committed, two console consumers in one group split the partitions, and without --group the
consumer joins a generated "console-consumer-<n>" group and commits nothing."""

import os
import re
import signal
import subprocess
import time
from pathlib import Path

import pytest

import clients
import harness
import wire

ROOT = Path(__file__).resolve().parents[2]
SCRIPTS = ROOT / "scripts"


@pytest.fixture(scope="module", autouse=True)
def tools_present():
    bin_dir = harness.gregor_binary().parent
    missing = [b for b in ("gregor-console-consumer", "gregor-consumer-groups") if not (bin_dir / b).exists()]
    assert not missing, f"tool binaries missing from {bin_dir}: {missing} (build them first)"


def _env():
    env = dict(os.environ)
    env["GREGOR_BUILD_DIR"] = str(harness.gregor_binary().parent.parent)
    return env


def console(*args, timeout=90):
    return subprocess.run([str(SCRIPTS / "kafka-console-consumer.sh"), *args], capture_output=True, text=True,
                          timeout=timeout, env=_env())


def console_process(*args):
    return subprocess.Popen([str(SCRIPTS / "kafka-console-consumer.sh"), *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=_env(), start_new_session=True)


def groups_tool(*args):
    return subprocess.run([str(SCRIPTS / "kafka-consumer-groups.sh"), *args], capture_output=True, text=True,
                          timeout=60, env=_env())


def _topic(bootstrap, name, partitions):
    clients.create_topic(bootstrap, name, partitions=partitions)
    clients.wait_topic_ready(bootstrap, name, partitions)


def _stop(proc, timeout=30):
    """SIGTERM (the console consumer commits and leaves), then its output."""
    if proc.poll() is None:
        os.kill(proc.pid, signal.SIGTERM)
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.kill(proc.pid, signal.SIGKILL)
        out, err = proc.communicate(timeout=10)
        raise AssertionError(f"console consumer did not stop on SIGTERM: {err[-2000:]}")
    return out, err


def _members(bootstrap, group):
    """{client id: #partitions} from kafka-consumer-groups --describe --members (empty if none)."""
    res = groups_tool("--bootstrap-server", bootstrap, "--describe", "--group", group, "--members")
    out = {}
    for line in res.stdout.splitlines():
        cells = line.split()
        if len(cells) == 5 and cells[0] == group:
            out[cells[3]] = int(cells[4])
    return out


def test_group_resumes_where_the_last_run_stopped(broker):
    bs, topic, group = broker.bootstrap, "resume", "console-g"
    _topic(bs, topic, 3)
    ends = clients.produce_sequence(bs, topic, range(3), 10, "v")
    produced = {f"v-{p}-{i}" for p in range(3) for i in range(10)}

    seen = []
    for batch in (10, 10):
        res = console("--bootstrap-server", bs, "--topic", topic, "--group", group, "--from-beginning",
                      "--max-messages", str(batch), "--timeout-ms", "30000")
        assert res.returncode == 0, res.stderr
        assert f"Processed a total of {batch} messages" in res.stderr
        lines = res.stdout.splitlines()
        assert len(lines) == batch
        seen += lines
    # The rest, then nothing more: every record exactly once over the three runs.
    res = console("--bootstrap-server", bs, "--topic", topic, "--group", group, "--timeout-ms", "5000")
    assert res.returncode == 0, res.stderr
    seen += res.stdout.splitlines()
    assert sorted(seen) == sorted(produced)
    assert clients.committed_offsets(bs, group, topic, [0, 1, 2]) == ends

    res = groups_tool("--bootstrap-server", bs, "--describe", "--group", group)
    rows = [ln.split() for ln in res.stdout.splitlines() if ln.startswith(group + " ")]
    assert sorted((int(r[2]), int(r[3]), int(r[5])) for r in rows) == [(p, ends[p], 0) for p in range(3)]


def test_two_console_consumers_split_the_partitions(broker):
    bs, topic, group = broker.bootstrap, "split", "console-split"
    _topic(bs, topic, 4)
    args = ["--bootstrap-server", bs, "--topic", topic, "--group", group, "--from-beginning",
            "--property", "print.partition=true", "--consumer-property", "heartbeat.interval.ms=500",
            "--consumer-property", "session.timeout.ms=6000"]
    first = console_process(*args, "--consumer-property", "client.id=first")
    second = None
    try:
        clients._wait(lambda: _members(bs, group) == {"first": 4}, 60, "the first consumer to own all 4 partitions")
        second = console_process(*args, "--consumer-property", "client.id=second")
        clients._wait(lambda: _members(bs, group) == {"first": 2, "second": 2}, 60, "a 2+2 split")
        ends = clients.produce_sequence(bs, topic, range(4), 25, "s")
        clients._wait(lambda: clients.committed_offsets(bs, group, topic, range(4)) == ends, 60,
                      "both consumers to commit everything (auto commit)")
    finally:
        out1, err1 = _stop(first)
        out2, err2 = _stop(second) if second is not None else ("", "")
    got = {}
    for name, out in (("first", out1), ("second", out2)):
        for line in out.splitlines():
            m = re.fullmatch(r"Partition:(\d+)\t(s-(\d+)-\d+)", line)
            assert m, line
            assert int(m.group(1)) == int(m.group(3))
            got.setdefault(name, set()).add(int(m.group(1)))
    assert got["first"].isdisjoint(got["second"]), got
    assert got["first"] | got["second"] == {0, 1, 2, 3}
    produced = sorted(f"s-{p}-{i}" for p in range(4) for i in range(25))
    values = sorted(line.split("\t", 1)[1] for line in (out1 + out2).splitlines())
    assert values == produced
    assert "Processed a total of" in err1 and "Processed a total of" in err2
    # Both left on SIGTERM: the group is empty again.
    clients._wait(lambda: _members(bs, group) == {}, 30, "the group to be empty")


def test_without_group_a_generated_group_commits_nothing(broker):
    bs, topic = broker.bootstrap, "generated"
    _topic(bs, topic, 2)
    clients.produce_sequence(bs, topic, range(2), 5, "g")
    proc = console_process("--bootstrap-server", bs, "--topic", topic, "--from-beginning", "--timeout-ms", "60000")
    try:
        def generated():
            res = groups_tool("--bootstrap-server", bs, "--list")
            names = [n for n in res.stdout.split() if re.fullmatch(r"console-consumer-\d{1,5}", n)]
            return names[0] if names else None
        name = clients._wait(generated, 60, "a console-consumer-<n> group")
        clients._wait(lambda: len(_members(bs, name)) == 1, 30, "the console consumer to be a member")
        time.sleep(1)
    finally:
        out, err = _stop(proc)
    assert sorted(out.splitlines()) == sorted(f"g-{p}-{i}" for p in range(2) for i in range(5))
    with wire.Connection(bs) as c:
        fetched = wire.offset_fetch(c, 7, name, {topic: [0, 1]})
    assert {p: v["offset"] for (_, p), v in fetched["partitions"].items()} == {0: -1, 1: -1}


def test_console_consumer_shares_a_group_with_librdkafka(broker):
    """Assignment bytes both ways: librdkafka's leader assigns to us, then we lead and assign to it."""
    bs, topic, group = broker.bootstrap, "mixed", "console-mixed"
    _topic(bs, topic, 4)
    log = clients.EventLog()
    rdkafka = clients.ConfluentMember("rdk-1", bs, group, [topic], log, commit=False)
    rdkafka.start()
    ours = None
    try:
        clients._wait(lambda: rdkafka.assignment == {0, 1, 2, 3}, 60, "librdkafka to own every partition")
        ours = console_process("--bootstrap-server", bs, "--topic", topic, "--group", group,
                               "--consumer-property", "client.id=ours", "--consumer-property", "heartbeat.interval.ms=500",
                               "--consumer-property", "session.timeout.ms=6000")
        clients._wait(lambda: _members(bs, group) == {"rdk-1": 2, "ours": 2} and len(rdkafka.assignment) == 2, 60,
                      "a 2+2 split led by librdkafka")
        rdkafka.stop()
        clients._wait(lambda: _members(bs, group) == {"ours": 4}, 60, "ours to take every partition")
        rdkafka = clients.ConfluentMember("rdk-2", bs, group, [topic], log, commit=False)
        rdkafka.start()
        clients._wait(lambda: _members(bs, group) == {"ours": 2, "rdk-2": 2} and len(rdkafka.assignment) == 2, 60,
                      "a 2+2 split led by us")
    finally:
        rdkafka.stop()
        if ours is not None:
            _stop(ours)
