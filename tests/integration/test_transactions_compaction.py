"""Compaction of transactional data, seen from a real client (confluent-kafka / librdkafka): a
transactional producer updates a few keys of a compacted topic and commits its group's offsets in
the same transactions (TxnOffsetCommit into __consumer_offsets), committing every other
transaction and aborting the rest. The broker's cleaner compacts both the topic and
__consumer_offsets. Afterwards, and again after kill -9 and a restart:
  - below the cleaner's first dirty offset no aborted record is left, even for read_uncommitted
    readers, and the aborted transactions' .txnindex entries that remain still hide what is left of
    them from read_committed readers;
  - read_committed readers see the latest committed value of every key and never an aborted one;
  - the group's committed offset is the last committed transaction's, never an aborted one's."""

import time

from confluent_kafka import Consumer, Producer, TopicPartition
from confluent_kafka.admin import NewTopic

import clients
import harness

TOPIC, GROUP = "txn-compacted", "txn-compacted-app"
KEYS = 8
ROUNDS = 60
OFFSETS_TOPIC = "__consumer_offsets"
FAST_CLEANER = {"log.cleaner.backoff.ms": 200, "log.cleaner.min.cleanable.ratio": 0.01,
                "log.cleaner.dedupe.buffer.size": 16 * 1024 * 1024, "offsets.topic.num.partitions": 1,
                "offsets.topic.segment.bytes": 4096}


def _first_dirty(broker, topic):
    path = broker.log_dir / "cleaner-offset-checkpoint"
    if not path.exists():
        return 0
    for line in path.read_text().splitlines()[2:]:
        t, p, offset = line.split()
        if t == topic and p == "0":
            return int(offset)
    return 0


def _read(bootstrap, isolation, timeout=60):
    """[(offset, key, value)] of partition 0 from the beginning to the end the broker reports."""
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": "txn-compacted-reader", "enable.auto.commit": False,
                  "isolation.level": isolation, "enable.partition.eof": True, "fetch.wait.max.ms": 100,
                  **clients.QUIET_LOG})
    out = []
    try:
        c.assign([TopicPartition(TOPIC, 0, 0)])
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            m = c.poll(0.5)
            if m is None:
                continue
            if m.error():
                if m.error().code() == -191:  # _PARTITION_EOF
                    return out
                raise RuntimeError(str(m.error()))
            out.append((m.offset(), m.key().decode(), m.value().decode()))
    finally:
        c.close()
    raise AssertionError(f"{isolation} reader did not reach the end ({len(out)} records)")


def _check(broker, last_committed_round):
    # read_committed: only committed values, and each key's last value is its latest committed one.
    committed = _read(broker.bootstrap, "read_committed")
    assert committed and all(v.startswith("c-") for _, _, v in committed), committed[:5]
    last = {}
    for _, k, v in committed:
        last[k] = v
    assert last == {f"k{i}": f"c-{last_committed_round}-{i}" for i in range(KEYS)}
    # read_uncommitted: the cleaned range holds no aborted record any more.
    first_dirty = _first_dirty(broker, TOPIC)
    everything = _read(broker.bootstrap, "read_uncommitted")
    assert not [r for r in everything if r[0] < first_dirty and r[2].startswith("a-")]
    # The group's offset is the last committed transaction's.
    assert clients.committed_offsets(broker.bootstrap, GROUP, TOPIC, [0]) == {0: last_committed_round}


def test_compaction_drops_aborted_data_and_keeps_committed_offsets(broker_factory):
    b = broker_factory(extra_props=FAST_CLEANER)
    a = clients.admin(b.bootstrap)
    fs = a.create_topics([NewTopic(TOPIC, 1, 1, config={"cleanup.policy": "compact", "segment.bytes": "2048",
                                                         "file.delete.delay.ms": "1000"})],
                         operation_timeout=30, request_timeout=30)
    fs[TOPIC].result(30)

    group = Consumer({"bootstrap.servers": b.bootstrap, "group.id": GROUP, "enable.auto.commit": False,
                      **clients.QUIET_LOG})
    p = Producer({"bootstrap.servers": b.bootstrap, "transactional.id": "txn-compacted-1", "linger.ms": 5,
                  "message.timeout.ms": 60_000, **clients.QUIET_LOG})
    try:
        p.init_transactions(60)
        last_committed = None
        for r in range(ROUNDS):
            commit = r % 2 == 0
            tag = "c" if commit else "a"
            p.begin_transaction()
            for i in range(KEYS):
                p.produce(TOPIC, key=f"k{i}".encode(), value=f"{tag}-{r}-{i}".encode(), partition=0)
            # The offset committed with the transaction is the round number; aborted rounds' must
            # never become the group's.
            p.send_offsets_to_transaction([TopicPartition(TOPIC, 0, r)], group.consumer_group_metadata(), 30)
            if commit:
                p.commit_transaction(60)
                last_committed = r
            else:
                p.abort_transaction(60)
    finally:
        group.close()
    # Keep the producer alive: its last batch is kept (empty) by the cleaner while it is known.
    p.flush(30)

    # Both logs get compacted: the topic's first dirty offset passes most of its transactions, and
    # __consumer_offsets' moves off zero.
    harness.wait_until(lambda: _first_dirty(b, TOPIC) > ROUNDS * KEYS // 2 and _first_dirty(b, OFFSETS_TOPIC) > 0,
                       60, what="the cleaner to compact the topic and __consumer_offsets")
    assert "aborted records removed" in b.log_text()
    _check(b, last_committed)

    b.kill9()
    harness.start_after_kill(b)
    _check(b, last_committed)
