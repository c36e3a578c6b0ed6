"""kafka-producer-perf-test.sh and kafka-consumer-perf-test.sh (librdkafka-based tools in
src/perf/): small runs against a real broker, with Kafka's output lines parsed field by field."""

import json
import os
import re
import subprocess
import time
from pathlib import Path

import pytest

import clients
import harness

ROOT = Path(__file__).resolve().parents[2]
SCRIPTS = ROOT / "scripts"
TOOL_BINARIES = ("gregor-producer-perf-test", "gregor-consumer-perf-test")

WINDOW = re.compile(r"^(\d+) records sent, ([\d.]+) records/sec \(([\d.]+) MB/sec\), ([\d.]+) ms avg latency, "
                    r"([\d.]+) ms max latency\.$")
TOTAL = re.compile(r"^(\d+) records sent, (\d+\.\d{6}) records/sec \((\d+\.\d{2}) MB/sec\), (\d+\.\d{2}) ms avg "
                   r"latency, (\d+\.\d{2}) ms max latency, (\d+) ms 50th, (\d+) ms 95th, (\d+) ms 99th, "
                   r"(\d+) ms 99\.9th\.$")
CONSUMER_HEADER = ("start.time, end.time, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec, "
                   "rebalance.time.ms, fetch.time.ms, fetch.MB.sec, fetch.nMsg.sec")
DETAILED_HEADER = ("time, threadId, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec, "
                   "rebalance.time.ms, fetch.time.ms, fetch.MB.sec, fetch.nMsg.sec")
DATE = r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}:\d{3}"
CONSUMER_LINE = re.compile(rf"^({DATE}), ({DATE}), (\d+\.\d{{4}}), (\d+\.\d{{4}}), (\d+), (\d+\.\d{{4}}), (\d+), "
                           rf"(-?\d+), (\d+\.\d{{4}}), (\d+\.\d{{4}})$")


def _tool_env():
    env = dict(os.environ)
    env["GREGOR_BUILD_DIR"] = str(harness.gregor_binary().parent.parent)
    return env


@pytest.fixture(scope="module", autouse=True)
def tools_present():
    bin_dir = harness.gregor_binary().parent
    # Fail fast rather than let kafka-run-tool.sh start a build inside a timed test.
    missing = [b for b in TOOL_BINARIES if not (bin_dir / b).exists()]
    assert not missing, f"tool binaries missing from {bin_dir}: {missing} (build them first)"


def run(script, args, timeout=120):
    return subprocess.run([str(SCRIPTS / script), *args], capture_output=True, text=True, timeout=timeout,
                          env=_tool_env())


def produce(bs, topic, n, extra=(), props=()):
    return run("kafka-producer-perf-test.sh",
               ["--topic", topic, "--num-records", str(n), *extra, "--producer-props",
                f"bootstrap.servers={bs}", *props])


def total_line(stdout):
    lines = [ln for ln in stdout.splitlines() if TOTAL.match(ln)]
    assert len(lines) == 1, f"expected one total line in:\n{stdout}"
    return TOTAL.match(lines[0])


def test_producer_unthrottled_then_consumer_reads_it_all(broker):
    bs = broker.bootstrap
    clients.create_topic(bs, "perf-a", partitions=2)
    clients.wait_topic_ready(bs, "perf-a", 2)

    res = produce(bs, "perf-a", 3000, ["--record-size", "100", "--throughput", "-1"], ["acks=all", "linger.ms=5"])
    assert res.returncode == 0, res.stderr
    m = total_line(res.stdout)
    assert int(m.group(1)) == 3000
    assert float(m.group(2)) > 0 and float(m.group(3)) > 0
    p50, p95, p99, p999 = (int(m.group(i)) for i in range(6, 10))
    assert p50 <= p95 <= p99 <= p999 <= float(m.group(5)) + 1

    res = run("kafka-consumer-perf-test.sh", ["--bootstrap-server", bs, "--topic", "perf-a", "--messages", "3000",
                                              "--timeout", "20000", "--print-metrics"])
    assert res.returncode == 0, res.stderr
    lines = res.stdout.strip().splitlines()
    assert lines[0] == CONSUMER_HEADER
    # --print-metrics: librdkafka's statistics JSON after a title line.
    assert len(lines) == 5 and lines[2] == "" and "statistics" in lines[3], res.stdout
    assert json.loads(lines[4])["type"] == "consumer"
    m = CONSUMER_LINE.match(lines[1])
    assert m, lines[1]
    assert m.group(1) <= m.group(2)  # same format, so string order is time order
    assert float(m.group(3)) == pytest.approx(3000 * 100 / 1048576, abs=1e-4)
    assert int(m.group(5)) == 3000
    rebalance_ms, fetch_ms = int(m.group(7)), int(m.group(8))
    assert rebalance_ms >= 0 and fetch_ms >= 0

    # Every record really is 100 bytes of uppercase letters.
    got = clients.confluent_consume(bs, "perf-a", [0, 1], 3000, timeout=60)
    assert len(got) == 3000
    assert all(len(v) == 100 and re.fullmatch(rb"[A-Z]+", v) for (_, _, _, v, _, _, _) in got)


def test_producer_throttled_prints_windows(broker):
    bs = broker.bootstrap
    clients.create_topic(bs, "perf-b", partitions=1)
    clients.wait_topic_ready(bs, "perf-b", 1)
    started = time.monotonic()
    # 1200 records/sec for 7200 records: about 6 s, so one 5-second window line comes first.
    res = produce(bs, "perf-b", 7200, ["--record-size", "10", "--throughput", "1200"], ["acks=1"])
    elapsed = time.monotonic() - started
    assert res.returncode == 0, res.stderr
    assert elapsed >= 5.0, f"throttled run took {elapsed:.1f} s"
    lines = res.stdout.strip().splitlines()
    windows = [WINDOW.match(ln) for ln in lines[:-1]]
    assert windows and all(windows), res.stdout
    rate = float(windows[0].group(2))
    assert 600 < rate < 1800, f"window rate {rate} far from the 1200/s target"
    assert int(total_line(res.stdout).group(1)) == 7200
    assert sum(int(w.group(1)) for w in windows) < 7200


def test_producer_payload_file_and_props_file(broker, tmp_path):
    bs = broker.bootstrap
    clients.create_topic(bs, "perf-c", partitions=1)
    clients.wait_topic_ready(bs, "perf-c", 1)
    payloads = tmp_path / "payloads.txt"
    payloads.write_text("alpha|beta|gamma-gamma|")
    config = tmp_path / "producer.properties"
    config.write_text(f"# a Java client config\nbootstrap.servers={bs}\nacks=1\nkey.serializer=ignored.Class\n"
                      "buffer.memory=33554432\n")
    res = run("kafka-producer-perf-test.sh",
              ["--topic", "perf-c", "--num-records", "200", "--payload-file", str(payloads), "--payload-delimiter",
               "|", "--throughput", "-1", "--producer.config", str(config), "--transactional-id", "tx-1",
               "--print-metrics"])
    assert res.returncode == 0, res.stderr
    assert f"Reading payloads from: {payloads}" in res.stdout
    assert "Number of messages read: 3" in res.stdout
    assert "transaction" in res.stderr  # the ignored --transactional-id is reported
    assert int(total_line(res.stdout).group(1)) == 200
    assert json.loads(res.stdout.strip().splitlines()[-1])["type"] == "producer"
    got = clients.confluent_consume(bs, "perf-c", [0], 200, timeout=60)
    values = {v for (_, _, _, v, _, _, _) in got}
    assert len(got) == 200 and values <= {b"alpha", b"beta", b"gamma-gamma"} and len(values) >= 2


def test_consumer_detailed_stats_hide_header_and_timeout(broker):
    bs = broker.bootstrap
    clients.create_topic(bs, "perf-d", partitions=1)
    clients.wait_topic_ready(bs, "perf-d", 1)
    res = produce(bs, "perf-d", 500, ["--payload-monotonic", "--throughput", "-1"], ["acks=1"])
    assert res.returncode == 0, res.stderr

    res = run("kafka-consumer-perf-test.sh", ["--broker-list", bs, "--topic", "perf-d", "--messages", "500",
                                              "--show-detailed-stats", "--reporting-interval", "1", "--threads", "3"])
    assert res.returncode == 0, res.stderr
    lines = res.stdout.strip().splitlines()
    assert lines[0].startswith("WARNING: option [threads] and [num-fetch-threads] have been deprecated")
    assert lines[1] == DETAILED_HEADER
    # Detailed mode prints interval lines only ("time, threadId, ..."), no summary line.
    for ln in lines[2:]:
        assert re.match(rf"^{DATE}, 0, \d+\.\d{{4}}, \d+\.\d{{4}}, \d+, \d+\.\d{{4}}, \d+, -?\d+, "
                        rf"\d+\.\d{{4}}, \d+\.\d{{4}}$", ln), ln

    # More messages than the topic holds: Kafka's warning after --timeout ms without records.
    started = time.monotonic()
    res = run("kafka-consumer-perf-test.sh", ["--bootstrap-server", bs, "--topic", "perf-d", "--messages", "600",
                                              "--timeout", "1500", "--hide-header"])
    assert res.returncode == 0, res.stderr
    assert time.monotonic() - started < 30
    lines = res.stdout.strip().splitlines()
    assert lines[0].startswith("WARNING: Exiting before consuming the expected number of messages: "
                               "timeout (1500 ms) exceeded.")
    m = CONSUMER_LINE.match(lines[1])
    assert m and int(m.group(5)) == 500, res.stdout
    # --payload-monotonic: values "0".."499" -> 10 + 180 + 1200 = 1390 bytes in all.
    assert float(m.group(3)) == pytest.approx(1390 / 1048576, abs=1e-4)


def test_usage_errors_exit_1(broker):
    bs = broker.bootstrap
    res = produce(bs, "perf-e", 10, ["--throughput", "-1"])  # no payload option
    assert res.returncode == 1
    res = produce(bs, "perf-e", 10, ["--record-size", "10", "--throughput", "-1"], ["not-a-pair"])
    assert res.returncode == 1 and "Invalid property" in res.stderr
    res = run("kafka-producer-perf-test.sh", ["--topic", "perf-e", "--num-records", "10", "--record-size", "10",
                                              "--throughput", "-1"])
    assert res.returncode == 1 and "bootstrap.servers" in res.stderr
    res = run("kafka-consumer-perf-test.sh", ["--topic", "perf-e", "--messages", "10"])
    assert res.returncode == 1 and "bootstrap-server" in res.stderr
    res = run("kafka-consumer-perf-test.sh", ["--bootstrap-server", bs, "--topic", "no-such-topic", "--messages", "1",
                                              "--timeout", "1000"])
    assert res.returncode == 1 and "no-such-topic" in res.stderr
