"""Exactly-once consume-transform-produce with a real client (confluent-kafka / librdkafka): the
application reads an input topic as a group member (read_committed), writes transformed records
and commits its input offsets in the same transaction (AddOffsetsToTxn, TxnOffsetCommit). The
broker is killed (kill -9) and restarted in the middle of a transaction; the application aborts
or completes as the client tells it and rewinds to the committed offsets. Every input record is
transformed exactly once in the committed output, and the group's committed offsets end at the
input's end. OffsetFetch with require_stable answers UNSTABLE_OFFSET_COMMIT while a transaction
holds offsets."""

import time

from confluent_kafka import Consumer, KafkaException, Producer, TopicPartition

import clients
import harness
import wire

IN, OUT, GROUP = "eos-in", "eos-out", "eos-app"
PARTITIONS = 3
N = 600
ERR_UNSTABLE_OFFSET_COMMIT = 88


def _app_clients(bootstrap):
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": GROUP, "enable.auto.commit": False,
                         "isolation.level": "read_committed", "auto.offset.reset": "earliest",
                         "session.timeout.ms": 10_000, **clients.QUIET_LOG})
    producer = Producer({"bootstrap.servers": bootstrap, "transactional.id": "eos-app-1", "linger.ms": 5,
                         "message.timeout.ms": 60_000, **clients.QUIET_LOG})
    consumer.subscribe([IN])
    producer.init_transactions(90)
    return consumer, producer


def _rewind(consumer):
    """Back to the committed offsets of every assigned partition (after an aborted transaction)."""
    assigned = consumer.assignment()
    if not assigned:
        return
    for tp in consumer.committed(assigned, timeout=30):
        consumer.seek(TopicPartition(tp.topic, tp.partition, tp.offset if tp.offset >= 0 else 0))


def _committed(bootstrap):
    return clients.committed_offsets(bootstrap, GROUP, IN, range(PARTITIONS))


def test_consume_transform_produce_is_exactly_once_across_kill9(broker):
    clients.create_topic(broker.bootstrap, IN, partitions=PARTITIONS)
    clients.create_topic(broker.bootstrap, OUT, partitions=PARTITIONS)
    feed = Producer({"bootstrap.servers": broker.bootstrap, **clients.QUIET_LOG})
    for i in range(N):
        feed.produce(IN, value=f"v-{i}".encode(), partition=i % PARTITIONS)
    assert feed.flush(30) == 0

    consumer, producer = _app_clients(broker.bootstrap)
    crashed = False
    transactions = aborted = 0
    deadline = time.monotonic() + 240
    try:
        while time.monotonic() < deadline:
            batch = [m for m in consumer.consume(num_messages=40, timeout=1.0) if not m.error()]
            if not batch:
                ends = clients.high_watermarks(broker.bootstrap, IN, range(PARTITIONS))
                if crashed and _committed(broker.bootstrap) == ends:
                    break
                continue
            try:
                producer.begin_transaction()
                for m in batch:
                    producer.produce(OUT, value=b"T(" + m.value() + b")", partition=m.partition())
                producer.send_offsets_to_transaction(consumer.position(consumer.assignment()),
                                                     consumer.consumer_group_metadata(), 60)
                if transactions == 3 and not crashed:
                    producer.flush(30)
                    # Offsets are pending in the group: a stable read must wait for the outcome.
                    with wire.Connection(broker.bootstrap) as c:
                        res = wire.offset_fetch(c, 7, GROUP, {IN: list(range(PARTITIONS))}, require_stable=True)
                    assert ERR_UNSTABLE_OFFSET_COMMIT in {p["error_code"] for p in res["partitions"].values()}, res
                    broker.kill9()
                    harness.start_after_kill(broker)
                    crashed = True
                producer.commit_transaction(90)
                transactions += 1
            except KafkaException as e:
                err = e.args[0]
                if err.fatal():
                    raise
                aborted += 1
                if err.txn_requires_abort():
                    producer.abort_transaction(90)
                _rewind(consumer)
    finally:
        consumer.close()
    assert crashed
    assert _committed(broker.bootstrap) == clients.high_watermarks(broker.bootstrap, IN, range(PARTITIONS))

    c = Consumer({"bootstrap.servers": broker.bootstrap, "group.id": "eos-check", "enable.auto.commit": False,
                  "isolation.level": "read_committed", "auto.offset.reset": "earliest", **clients.QUIET_LOG})
    out = []
    try:
        c.assign([TopicPartition(OUT, p, 0) for p in range(PARTITIONS)])
        end = time.monotonic() + 60
        while len(out) < N and time.monotonic() < end:
            out += [m.value().decode() for m in c.consume(num_messages=1000, timeout=0.5) if not m.error()]
        settle = time.monotonic() + 2
        while time.monotonic() < settle:
            out += [m.value().decode() for m in c.consume(num_messages=1000, timeout=0.2) if not m.error()]
    finally:
        c.close()
    assert sorted(out) == sorted(f"T(v-{i})" for i in range(N)), (len(out), transactions, aborted)
