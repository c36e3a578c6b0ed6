"""Transactions with a real client (confluent-kafka / librdkafka): a transactional producer finds
its coordinator (FindCoordinator key type 1 creates __transaction_state), gets a producer id and
epoch (InitProducerId), adds partitions, commits and aborts (EndTxn, then WriteTxnMarkers from the
coordinator). read_committed consumers see only committed records, read_uncommitted ones all of
them. A second producer with the same transactional.id fences the first (its open transaction is
aborted and it can no longer write); a transaction left open past transaction.timeout.ms is
aborted by the broker; transactions survive a restart of the broker between their writes and
their commit, also after kill -9."""

import struct
import time

import pytest
from confluent_kafka import Consumer, KafkaException, Producer, TopicPartition

import clients
import harness
import wire

TOPIC = "txn"
PARTITIONS = 3
FAST_TIMEOUTS = {"transaction.abort.timed.out.transaction.cleanup.interval.ms": 500}


def _producer(bootstrap, txn_id, **extra):
    conf = {"bootstrap.servers": bootstrap, "transactional.id": txn_id, "linger.ms": 5,
            "message.timeout.ms": 60_000, **clients.QUIET_LOG}
    conf.update(extra)
    return Producer(conf)


def _send(p, tag, n):
    for i in range(n):
        p.produce(TOPIC, key=f"{tag}-{i}".encode(), value=f"{tag}-{i}".encode(), partition=i % PARTITIONS)
    p.poll(0)


def _consume(bootstrap, isolation, timeout=60):
    """Every value of the topic, read from the beginning to the end each partition reports (the
    last stable offset for read_committed), sorted."""
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": "txn-reader", "enable.auto.commit": False,
                  "isolation.level": isolation, "enable.partition.eof": True, **clients.QUIET_LOG})
    values, eof = [], set()
    try:
        c.assign([TopicPartition(TOPIC, p, 0) for p in range(PARTITIONS)])
        deadline = time.monotonic() + timeout
        while len(eof) < PARTITIONS and time.monotonic() < deadline:
            m = c.poll(0.5)
            if m is None:
                continue
            if m.error():
                if m.error().code() == -191:  # _PARTITION_EOF
                    eof.add(m.partition())
                    continue
                raise RuntimeError(str(m.error()))
            eof.discard(m.partition())
            values.append(m.value().decode())
    finally:
        c.close()
    assert len(eof) == PARTITIONS, f"only partitions {eof} reached their end"
    return sorted(values)


def _expected(*batches):
    return sorted(f"{tag}-{i}" for tag, n in batches for i in range(n))


def _wait_consumed(bootstrap, isolation, expected, timeout=30):
    """Markers are written after EndTxn is answered: wait until the consumer sees `expected`."""
    last = None

    def probe():
        nonlocal last
        last = _consume(bootstrap, isolation)
        return last == expected
    try:
        clients._wait(probe, timeout, f"{isolation} consumer to see {len(expected)} records", interval=0.5)
    except AssertionError:
        assert last == expected
    return last


def test_commit_and_abort_read_committed_and_uncommitted(broker):
    clients.create_topic(broker.bootstrap, TOPIC, partitions=PARTITIONS)
    p = _producer(broker.bootstrap, "txn-basic")
    p.init_transactions(60)
    p.begin_transaction()
    _send(p, "committed", 30)
    p.commit_transaction(60)
    p.begin_transaction()
    _send(p, "aborted", 20)
    p.flush(30)  # the aborted records are in the log before the abort
    p.abort_transaction(60)
    p.begin_transaction()
    _send(p, "second", 10)
    p.commit_transaction(60)

    committed = _expected(("committed", 30), ("second", 10))
    _wait_consumed(broker.bootstrap, "read_committed", committed)
    assert _consume(broker.bootstrap, "read_uncommitted") == _expected(("committed", 30), ("aborted", 20),
                                                                         ("second", 10))
    # The coordinator's log holds every transition in Kafka's formats: key int16 0 + the id, value
    # v0 with the state byte at offset 16 (Empty 0, Ongoing 1, PrepareCommit 2, PrepareAbort 3,
    # CompleteCommit 4, CompleteAbort 5).
    assert _states(broker, "txn-basic") == [0, 1, 2, 4, 1, 3, 5, 1, 2, 4]


def _states(broker, txn_id):
    key = struct.pack(">hh", 0, len(txn_id)) + txn_id.encode()
    states = []
    for d in sorted(broker.log_dir.glob("__transaction_state-*")):
        for seg in sorted(d.glob("*.log")):
            for batch in wire.decode_batches(seg.read_bytes()):
                for _, _, k, v in batch["records"]:
                    if k == key and v is not None:
                        assert struct.unpack_from(">h", v, 0)[0] == 0  # value version 0
                        if not states or states[-1] != v[16]:  # one Ongoing per AddPartitions
                            states.append(v[16])
    return states


def test_a_second_producer_with_the_same_id_fences_the_first(broker):
    clients.create_topic(broker.bootstrap, TOPIC, partitions=PARTITIONS)
    zombie = _producer(broker.bootstrap, "txn-zombie")
    zombie.init_transactions(60)
    zombie.begin_transaction()
    _send(zombie, "zombie", 12)
    zombie.flush(30)

    # The new instance's InitProducerId aborts the zombie's open transaction and bumps the epoch.
    fresh = _producer(broker.bootstrap, "txn-zombie")
    fresh.init_transactions(60)
    fresh.begin_transaction()
    _send(fresh, "fresh", 9)
    fresh.commit_transaction(60)

    # The zombie can neither write nor commit any more.
    with pytest.raises(KafkaException) as caught:
        _send(zombie, "late", 3)
        zombie.commit_transaction(30)
    err = caught.value.args[0]
    assert err.fatal() or "fenced" in err.str().lower(), err

    _wait_consumed(broker.bootstrap, "read_committed", _expected(("fresh", 9)))
    everything = _consume(broker.bootstrap, "read_uncommitted")
    assert [v for v in everything if v.startswith("late")] == []
    assert [v for v in everything if v.startswith("zombie")] == sorted(f"zombie-{i}" for i in range(12))


def test_a_transaction_past_its_timeout_is_aborted_by_the_broker(broker_factory):
    b = broker_factory(extra_props=FAST_TIMEOUTS)
    clients.create_topic(b.bootstrap, TOPIC, partitions=PARTITIONS)
    p = _producer(b.bootstrap, "txn-timeout", **{"transaction.timeout.ms": 2000, "message.timeout.ms": 2000})
    p.init_transactions(60)
    p.begin_transaction()
    _send(p, "stale", 6)
    p.flush(30)
    time.sleep(4)  # past the timeout; the broker aborts within one check interval after it
    # The abort unblocks read_committed readers: the last stable offset moves past the records.
    assert _consume(b.bootstrap, "read_committed") == []
    assert _consume(b.bootstrap, "read_uncommitted") == _expected(("stale", 6))
    with pytest.raises(KafkaException):
        p.commit_transaction(30)


@pytest.mark.parametrize("crash", [False, True], ids=["restart", "kill9"])
def test_transactions_survive_a_broker_restart(broker, crash):
    clients.create_topic(broker.bootstrap, TOPIC, partitions=PARTITIONS)
    p = _producer(broker.bootstrap, "txn-restart")
    p.init_transactions(60)
    p.begin_transaction()
    _send(p, "before", 15)
    p.commit_transaction(60)
    p.begin_transaction()
    _send(p, "open", 15)
    p.flush(30)
    if crash:
        broker.kill9()
        harness.start_after_kill(broker)
    else:
        broker.restart()
    # The coordinator reloads the open transaction from __transaction_state; the commit completes it.
    _send(p, "after", 6)
    p.commit_transaction(120)
    expected = _expected(("before", 15), ("open", 15), ("after", 6))
    _wait_consumed(broker.bootstrap, "read_committed", expected)
    assert _consume(broker.bootstrap, "read_uncommitted") == expected

    # A new producer instance continues under the same id with a higher epoch.
    p2 = _producer(broker.bootstrap, "txn-restart")
    p2.init_transactions(60)
    p2.begin_transaction()
    _send(p2, "next", 3)
    p2.commit_transaction(60)
    _wait_consumed(broker.bootstrap, "read_committed", sorted(expected + _expected(("next", 3))))


def test_an_idle_transactional_id_expires_with_a_tombstone(broker_factory):
    b = broker_factory(extra_props={"transactional.id.expiration.ms": 1500,
                                    "transaction.remove.expired.transaction.cleanup.interval.ms": 300})
    clients.create_topic(b.bootstrap, TOPIC, partitions=PARTITIONS)
    p = _producer(b.bootstrap, "txn-expiring")
    p.init_transactions(60)
    p.begin_transaction()
    _send(p, "kept", 3)
    p.commit_transaction(60)

    def describe():
        return harness.run_tool_script("kafka-transactions.sh", "gregor-transactions", "--bootstrap-server",
                                       b.bootstrap, "describe", "--transactional-id", "txn-expiring")
    # EndTxn is answered once PrepareCommit is written; the markers and CompleteCommit follow.
    seen = []
    harness.wait_until(lambda: seen.append(describe()) or "CompleteCommit" in seen[-1].stdout, 10, 0.1,
                       "the transaction to reach CompleteCommit")
    assert seen[-1].returncode == 0, seen[-1].stderr
    harness.wait_until(lambda: "TRANSACTIONAL_ID_NOT_FOUND" in describe().stderr, 30, 0.5,
                       "the idle transactional id to expire")
    key = struct.pack(">hh", 0, len("txn-expiring")) + b"txn-expiring"
    values = [v for d in b.log_dir.glob("__transaction_state-*") for seg in sorted(d.glob("*.log"))
              for batch in wire.decode_batches(seg.read_bytes()) for _, _, k, v in batch["records"] if k == key]
    assert values[-1] is None  # the tombstone
    _wait_consumed(b.bootstrap, "read_committed", _expected(("kept", 3)))
