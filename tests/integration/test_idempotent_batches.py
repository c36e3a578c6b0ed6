"""Idempotent producer batches over a raw socket (Produce v3, our own encoder): a retried batch is
answered with its original offsets and written once, out-of-order sequences and fenced epochs get
Kafka's codes, and all of it holds after a clean restart (producer snapshot), after kill -9
(replay of the log) and on a new leader (the follower built the same state). The producer id is
chosen by the test; real clients obtain theirs with InitProducerId (test_idempotence.py)."""

import clients
import harness
import wire

ERR_NONE = 0
ERR_OUT_OF_ORDER_SEQUENCE_NUMBER = 45
ERR_INVALID_PRODUCER_EPOCH = 47
ERR_INVALID_RECORD = 87

PID = 4242
TOPIC = "idem"


def _batch(seq, epoch=0, n=3, pid=PID, tag="r"):
    recs = clients.make_records(n, f"{tag}{seq}", header_every=0)
    return wire.record_batch([(r.key, r.value, r.timestamp, ()) for r in recs], recs[0].timestamp,
                             producer_id=pid, producer_epoch=epoch, base_sequence=seq)


def _produce(bootstrap, blob, acks=1, topic=TOPIC):
    """(error_code, base_offset) of one Produce v3 to partition 0."""
    with wire.Connection(bootstrap) as conn:
        body = conn.request(wire.API_PRODUCE, 3, wire.produce_v3_body(topic, 0, blob, acks=acks))
    [t] = wire.decode_produce_v3(body, 3)["responses"]
    [p] = t["partitions"]
    return p["error_code"], p["base_offset"]


def _log_end(bootstrap, topic=TOPIC):
    with wire.Connection(bootstrap) as conn:
        return wire.list_offsets_v1(conn, topic, {0: -1})[0][2]


def test_retries_are_deduplicated_and_gaps_refused(broker):
    clients.create_topic(broker.bootstrap, TOPIC)
    first, second = _batch(0), _batch(3)
    assert _produce(broker.bootstrap, first) == (ERR_NONE, 0)
    assert _produce(broker.bootstrap, second) == (ERR_NONE, 3)
    # A retry of either of the last batches: the original offsets, nothing written.
    assert _produce(broker.bootstrap, first) == (ERR_NONE, 0)
    assert _produce(broker.bootstrap, second, acks=-1) == (ERR_NONE, 3)
    assert _log_end(broker.bootstrap) == 6
    # A gap, a sequence from the past that matches no retained batch, an older epoch.
    assert _produce(broker.bootstrap, _batch(10))[0] == ERR_OUT_OF_ORDER_SEQUENCE_NUMBER
    assert _produce(broker.bootstrap, _batch(1))[0] == ERR_OUT_OF_ORDER_SEQUENCE_NUMBER
    assert _produce(broker.bootstrap, _batch(6, epoch=1))[0] == ERR_OUT_OF_ORDER_SEQUENCE_NUMBER  # new epoch: seq 0
    assert _produce(broker.bootstrap, _batch(0, epoch=1)) == (ERR_NONE, 6)
    assert _produce(broker.bootstrap, _batch(3, epoch=0))[0] == ERR_INVALID_PRODUCER_EPOCH
    # A producer id with no sequence is not a valid batch.
    assert _produce(broker.bootstrap, _batch(-1))[0] == ERR_INVALID_RECORD
    assert _log_end(broker.bootstrap) == 9
    # Every record is there once.
    assert len(clients.read_partition(broker.bootstrap, TOPIC, 0, 9, timeout=30)) == 9


def test_state_survives_a_clean_restart_and_kill9(broker):
    clients.create_topic(broker.bootstrap, TOPIC)
    last = None
    for seq in range(0, 30, 3):
        last = _batch(seq)
        assert _produce(broker.bootstrap, last)[0] == ERR_NONE
    assert _log_end(broker.bootstrap) == 30

    broker.restart()
    wire.wait_for_leader(broker.bootstrap, TOPIC, 1)
    assert sorted(p.name for p in broker.partition_dir(TOPIC, 0).glob("*.snapshot")) == \
        ["00000000000000000030.snapshot"]
    assert _produce(broker.bootstrap, last) == (ERR_NONE, 27)
    assert _produce(broker.bootstrap, _batch(33))[0] == ERR_OUT_OF_ORDER_SEQUENCE_NUMBER
    last = _batch(30)
    assert _produce(broker.bootstrap, last) == (ERR_NONE, 30)

    broker.kill9()
    harness.start_after_kill(broker)
    wire.wait_for_leader(broker.bootstrap, TOPIC, 1)
    assert _produce(broker.bootstrap, last) == (ERR_NONE, 30)
    assert _produce(broker.bootstrap, _batch(33)) == (ERR_NONE, 33)
    assert _log_end(broker.bootstrap) == 36


def test_a_new_leader_deduplicates_what_the_old_one_acknowledged(cluster_factory):
    c = cluster_factory()
    leader = c.controller_id()
    followers = sorted(set(c.brokers) - {leader})
    clients.create_topic_with_configs(c.bootstrap, TOPIC, configs={"min.insync.replicas": "2"},
                                      replica_assignment=[followers + [leader]])
    first_leader = followers[0]
    c.wait_consistent([TOPIC], 30, lambda md: md["topics"][TOPIC]["partitions"][0]["leader"] == first_leader and
                      len(md["topics"][TOPIC]["partitions"][0]["isr"]) == 3)
    last = None
    for seq in range(0, 15, 3):
        last = _batch(seq)
        assert _produce(c[first_leader].bootstrap, last, acks=-1)[0] == ERR_NONE

    c[first_leader].kill9()
    new_leader = followers[1]
    c.wait_consistent([TOPIC], 40, lambda md: md["topics"][TOPIC]["partitions"][0]["leader"] == new_leader)
    # The producer retries its last batch against the new leader: already there, same offset.
    assert _produce(c[new_leader].bootstrap, last, acks=-1) == (ERR_NONE, 12)
    assert _produce(c[new_leader].bootstrap, _batch(18), acks=-1)[0] == ERR_OUT_OF_ORDER_SEQUENCE_NUMBER
    assert _produce(c[new_leader].bootstrap, _batch(15), acks=-1) == (ERR_NONE, 15)
    assert _log_end(c[new_leader].bootstrap) == 18
