"""Retention by time (ON-DISK-FORMAT §7) on small segments, and what consumers see afterwards:
ListOffsets earliest follows the log start offset, and a fetch below it is OFFSET_OUT_OF_RANGE, which
auto.offset.reset=earliest/latest resolves in confluent-kafka and kafka-python.
(Retention by size: test_log_behaviour.py.)"""

import time

from confluent_kafka import Consumer, TopicPartition
from kafka import KafkaConsumer
from kafka import TopicPartition as KpTopicPartition

import clients
import harness
import wire

DAY_MS = 24 * 3600 * 1000


def earliest_and_latest(bootstrap, topic, partition=0):
    with wire.Connection(bootstrap) as c:
        e = wire.list_offsets_v1(c, topic, {partition: -2})[partition]
        l = wire.list_offsets_v1(c, topic, {partition: -1})[partition]
    assert e[0] == 0 and l[0] == 0, (e, l)
    return e[2], l[2]


def segment_bases(broker, topic, partition=0):
    return sorted(int(p.name.split(".")[0]) for p in broker.partition_dir(topic, partition).glob("*.log"))


def deleted_files(broker, topic, partition=0):
    return sorted(p.name for p in broker.partition_dir(topic, partition).glob("*.deleted"))


def confluent_first_offset(bootstrap, topic, reset, start, timeout=30):
    """Assigns partition 0 at `start` with auto.offset.reset=`reset`; returns the first message's offset."""
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": "unused", "enable.auto.commit": False,
                  "auto.offset.reset": reset, "fetch.wait.max.ms": 100, **clients.QUIET_LOG})
    try:
        c.assign([TopicPartition(topic, 0, start)])
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for m in c.consume(num_messages=1, timeout=0.5):
                if m.error() is None:
                    return m.offset()
        return None
    finally:
        c.close()


def kafka_python_first_offset(bootstrap, topic, start, timeout=30):
    c = KafkaConsumer(**clients.kafka_python_kwargs(bootstrap), auto_offset_reset="earliest",
                      enable_auto_commit=False, consumer_timeout_ms=int(timeout * 1000))
    try:
        tp = KpTopicPartition(topic, 0)
        c.assign([tp])
        c.seek(tp, start)
        for m in c:
            return m.offset
        return None
    finally:
        c.close()


def test_retention_by_time_deletes_old_segments(broker_factory):
    b = broker_factory(extra_props={"log.segment.bytes": 16 * 1024, "log.retention.check.interval.ms": 300,
                                    "log.segment.delete.delay.ms": 1500, "log.retention.hours": 168})
    clients.create_topic(b.bootstrap, "aging", partitions=1)
    clients.wait_topic_ready(b.bootstrap, "aging", 1)
    now = int(time.time() * 1000)
    old = clients.make_records(3000, "old", base_ts=now - 10 * DAY_MS)
    new = clients.make_records(300, "new", base_ts=now - 1000)
    clients.confluent_produce(b.bootstrap, "aging", old, partition=0, extra={"batch.num.messages": 50})
    clients.confluent_produce(b.bootstrap, "aging", new, partition=0, extra={"batch.num.messages": 50})
    total = len(old) + len(new)
    # Many small segments were rolled (retention may already have deleted some of them).
    assert segment_bases(b, "aging")[-1] >= 2000

    # Every segment holding only 10-day-old records goes (rounds run while the producer still
    # writes); the one where the new records begin stays. A segment holds ~150 records.
    def settled():
        # Done when the first segment is the one holding the first new record (offset len(old)):
        # a segment of only old records may still be waiting for the next round.
        low = earliest_and_latest(b.bootstrap, "aging")[0]
        bases = segment_bases(b, "aging")
        return (low == bases[0] and bases[0] <= len(old)
                and (len(bases) == 1 or bases[1] > len(old)))
    harness.wait_until(settled, 20, 0.2, "time retention to delete every old segment")
    low, high = earliest_and_latest(b.bootstrap, "aging")
    assert high == total
    assert 0 < low <= len(old)
    assert segment_bases(b, "aging")[0] == low
    # Renamed to .deleted first (the broker log says so), removed after log.segment.delete.delay.ms.
    assert "deleting segment 0 (retention)" in b.log_text() or "retention deleted" in b.log_text()
    harness.wait_until(lambda: not deleted_files(b, "aging"), 15, 0.2, ".deleted files to be removed")

    got = clients.confluent_consume(b.bootstrap, "aging", [0], total - low, start_offsets={0: low})
    assert [m[2] for m in got] == [r.key for r in (old + new)[low:]]
    # Below the log start: OFFSET_OUT_OF_RANGE, and clients reset.
    with wire.Connection(b.bootstrap) as c:
        assert wire.fetch_v4(c, "aging", 0, 0)["error_code"] == 1
    assert confluent_first_offset(b.bootstrap, "aging", "earliest", 0) == low
    assert kafka_python_first_offset(b.bootstrap, "aging", 0) == low

    # auto.offset.reset=latest: the consumer jumps to the end and sees only what comes next.
    c = Consumer({"bootstrap.servers": b.bootstrap, "group.id": "unused", "enable.auto.commit": False,
                  "auto.offset.reset": "latest", "fetch.wait.max.ms": 100, **clients.QUIET_LOG})
    try:
        c.assign([TopicPartition("aging", 0, 0)])
        assert not [m for m in c.consume(num_messages=10, timeout=3.0) if m.error() is None]
        clients.confluent_produce(b.bootstrap, "aging", clients.make_records(5, "later"), partition=0)
        seen = []
        deadline = time.monotonic() + 30
        while len(seen) < 5 and time.monotonic() < deadline:
            seen += [m.offset() for m in c.consume(num_messages=10, timeout=0.5) if m.error() is None]
        assert seen == list(range(total, total + 5))
    finally:
        c.close()

    # The log start offset survives a restart (segments are gone; checkpoints agree).
    assert b.stop() == 0
    b.start()
    assert earliest_and_latest(b.bootstrap, "aging") == (low, total + 5)
