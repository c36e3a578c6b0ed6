"""Transactions when the transaction coordinator moves, on a 3-broker cluster with
__transaction_state replicated three times (min.insync.replicas 2):
- an open transaction survives the shutdown of its coordinator: the new one loads it from its
  replica of __transaction_state and the producer's commit completes it;
- a transaction already decided (PrepareCommit written) whose markers cannot be written yet (the
  leader of its partition is down) is completed by the next coordinator: it finds PrepareCommit
  when it loads the partition, resends the markers once the leader is back, and writes
  CompleteCommit. read_committed consumers see each transaction's records exactly once."""

import signal
import time

from confluent_kafka import Consumer, Producer, TopicPartition

import clients
import harness
import wire

PROPS = {"transaction.state.log.replication.factor": "3", "transaction.state.log.min.isr": "2",
         "transaction.state.log.num.partitions": "3", "offsets.topic.replication.factor": "3"}


def _coordinator(bootstrap, txn_id):
    def probe():
        try:
            with wire.Connection(bootstrap.split(",")[0]) as c:
                [r] = wire.find_coordinator(c, 3, txn_id, key_type=1)
        except OSError:
            return None
        return (r["node_id"],) if r["error_code"] == 0 else None
    return harness.wait_until(probe, 60, 0.2, f"the coordinator of {txn_id}")[0]


def _producer(bootstrap, txn_id):
    return Producer({"bootstrap.servers": bootstrap, "transactional.id": txn_id, "linger.ms": 5,
                     "message.timeout.ms": 60_000, **clients.QUIET_LOG})


def _committed_values(bootstrap, topic, partitions, expected, timeout=90):
    """read_committed values of `topic` once there are `expected` of them (sorted)."""
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": "txn-cluster-reader", "enable.auto.commit": False,
                  "isolation.level": "read_committed", **clients.QUIET_LOG})
    values = []
    try:
        c.assign([TopicPartition(topic, p, 0) for p in range(partitions)])
        deadline = time.monotonic() + timeout
        while len(values) < expected and time.monotonic() < deadline:
            m = c.poll(0.5)
            if m is not None and not m.error():
                values.append(m.value().decode())
        # Anything beyond `expected` would be a duplicate or an aborted record: give it a moment.
        end = time.monotonic() + 2
        while time.monotonic() < end:
            m = c.poll(0.2)
            if m is not None and not m.error():
                values.append(m.value().decode())
    finally:
        c.close()
    return sorted(values)


def test_open_transaction_survives_the_shutdown_of_its_coordinator(cluster_factory):
    c = cluster_factory(extra_props=PROPS)
    clients.create_topic(c.bootstrap, "moving", partitions=3, replication=3)
    clients.wait_topic_ready(c.bootstrap, "moving", 3)
    p = _producer(c.bootstrap, "txn-moving")
    p.init_transactions(90)
    p.begin_transaction()
    for i in range(9):
        p.produce("moving", value=f"first-{i}".encode(), partition=i % 3)
    p.commit_transaction(60)
    coordinator = _coordinator(c.bootstrap, "txn-moving")

    p.begin_transaction()
    for i in range(9):
        p.produce("moving", value=f"open-{i}".encode(), partition=i % 3)
    p.flush(30)
    # Every replica knows the producer (followers build the same state): DescribeProducers on a
    # follower shows the open transaction, as on the leader.
    md = c.wait_consistent(["moving"], 30)
    part0 = md["topics"]["moving"]["partitions"][0]
    follower = next(r for r in part0["replicas"] if r != part0["leader"])

    def open_on(broker_args):
        out = harness.run_tool_script("kafka-transactions.sh", "gregor-transactions", "--bootstrap-server",
                                      c.bootstrap, "describe-producers", "--topic", "moving", "--partition", "0",
                                      *broker_args)
        rows = [line.split("\t") for line in out.stdout.splitlines()[1:]]
        return out.returncode == 0 and any(r[5].strip() != "None" for r in rows)
    harness.wait_until(lambda: open_on([]) and open_on(["--broker-id", str(follower)]), 30, 0.5,
                       "the open transaction on the leader and on a follower")
    assert c[coordinator].stop(signal.SIGTERM) == 0  # controlled shutdown moves its leaderships
    moved_to = _coordinator(c.bootstrap, "txn-moving")
    assert moved_to != coordinator
    p.commit_transaction(120)

    expected = sorted([f"first-{i}" for i in range(9)] + [f"open-{i}" for i in range(9)])
    assert _committed_values(c.bootstrap, "moving", 3, len(expected)) == expected
    c[coordinator].start()
    p2 = _producer(c.bootstrap, "txn-moving")
    p2.init_transactions(90)  # the id lives on: a higher epoch from whichever broker coordinates it
    p2.begin_transaction()
    p2.produce("moving", value=b"later", partition=0)
    p2.commit_transaction(60)
    assert _committed_values(c.bootstrap, "moving", 3, len(expected) + 1) == sorted(expected + ["later"])


def test_the_next_coordinator_finishes_a_decided_transaction(cluster_factory):
    c = cluster_factory(extra_props=PROPS)
    txn_id = "txn-decided"
    clients.create_topic(c.bootstrap, "warm", partitions=1, replication=3)
    p = _producer(c.bootstrap, txn_id)
    p.init_transactions(90)  # creates __transaction_state and the id
    coordinator = _coordinator(c.bootstrap, txn_id)
    holder = next(b for b in sorted(c.brokers) if b != coordinator)
    third = next(b for b in sorted(c.brokers) if b not in (coordinator, holder))
    # One partition, only on `holder`: while it is down, its markers cannot be written.
    clients.create_topic_with_configs(c.bootstrap, "decided", replica_assignment=[[holder]])
    clients.wait_topic_ready(c.bootstrap, "decided", 1)

    p.begin_transaction()
    for i in range(5):
        p.produce("decided", value=f"d-{i}".encode(), partition=0)
    p.flush(30)
    assert c[holder].stop(signal.SIGTERM) == 0
    p.commit_transaction(60)  # answered once PrepareCommit is written; the markers wait for `holder`

    assert c[coordinator].stop(signal.SIGTERM) == 0
    assert _coordinator(c[third].bootstrap, txn_id) == third
    # The new coordinator found the decided transaction and resends its markers.
    harness.wait_until(lambda: "resending the markers of 1 transactions" in c[third].log_text(), 60, 0.2,
                       "the new coordinator to pick up the decided transaction")
    c[holder].start()
    c[coordinator].start()
    assert _committed_values(c.bootstrap, "decided", 1, 5) == [f"d-{i}" for i in range(5)]
