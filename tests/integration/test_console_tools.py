"""Our operator scripts with Kafka's flags: kafka-topics.sh, kafka-console-producer.sh and
kafka-console-consumer.sh (scripts/, running the gregor-* tool binaries from $GREGOR_BUILD_DIR/bin)."""

import os
import subprocess
from pathlib import Path

import pytest

import clients
import harness

ROOT = Path(__file__).resolve().parents[2]
SCRIPTS = ROOT / "scripts"
TOOL_BINARIES = ("gregor-topics", "gregor-console-producer", "gregor-console-consumer")


def _tool_env():
    env = dict(os.environ)
    env["GREGOR_BUILD_DIR"] = str(harness.gregor_binary().parent.parent)
    return env


@pytest.fixture(scope="module", autouse=True)
def tools_present():
    missing = [s for s in ("kafka-topics.sh", "kafka-console-producer.sh", "kafka-console-consumer.sh")
               if not (SCRIPTS / s).exists()]
    assert not missing, f"operator scripts missing: {missing}"
    bin_dir = harness.gregor_binary().parent
    # Fail fast rather than let kafka-run-tool.sh start a build inside a timed test.
    missing = [b for b in TOOL_BINARIES if not (bin_dir / b).exists()]
    assert not missing, f"tool binaries missing from {bin_dir}: {missing} (build them first)"


def run(script, args, input_text=None, timeout=60):
    res = subprocess.run([str(SCRIPTS / script), *args], input=input_text, capture_output=True, text=True,
                         timeout=timeout, env=_tool_env())
    return res


def _fields(line):
    """'Topic: t\\tPartition: 0\\t...' -> {'Topic': 't', 'Partition': '0', ...}."""
    out = {}
    for part in line.strip("\t").split("\t"):
        key, sep, value = part.partition(":")
        if sep:
            out[key.strip()] = value.strip()
    return out


def test_topics_create_describe_list_delete(broker, zk):
    bs = broker.bootstrap
    res = run("kafka-topics.sh", ["--bootstrap-server", bs, "--create", "--topic", "tools-t", "--partitions", "3",
                                  "--replication-factor", "1", "--config", "retention.ms=3600000"])
    assert res.returncode == 0, res.stderr
    assert res.stdout.strip() == "Created topic tools-t."
    clients.wait_topic_ready(bs, "tools-t", 3)

    res = run("kafka-topics.sh", ["--bootstrap-server", bs, "--create", "--topic", "tools-t", "--partitions", "1"])
    assert res.returncode != 0
    assert "already exists" in (res.stdout + res.stderr)

    res = run("kafka-topics.sh", ["--bootstrap-server", bs, "--describe", "--topic", "tools-t"])
    assert res.returncode == 0, res.stderr
    lines = [ln for ln in res.stdout.splitlines() if ln.strip()]
    assert len(lines) == 4, res.stdout
    head = _fields(lines[0])
    assert (head["Topic"], head["PartitionCount"], head["ReplicationFactor"]) == ("tools-t", "3", "1")
    assert "retention.ms=3600000" in head["Configs"]
    parts = [_fields(ln) for ln in lines[1:]]
    assert [(p["Topic"], p["Partition"], p["Leader"], p["Replicas"], p["Isr"]) for p in parts] == \
        [("tools-t", str(i), "0", "0", "0") for i in range(3)]

    clients.create_topic(bs, "other", 1)
    res = run("kafka-topics.sh", ["--bootstrap-server", bs, "--list"])
    assert res.returncode == 0, res.stderr
    assert res.stdout.split() == ["other", "tools-t"]

    res = run("kafka-topics.sh", ["--bootstrap-server", bs, "--delete", "--topic", "tools-t"])
    assert res.returncode == 0, res.stderr
    harness.wait_until(lambda: not zk.exists("/brokers/topics/tools-t"), 30, 0.2, "deletion")
    res = run("kafka-topics.sh", ["--bootstrap-server", bs, "--list"])
    assert res.stdout.split() == ["other"]


def test_console_producer_consumer_round_trip(broker):
    bs = broker.bootstrap
    res = run("kafka-topics.sh", ["--bootstrap-server", bs, "--create", "--topic", "lines", "--partitions", "1",
                                  "--replication-factor", "1"])
    assert res.returncode == 0, res.stderr
    clients.wait_topic_ready(bs, "lines", 1)
    n = 500
    pairs = [(f"user{i % 17}", f"event number {i}: {'ü' * (i % 3)} done") for i in range(n)]
    text = "".join(f"{k}:{v}\n" for k, v in pairs)
    res = run("kafka-console-producer.sh", ["--bootstrap-server", bs, "--topic", "lines", "--property",
                                            "parse.key=true", "--property", "key.separator=:"], input_text=text)
    assert res.returncode == 0, res.stderr

    # Cross-check with an independent client first: keys and values split at the first ':'.
    got = clients.confluent_consume(bs, "lines", [0], n)
    assert [(m[2].decode(), m[3].decode()) for m in got] == pairs

    res = run("kafka-console-consumer.sh", ["--bootstrap-server", bs, "--topic", "lines", "--from-beginning",
                                            "--max-messages", str(n), "--property", "print.key=true"],
              timeout=120)
    assert res.returncode == 0, res.stderr
    out = res.stdout.splitlines()
    assert out == [f"{k}\t{v}" for k, v in pairs]
    assert f"Processed a total of {n} messages" in res.stderr


def test_console_producer_acks_options(broker):
    """--request-required-acks 0, 1, all and -1, and --producer-property acks=1: every line arrives
    (with acks=0 the tool waits for nothing, yet its flush still writes everything); an acks value
    Kafka's producer refuses is refused."""
    bs = broker.bootstrap
    clients.create_topic(bs, "acked", 1)
    clients.wait_topic_ready(bs, "acked", 1)
    settings = [["--request-required-acks", "0"], ["--request-required-acks", "1"],
                ["--request-required-acks", "all"], ["--request-required-acks", "-1"],
                ["--producer-property", "acks=1"]]
    expected = []
    for i, opts in enumerate(settings):
        lines = [f"acks-{i}-{j}" for j in range(50)]
        res = run("kafka-console-producer.sh", ["--bootstrap-server", bs, "--topic", "acked", *opts],
                  input_text="".join(f"{line}\n" for line in lines))
        assert res.returncode == 0, (opts, res.stderr)
        expected += lines
    got = clients.confluent_consume(bs, "acked", [0], len(expected))
    assert [m[3].decode() for m in got] == expected
    res = run("kafka-console-producer.sh", ["--bootstrap-server", bs, "--topic", "acked",
                                            "--request-required-acks", "2"], input_text="never\n")
    assert res.returncode != 0
    assert "acks" in res.stderr, res.stderr


def test_console_consumer_max_messages_stops_early(broker):
    bs = broker.bootstrap
    clients.create_topic(bs, "few", 1)
    clients.wait_topic_ready(bs, "few", 1)
    clients.confluent_produce(bs, "few", [clients.Rec(f"k{i}".encode(), f"m{i}".encode(), 1_700_000_000_000 + i, [])
                                          for i in range(20)])
    res = run("kafka-console-consumer.sh", ["--bootstrap-server", bs, "--topic", "few", "--from-beginning",
                                            "--max-messages", "5"], timeout=60)
    assert res.returncode == 0, res.stderr
    assert res.stdout.splitlines() == [f"m{i}" for i in range(5)]
