"""Log behaviour seen through clients: segment rolling, retention, several log dirs, LogAppendTime,
oversized records, acks=0, and fetching from inside a compressed batch."""

import struct
import time

import pytest
from confluent_kafka import TIMESTAMP_LOG_APPEND_TIME, Consumer, KafkaError, Producer, TopicPartition

import clients
import harness
import wire


def _segments(broker, topic, partition):
    return sorted(p.name for p in broker.partition_dir(topic, partition).glob("*.log"))


def test_segments_roll_and_survive_restart(broker_factory):
    b = broker_factory(extra_props={"log.segment.bytes": 256 * 1024})
    clients.create_topic(b.bootstrap, "rolling", partitions=1)
    clients.wait_topic_ready(b.bootstrap, "rolling", 1)
    records = clients.make_records(20_000, "roll")
    delivered = clients.confluent_produce(b.bootstrap, "rolling", records, extra={"batch.num.messages": 500})
    segs = _segments(b, "rolling", 0)
    assert len(segs) >= 4, segs
    # Segment files are named after their base offsets, which are strictly increasing.
    bases = [int(name.split(".")[0]) for name in segs]
    assert bases[0] == 0 and bases == sorted(bases) and len(set(bases)) == len(bases)
    for name in segs:
        size = (b.partition_dir("rolling", 0) / name).stat().st_size
        assert size <= 256 * 1024, f"{name} is {size} bytes, above log.segment.bytes"

    # By-timestamp lookups across segments (first record of a later segment).
    third_base = bases[2]
    with wire.Connection(b.bootstrap) as c:
        got = wire.list_offsets_v1(c, "rolling", {0: records[third_base].timestamp})[0]
    assert got[2] == third_base  # (the timestamp is checked in test_list_offsets.py)

    assert b.stop() == 0
    for name in segs[:-1]:
        idx = b.partition_dir("rolling", 0) / name.replace(".log", ".index")
        tix = b.partition_dir("rolling", 0) / name.replace(".log", ".timeindex")
        assert idx.stat().st_size % 8 == 0 and idx.stat().st_size < 4096
        assert tix.stat().st_size % 12 == 0 and tix.stat().st_size < 4096
    b.start()
    consumed = clients.confluent_consume(b.bootstrap, "rolling", [0], len(records))
    clients.compare_consumed(records, consumed, delivered)
    # Start in the middle of the third segment.
    mid = third_base + 7
    tail = clients.confluent_consume(b.bootstrap, "rolling", [0], len(records) - mid, start_offsets={0: mid})
    assert [m[1] for m in tail] == list(range(mid, len(records)))


def test_retention_by_size_deletes_oldest_segments(broker_factory):
    b = broker_factory(extra_props={"log.segment.bytes": 64 * 1024, "log.retention.bytes": 256 * 1024,
                                    "log.retention.check.interval.ms": 300})
    clients.create_topic(b.bootstrap, "retained", partitions=1)
    clients.wait_topic_ready(b.bootstrap, "retained", 1)
    records = clients.make_records(20_000, "ret")
    clients.confluent_produce(b.bootstrap, "retained", records, extra={"batch.num.messages": 200})

    def start_offset():
        with wire.Connection(b.bootstrap) as c:
            return wire.list_offsets_v1(c, "retained", {0: -2})[0][2]
    def kept_bytes():
        return sum((b.partition_dir("retained", 0) / s).stat().st_size for s in _segments(b, "retained", 0))
    # Rounds also run while the producer writes; wait for the state no further round changes:
    # dropping the oldest segment would take the log below retention.bytes (§7's size rule), and
    # the log start offset is that segment's base.
    def settled():
        segs = _segments(b, "retained", 0)
        oldest = (b.partition_dir("retained", 0) / segs[0]).stat().st_size
        low = start_offset()
        done = kept_bytes() - oldest < 256 * 1024 and low > 0 and low == int(segs[0].split(".")[0])
        return (low,) if done else None
    low = harness.wait_until(settled, 20, 0.3, "retention to delete the oldest segments")[0]
    with wire.Connection(b.bootstrap) as c:
        high = wire.list_offsets_v1(c, "retained", {0: -1})[0][2]
    assert high == len(records)
    # The log start is the base offset of the oldest remaining segment.
    segs = _segments(b, "retained", 0)
    assert int(segs[0].split(".")[0]) == low
    remaining = sum((b.partition_dir("retained", 0) / s).stat().st_size for s in segs)
    assert remaining <= 256 * 1024 + 64 * 1024, f"{remaining} bytes kept"
    got = clients.confluent_consume(b.bootstrap, "retained", [0], high - low, start_offsets={0: low})
    assert [m[2] for m in got] == [r.key for r in records[low:]]


def test_multiple_log_dirs(broker_factory):
    b = broker_factory(start=False)
    dirs = [b.workdir / "d1", b.workdir / "d2"]
    b.props["log.dirs"] = ",".join(str(d) for d in dirs)
    b.start()
    clients.create_topic(b.bootstrap, "spread", partitions=6)
    clients.wait_topic_ready(b.bootstrap, "spread", 6)
    records = clients.make_records(6000, "spread")
    delivered = clients.confluent_produce(b.bootstrap, "spread", records)
    placed = {d: sorted(p.name for p in d.iterdir() if p.name.startswith("spread-")) for d in dirs}
    assert sorted(placed[dirs[0]] + placed[dirs[1]]) == [f"spread-{i}" for i in range(6)]
    assert placed[dirs[0]] and placed[dirs[1]], f"all partitions in one dir: {placed}"
    for d in dirs:
        assert (d / "meta.properties").exists()
    assert b.stop() == 0
    for d in dirs:
        assert (d / ".kafka_cleanshutdown").exists()
    b.start()
    consumed = clients.confluent_consume(b.bootstrap, "spread", list(range(6)), len(records))
    clients.compare_consumed(records, consumed, delivered)


def test_log_append_time_topic(broker):
    a = clients.admin(broker.bootstrap)
    from confluent_kafka.admin import NewTopic
    a.create_topics([NewTopic("lat", 1, 1, config={"message.timestamp.type": "LogAppendTime"})])["lat"].result(30)
    clients.wait_topic_ready(broker.bootstrap, "lat", 1)
    before = int(time.time() * 1000)
    records = clients.make_records(2000, "lat", base_ts=1_000_000_000_000)
    clients.confluent_produce(broker.bootstrap, "lat", records, codec="zstd")
    after = int(time.time() * 1000)
    got = clients.confluent_consume(broker.bootstrap, "lat", [0], len(records))
    assert len(got) == len(records)
    for m, r in zip(got, records):
        assert (m[2], m[3]) == (r.key, r.value)
        assert m[4] == TIMESTAMP_LOG_APPEND_TIME
        assert before - 1000 <= m[5] <= after + 1000, f"append time {m[5]} outside [{before}, {after}]"


def test_record_larger_than_message_max_bytes(broker_factory):
    b = broker_factory(extra_props={"message.max.bytes": 100_000})
    clients.create_topic(b.bootstrap, "big", partitions=1)
    clients.wait_topic_ready(b.bootstrap, "big", 1)
    p = Producer({"bootstrap.servers": b.bootstrap, "message.max.bytes": 1_000_000, "linger.ms": 0,
                  "retries": 0, **clients.QUIET_LOG})
    results = []
    # Separate batches: the broker refuses a whole batch, so the small record must not share it.
    p.produce("big", key=b"k", value=b"x" * 200_000, on_delivery=lambda err, msg: results.append(err))
    assert p.flush(30) == 0
    p.produce("big", key=b"k2", value=b"small", on_delivery=lambda err, msg: results.append(err))
    assert p.flush(30) == 0
    errs = [e.code() if e else 0 for e in results]
    assert errs == [KafkaError.MSG_SIZE_TOO_LARGE, 0], results
    with wire.Connection(b.bootstrap) as c:
        assert wire.list_offsets_v1(c, "big", {0: -1})[0][2] == 1


def test_acks_0_produce(broker):
    clients.create_topic(broker.bootstrap, "fire-and-forget", partitions=1)
    wire.wait_for_leader(broker.bootstrap, "fire-and-forget", 1)
    with wire.Connection(broker.bootstrap) as c:
        # No response for acks=0; the next request on the connection is answered with ITS id.
        for i in range(3):
            blob = wire.record_batch([(f"k{i}".encode(), b"v", 1_700_000_000_000, [])], 1_700_000_000_000)
            c.send_raw(wire.frame(wire.request_header(wire.API_PRODUCE, 3, 100 + i)
                                  + wire.produce_v3_body("fire-and-forget", 0, blob, acks=0)))
        corr = c.next_correlation()
        c.send_raw(wire.frame(wire.request_header(wire.API_METADATA, 1, corr) + wire.array(None)))
        resp = c.recv_frame()
        assert struct.unpack(">i", resp[:4])[0] == corr
        harness.wait_until(lambda: wire.list_offsets_v1(c, "fire-and-forget", {0: -1})[0][2] == 3, 10, 0.1,
                           "acks=0 records to be appended")
    records = clients.make_records(5000, "acks0")
    p = Producer({"bootstrap.servers": broker.bootstrap, "acks": 0, "linger.ms": 5, **clients.QUIET_LOG})
    for r in records:
        p.produce("fire-and-forget", key=r.key, value=r.value, timestamp=r.timestamp)
    assert p.flush(30) == 0
    got = clients.confluent_consume(broker.bootstrap, "fire-and-forget", [0], 3 + len(records))
    assert [m[2] for m in got[3:]] == [r.key for r in records]


@pytest.mark.parametrize("codec", ["none", "zstd"])
def test_fetch_from_inside_a_compressed_batch(broker, codec):
    clients.create_topic(broker.bootstrap, "mid", partitions=1)
    clients.wait_topic_ready(broker.bootstrap, "mid", 1)
    records = clients.make_records(3000, "mid")
    with wire.Connection(broker.bootstrap) as c:
        for start in range(0, 3000, 1000):
            chunk = [(r.key, r.value, r.timestamp, r.headers) for r in records[start:start + 1000]]
            body = wire.produce_v3_body("mid", 0, wire.record_batch(chunk, chunk[0][2], codec=codec), acks=1)
            resp = wire.decode_produce_v3(c.request(wire.API_PRODUCE, 7, body), 7)
            assert resp["responses"][0]["partitions"][0]["error_code"] == 0
    for start in (1, 999, 1000, 1500, 2999):
        got = clients.confluent_consume(broker.bootstrap, "mid", [0], 3000 - start, start_offsets={0: start})
        assert [m[1] for m in got] == list(range(start, 3000)), f"start {start}"
        assert [m[2] for m in got] == [r.key for r in records[start:]]


def test_raw_fetch_v4(broker):
    clients.create_topic(broker.bootstrap, "rawfetch", partitions=1)
    wire.wait_for_leader(broker.bootstrap, "rawfetch", 1)
    records = clients.make_records(10, "rf")
    clients.confluent_produce(broker.bootstrap, "rawfetch", records)
    with wire.Connection(broker.bootstrap) as c:
        ok = wire.fetch_v4(c, "rawfetch", 0, 0)
        assert ok["trailing"] == 0
        assert (ok["error_code"], ok["high_watermark"], ok["last_stable_offset"]) == (0, 10, 10)
        assert ok["records_size"] > 0 and ok["records"][16] == 2  # a v2 batch
        at_end = wire.fetch_v4(c, "rawfetch", 0, 10)
        assert (at_end["error_code"], at_end["records_size"]) == (0, 0)


# Kafka answers an errored partition with EMPTY records (size 0); null (-1) would make librdkafka 2.0.2
# fail to parse the whole response ("invalid MessageSetSize -1") and retry forever instead of
# reporting OFFSET_OUT_OF_RANGE.


def test_raw_fetch_v4_out_of_range_has_empty_records(broker):
    clients.create_topic(broker.bootstrap, "rawoor", partitions=1)
    wire.wait_for_leader(broker.bootstrap, "rawoor", 1)
    clients.confluent_produce(broker.bootstrap, "rawoor", clients.make_records(10, "ro"))
    with wire.Connection(broker.bootstrap) as c:
        oor = wire.fetch_v4(c, "rawoor", 0, 50)
        assert oor["error_code"] == 1  # OFFSET_OUT_OF_RANGE
        assert oor["records_size"] == 0, f"records size field {oor['records_size']}"


def test_raw_fetch_v4_out_of_range_error_code(broker):
    clients.create_topic(broker.bootstrap, "rawoor2", partitions=1)
    wire.wait_for_leader(broker.bootstrap, "rawoor2", 1)
    clients.confluent_produce(broker.bootstrap, "rawoor2", clients.make_records(10, "ro"))
    with wire.Connection(broker.bootstrap) as c:
        oor = wire.fetch_v4(c, "rawoor2", 0, 50)
        assert (oor["error_code"], oor["high_watermark"]) == (1, 10)
        unknown = wire.fetch_v4(c, "rawoor2", 5, 0)
        assert unknown["error_code"] == 3  # UNKNOWN_TOPIC_OR_PARTITION


def test_fetch_out_of_range_offset(broker):
    clients.create_topic(broker.bootstrap, "oor", partitions=1)
    clients.wait_topic_ready(broker.bootstrap, "oor", 1)
    clients.confluent_produce(broker.bootstrap, "oor", clients.make_records(10, "oor"))
    c = Consumer({"bootstrap.servers": broker.bootstrap, "group.id": "unused", "auto.offset.reset": "error",
                  "enable.auto.commit": False, **clients.QUIET_LOG})
    try:
        c.assign([TopicPartition("oor", 0, 50)])
        deadline = time.monotonic() + 8
        err = None
        while time.monotonic() < deadline and err is None:
            m = c.poll(0.5)
            if m is not None and m.error() is not None:
                err = m.error()
        assert err is not None and err.code() == KafkaError._AUTO_OFFSET_RESET, err
    finally:
        c.close()
