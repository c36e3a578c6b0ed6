"""Idempotent producers with a real client (confluent-kafka / librdkafka): InitProducerId hands
out producer ids claimed in ZooKeeper blocks, and a producer whose broker is killed (kill -9) and
restarted mid-stream resends its unacknowledged batches without creating duplicates: every record
is in the log exactly once, in the order it was produced per partition."""

import json
import struct

from confluent_kafka import Producer

import clients
import harness

TOPIC = "idem-real"
PARTITIONS = 3
N = 30_000


def _producer(bootstrap):
    return Producer({"bootstrap.servers": bootstrap, "enable.idempotence": True,
                     "max.in.flight.requests.per.connection": 5, "linger.ms": 5, "batch.num.messages": 500,
                     "message.timeout.ms": 120_000, "retry.backoff.ms": 200, **clients.QUIET_LOG})


def _producer_ids(partition_dir):
    """The producer id of every batch in a partition's log."""
    return {struct.unpack_from(">q", raw, 43)[0] for _, _, _, raw in harness.log_batches(partition_dir)}


def test_init_producer_id_claims_blocks_in_zookeeper(broker, zk):
    clients.create_topic(broker.bootstrap, TOPIC)
    ids = set()
    for i in range(3):
        p = _producer(broker.bootstrap)
        p.produce(TOPIC, key=b"k", value=str(i).encode(), partition=0)
        assert p.flush(30) == 0
        ids |= _producer_ids(broker.partition_dir(TOPIC, 0))
    assert len(ids) == 3 and all(0 <= i < 1000 for i in ids), ids
    block = json.loads(zk.get("/latest_producer_id_block"))
    assert block == {"version": 1, "broker": 0, "block_start": "0", "block_end": "999"}


def test_idempotent_producer_survives_kill9_without_duplicates(broker):
    clients.create_topic(broker.bootstrap, TOPIC, partitions=PARTITIONS)
    p = _producer(broker.bootstrap)
    delivered, failed = [], []

    def on_delivery(err, msg):
        (failed if err else delivered).append((err, msg.partition(), msg.offset(), msg.key()))

    for i in range(N):
        key = f"k{i:06d}".encode()
        while True:
            try:
                p.produce(TOPIC, key=key, value=key, partition=i % PARTITIONS, on_delivery=on_delivery)
                break
            except BufferError:
                p.poll(0.05)
        p.poll(0)
        if i == N // 3:
            # Batches are in flight: some are in the log but their acknowledgement dies with the broker.
            broker.kill9()
            harness.start_after_kill(broker)
    assert p.flush(120) == 0
    assert failed == []
    assert len(delivered) == N

    for partition in range(PARTITIONS):
        end = clients.high_watermarks(broker.bootstrap, TOPIC, [partition])[partition]
        values = [v.decode() for _, v in clients.read_partition(broker.bootstrap, TOPIC, partition, end)]
        expected = [f"k{i:06d}" for i in range(partition, N, PARTITIONS)]
        assert len(values) == len(expected), f"partition {partition}: {len(values) - len(expected)} extra records"
        assert values == expected, f"partition {partition}: records out of order or duplicated"
        assert all(pid >= 0 for pid in _producer_ids(broker.partition_dir(TOPIC, partition)))


def test_a_new_leader_deduplicates_with_the_state_its_follower_built(cluster_factory):
    """Three brokers, replication 3: the leader of a partition is killed (kill -9) while batches are in
    flight. The producer resends what was not acknowledged to the new leader; batches the old leader
    had already replicated must be recognised as duplicates by the new leader's producer state,
    which it built as a follower."""
    c = cluster_factory()
    clients.create_topic(c.bootstrap, TOPIC, partitions=PARTITIONS, replication=3)

    def fully_led(md):
        parts = md["topics"][TOPIC]["partitions"]
        return len(parts) == PARTITIONS and all(v["leader"] >= 0 and len(v["isr"]) == 3 for v in parts.values())
    md = c.wait_consistent([TOPIC], 30, fully_led)
    controller = c.controller_id()
    leaders = {p: v["leader"] for p, v in md["topics"][TOPIC]["partitions"].items()}
    victim = next((b for b in sorted(set(leaders.values())) if b != controller), leaders[0])
    p = _producer(c.bootstrap)
    failed = []

    def on_delivery(err, msg):
        if err:
            failed.append(err)

    for i in range(N):
        key = f"k{i:06d}".encode()
        while True:
            try:
                p.produce(TOPIC, key=key, value=key, partition=i % PARTITIONS, on_delivery=on_delivery)
                break
            except BufferError:
                p.poll(0.05)
        p.poll(0)
        if i == N // 3:
            c[victim].kill9()
    assert p.flush(180) == 0
    assert failed == []
    live = ",".join(b.bootstrap for i, b in c.brokers.items() if i != victim)
    for partition in range(PARTITIONS):
        end = clients.high_watermarks(live, TOPIC, [partition])[partition]
        values = [v.decode() for _, v in clients.read_partition(live, TOPIC, partition, end)]
        expected = [f"k{i:06d}" for i in range(partition, N, PARTITIONS)]
        assert len(values) == len(expected), f"partition {partition}: {len(values) - len(expected)} extra records"
        assert values == expected, f"partition {partition}: records out of order or duplicated"
