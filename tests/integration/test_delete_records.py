"""DeleteRecords (API key 21, v0-2) by raw requests and through kafka-delete-records.sh: the log
start offset moves, fetches below it are OFFSET_OUT_OF_RANGE, consumers reset, segments below it
are deleted, and the new start survives clean and unclean restarts."""

import json
import os
import struct
import subprocess
import time
from pathlib import Path

from confluent_kafka.admin import AdminClient, NewTopic

import clients
import harness
import wire
from test_crash_recovery import start_after_kill
from test_retention import confluent_first_offset, earliest_and_latest, kafka_python_first_offset, segment_bases

API_DELETE_RECORDS = 21
ROOT = Path(__file__).resolve().parents[2]


def delete_records(conn, version, topic, offsets, timeout_ms=5000):
    """offsets: {partition: offset}. Returns {partition: (error_code, low_watermark)}."""
    if version >= 2:
        parts = [struct.pack(">iq", p, o) + wire.uvarint(0) for p, o in sorted(offsets.items())]
        t = wire.compact_string(topic) + wire.uvarint(len(parts) + 1) + b"".join(parts) + wire.uvarint(0)
        body = wire.uvarint(2) + t + struct.pack(">i", timeout_ms) + wire.uvarint(0)
        r = wire.Reader(conn.request(API_DELETE_RECORDS, version, body, flexible_header=True))
        r.tagged_fields()
        r.int32()  # throttle
        out = {}
        for _ in range(r.uvarint() - 1):
            r.compact_string()
            for _ in range(r.uvarint() - 1):
                p, low, err = r.int32(), r.int64(), r.int16()
                r.tagged_fields()
                out[p] = (err, low)
            r.tagged_fields()
        r.tagged_fields()
        return out
    parts = [struct.pack(">iq", p, o) for p, o in sorted(offsets.items())]
    body = wire.array([wire.string(topic) + wire.array(parts)]) + struct.pack(">i", timeout_ms)
    r = wire.Reader(conn.request(API_DELETE_RECORDS, version, body))
    r.int32()  # throttle
    out = {}
    for _ in range(r.int32()):
        r.string()
        for _ in range(r.int32()):
            p, low, err = r.int32(), r.int64(), r.int16()
            out[p] = (err, low)
    return out


def run_script(broker, offsets_json, tmp_path):
    f = tmp_path / "offsets.json"
    f.write_text(json.dumps(offsets_json))
    env = dict(os.environ)
    env["GREGOR_BUILD_DIR"] = str(harness.gregor_binary().parent.parent)
    return subprocess.run([str(ROOT / "scripts" / "kafka-delete-records.sh"), "--bootstrap-server", broker.bootstrap,
                           "--offset-json-file", str(f)], capture_output=True, text=True, timeout=120, env=env)


def test_delete_records_moves_the_log_start(broker_factory, zk):
    b = broker_factory(extra_props={"log.segment.bytes": 16 * 1024, "log.retention.check.interval.ms": 300,
                                    "log.segment.delete.delay.ms": 200,
                                    "log.flush.start.offset.checkpoint.interval.ms": 300})
    clients.create_topic(b.bootstrap, "dr", partitions=2)
    clients.wait_topic_ready(b.bootstrap, "dr", 2)
    records = clients.make_records(2000, "dr")
    clients.confluent_produce(b.bootstrap, "dr", records, partition=0, extra={"batch.num.messages": 50})
    assert len(segment_bases(b, "dr")) > 4

    with wire.Connection(b.bootstrap) as c:
        assert delete_records(c, 0, "dr", {0: 300}) == {0: (0, 300)}
        assert delete_records(c, 1, "dr", {0: 250}) == {0: (0, 300)}  # never moves back
        assert delete_records(c, 2, "dr", {0: 455, 1: 0}) == {0: (0, 455), 1: (0, 0)}
        assert delete_records(c, 1, "dr", {0: 5000}) == {0: (1, -1)}   # above the high watermark
        assert delete_records(c, 1, "dr", {0: -7}) == {0: (1, -1)}
        assert delete_records(c, 1, "dr", {9: 1}) == {9: (3, -1)}      # no such partition
        assert delete_records(c, 1, "nope", {0: 1}) == {0: (3, -1)}
        assert wire.fetch_v4(c, "dr", 0, 454)["error_code"] == 1        # OFFSET_OUT_OF_RANGE
        assert wire.fetch_v4(c, "dr", 0, 455)["error_code"] == 0
    assert earliest_and_latest(b.bootstrap, "dr") == (455, 2000)
    got = clients.confluent_consume(b.bootstrap, "dr", [0], 2000 - 455, start_offsets={0: 455})
    assert [m[2] for m in got] == [r.key for r in records[455:]]
    assert confluent_first_offset(b.bootstrap, "dr", "earliest", 0) == 455
    assert kafka_python_first_offset(b.bootstrap, "dr", 10) == 455

    # Segments wholly below the new start are deleted by the next retention round.
    def trimmed():
        bases = segment_bases(b, "dr")
        return bases[0] <= 455 and (len(bases) == 1 or bases[1] > 455) and bases[0] > 0
    harness.wait_until(trimmed, 15, 0.2, "segments below the log start to be deleted")

    # A clean restart keeps it (log-start-offset-checkpoint), and so does kill -9 once the
    # periodic checkpoint ran.
    assert b.stop() == 0
    lines = (b.log_dir / "log-start-offset-checkpoint").read_text().split("\n")
    assert "dr 0 455" in lines, lines
    b.start()
    assert earliest_and_latest(b.bootstrap, "dr") == (455, 2000)
    with wire.Connection(b.bootstrap) as c:
        assert delete_records(c, 1, "dr", {0: 460}) == {0: (0, 460)}
    time.sleep(1.5)
    b.kill9()
    start_after_kill(b, zk)
    assert earliest_and_latest(b.bootstrap, "dr") == (460, 2000)

    # -1 means the high watermark: everything goes.
    with wire.Connection(b.bootstrap) as c:
        assert delete_records(c, 1, "dr", {0: -1}) == {0: (0, 2000)}
    assert earliest_and_latest(b.bootstrap, "dr") == (2000, 2000)
    more = clients.confluent_produce(b.bootstrap, "dr", clients.make_records(3, "more"), partition=0)
    assert sorted(o for _, o in more.values()) == [2000, 2001, 2002]


def test_delete_records_is_refused_on_compacted_topics(broker_factory):
    b = broker_factory()
    a = AdminClient({"bootstrap.servers": b.bootstrap, **clients.QUIET_LOG})
    fs = a.create_topics([NewTopic("compacted", 1, 1, config={"cleanup.policy": "compact"})])
    fs["compacted"].result(30)
    clients.wait_topic_ready(b.bootstrap, "compacted", 1)
    recs = [clients.Rec(f"k{i}".encode(), b"v", 0, []) for i in range(10)]
    clients.confluent_produce(b.bootstrap, "compacted", recs, partition=0)
    with wire.Connection(b.bootstrap) as c:
        assert delete_records(c, 1, "compacted", {0: 5}) == {0: (44, -1)}  # POLICY_VIOLATION


def test_kafka_delete_records_script(broker_factory, tmp_path):
    b = broker_factory()
    clients.create_topic(b.bootstrap, "tool", partitions=2)
    clients.wait_topic_ready(b.bootstrap, "tool", 2)
    clients.confluent_produce(b.bootstrap, "tool", clients.make_records(100, "t0"), partition=0)
    clients.confluent_produce(b.bootstrap, "tool", clients.make_records(10, "t1"), partition=1)
    out = run_script(b, {"partitions": [{"topic": "tool", "partition": 0, "offset": 40},
                                        {"topic": "tool", "partition": 1, "offset": 50}], "version": 1}, tmp_path)
    assert out.returncode == 0, out.stderr
    lines = out.stdout.strip().split("\n")
    assert lines[0] == "Executing records delete operation"
    assert lines[1] == "Records delete operation completed:"
    assert sorted(lines[2:]) == sorted([
        "partition: tool-0\tlow_watermark: 40",
        "partition: tool-1\terror: org.apache.kafka.common.errors.OffsetOutOfRangeException: "
        "The requested offset is not within the range of offsets maintained by the server.",
    ])
    assert earliest_and_latest(b.bootstrap, "tool")[0] == 40
    bad = run_script(b, {"partitions": [{"topic": "tool", "partition": 0, "offset": 1},
                                        {"topic": "tool", "partition": 0, "offset": 2}], "version": 1}, tmp_path)
    assert bad.returncode != 0
    assert "Offset json file contains duplicate topic partitions: tool-0" in bad.stdout + bad.stderr
