"""Log compaction (ON-DISK-FORMAT §9) seen from clients: a cleanup.policy=compact topic with small
segments gets many updates to a few keys; the broker's cleaner shrinks the log, and a consumer
reading from the beginning gets the latest value of every key at its original offset, plus whatever
still sits in the active (never cleaned) segment."""

import time

from confluent_kafka import Consumer, Producer, TopicPartition
from confluent_kafka.admin import NewTopic

import clients
import harness

TOPIC = "compacted"


def log_bytes(broker):
    return sum(p.stat().st_size for p in broker.partition_dir(TOPIC, 0).glob("*.log"))


def segment_bases(broker):
    return sorted(int(p.name.split(".")[0]) for p in broker.partition_dir(TOPIC, 0).glob("*.log"))


def produce(bootstrap, items):
    """items: [(key, value-or-None)]. Returns [(offset, key, value)] from the delivery reports."""
    p = Producer({"bootstrap.servers": bootstrap, "linger.ms": 5, "batch.num.messages": 20,
                  "enable.idempotence": False, "compression.codec": "zstd", **clients.QUIET_LOG})
    delivered, errors = [], []

    def on_delivery(err, msg):
        if err is not None:
            errors.append(err)
        else:
            delivered.append((msg.offset(), msg.key(), msg.value()))

    for k, v in items:
        p.produce(TOPIC, key=k, value=v, partition=0, on_delivery=on_delivery)
        p.poll(0)
    assert p.flush(60) == 0
    assert not errors, errors[:3]
    return sorted(delivered)


def first_dirty(broker):
    """compacted-0's entry in cleaner-offset-checkpoint (format: version, count, entries), or None."""
    path = broker.log_dir / "cleaner-offset-checkpoint"
    if not path.exists():
        return None
    lines = path.read_text().splitlines()
    assert lines[0] == "0" and int(lines[1]) == len(lines) - 2, lines
    for line in lines[2:]:
        topic, partition, offset = line.split()
        if topic == TOPIC and partition == "0":
            return int(offset)
    return None


def consume_all(bootstrap, end_offset, timeout=60):
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": "unused", "enable.auto.commit": False,
                  "auto.offset.reset": "error", "fetch.wait.max.ms": 100, **clients.QUIET_LOG})
    out = []
    try:
        c.assign([TopicPartition(TOPIC, 0, 0)])
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and (not out or out[-1][0] < end_offset - 1):
            for m in c.consume(num_messages=1000, timeout=0.5):
                assert m.error() is None, m.error()
                out.append((m.offset(), m.key(), m.value()))
        return out
    finally:
        c.close()


def test_compaction_keeps_latest_value_per_key(broker_factory):
    b = broker_factory(extra_props={"log.cleaner.backoff.ms": 200, "log.cleaner.min.cleanable.ratio": 0.01,
                                    "log.cleaner.dedupe.buffer.size": 16 * 1024 * 1024})
    a = clients.admin(b.bootstrap)
    fs = a.create_topics([NewTopic(TOPIC, 1, 1, config={"cleanup.policy": "compact", "segment.bytes": "4096",
                                                         "file.delete.delay.ms": "1000"})],
                         operation_timeout=30, request_timeout=30)
    fs[TOPIC].result(30)
    clients.wait_topic_ready(b.bootstrap, TOPIC, 1)

    items = [(f"k{i % 10}".encode(), f"value-{i}-".encode() + b"x" * 40) for i in range(3000)]
    items += [(b"k9", None)]  # a tombstone: kept (delete.retention.ms is a day), as a null value
    items += [(f"k{i % 10}".encode(), f"final-{i}".encode()) for i in range(9)]  # k0..k8 end here
    produced = produce(b.bootstrap, items)
    assert len(produced) == len(items)
    end = produced[-1][0] + 1
    written = log_bytes(b)
    assert len(segment_bases(b)) > 5

    harness.wait_until(lambda: log_bytes(b) < written // 3, 60, 0.3, "the cleaner to shrink the log")
    active_base = segment_bases(b)[-1]
    # With min.cleanable.dirty.ratio this low the cleaner soon cleans every sealed segment: the
    # checkpointed first dirty offset (ON-DISK-FORMAT §5) reaches the active segment's base.
    harness.wait_until(lambda: first_dirty(b) == active_base, 60, 0.3, "cleaning up to the active segment")

    got = consume_all(b.bootstrap, end)
    by_offset = {o: (k, v) for o, k, v in produced}
    latest = {}
    for o, k, v in produced:
        latest[k] = o
    offsets = [o for o, _, _ in got]
    assert offsets == sorted(set(offsets)), "offsets must strictly increase"
    clean_keys = set()
    for o, k, v in got:
        assert by_offset[o] == (k, v), f"offset {o} changed"
        if o < active_base:
            # The clean section holds one record per key: its latest, or (when the key was written
            # again in the active segment) its latest before that segment.
            assert k not in clean_keys, f"{k} twice below the active segment"
            clean_keys.add(k)
            assert latest[k] == o or latest[k] >= active_base, f"superseded record {o} of {k} survived"
    seen = {o for o, _, _ in got}
    for k, o in latest.items():
        assert o in seen, f"latest record of {k} (offset {o}) missing"
    assert dict((k, v) for o, k, v in got if latest[k] == o)[b"k9"] is None
    assert len(got) < len(produced) // 4

    # Replaced segments are renamed .deleted and removed after file.delete.delay.ms.
    harness.wait_until(lambda: not list(b.partition_dir(TOPIC, 0).glob("*.deleted")), 30, 0.3,
                       ".deleted files to be removed")
    assert not list(b.partition_dir(TOPIC, 0).glob("*.cleaned")) and not list(b.partition_dir(TOPIC, 0).glob("*.swap"))

    # Deleting the topic drops its cleaner checkpoint entry: a topic re-created under the same
    # name starts uncleaned instead of trusting the old first dirty offset.
    assert first_dirty(b) is not None
    a = clients.admin(b.bootstrap)
    a.delete_topics([TOPIC], operation_timeout=30)[TOPIC].result(30)
    harness.wait_until(lambda: first_dirty(b) is None, 30, 0.2, "the checkpoint entry to go")


def test_cleaner_settings_change_at_run_time(broker_factory):
    """log.cleaner.backoff.ms (and the other log.cleaner.* keys) are dynamic broker configs: a
    cleaner started with an hour's back-off cleans once the cluster default lowers it."""
    from confluent_kafka.admin import ConfigResource
    b = broker_factory(extra_props={"log.cleaner.backoff.ms": 3_600_000, "log.cleaner.min.cleanable.ratio": 0.01})
    a = clients.admin(b.bootstrap)
    fs = a.create_topics([NewTopic(TOPIC, 1, 1, config={"cleanup.policy": "compact", "segment.bytes": "4096"})],
                         operation_timeout=30, request_timeout=30)
    fs[TOPIC].result(30)
    clients.wait_topic_ready(b.bootstrap, TOPIC, 1)
    produce(b.bootstrap, [(f"k{i % 5}".encode(), b"v" * 60) for i in range(1500)])
    written = log_bytes(b)
    time.sleep(1.5)
    assert first_dirty(b) is None and log_bytes(b) == written  # the hour-long back-off holds

    res = ConfigResource(ConfigResource.Type.BROKER, str(b.broker_id), set_config={"log.cleaner.backoff.ms": "200",
                                                                     "log.cleaner.threads": "2"})
    a.alter_configs([res])[res].result(30)
    harness.wait_until(lambda: log_bytes(b) < written // 3, 60, 0.3, "the cleaner to run with the new back-off")
    assert "log cleaner settings: 2 thread(s), backoff 200 ms" in b.log_text()
