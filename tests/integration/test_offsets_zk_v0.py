"""OffsetCommit v0 / OffsetFetch v0: offsets kept in ZooKeeper at
/consumers/<group>/offsets/<topic>/<partition> (decimal text), as Kafka's brokers keep them for the
pre-0.9 clients, independent of __consumer_offsets.

Raw requests (wire.py) check Kafka's per-partition answers; kafka-python with api_version (0, 8, 1)
is the real client that uses this path (no FindCoordinator: it sends offsets to any broker)."""

import itertools
import logging

import pytest

import clients
import wire

ERR_NONE = 0
ERR_UNKNOWN_TOPIC_OR_PARTITION = 3
ERR_OFFSET_METADATA_TOO_LARGE = 12

_ids = itertools.count()
TOPIC = "zk-offsets"


def _group(tag):
    return f"zkv0-{tag}-{next(_ids)}"


def _znode(group, topic, partition):
    return f"/consumers/{group}/offsets/{topic}/{partition}"


def _zk_create(zk, path, data):
    """Writes a znode as an old ZooKeeper consumer would (parents created)."""
    if zk._kazoo is not None:
        zk._kazoo.create(path, data, makepath=True)
    else:
        zk.ensure_path(path.rsplit("/", 1)[0])
        zk._cli("create", path, data.decode())


@pytest.fixture
def topic_broker(broker):
    clients.create_topic(broker.bootstrap, TOPIC, partitions=3)
    clients.wait_topic_ready(broker.bootstrap, TOPIC, 3)
    return broker


def test_v0_commit_writes_znodes_and_v0_fetch_reads_them(topic_broker, zk):
    group = _group("rw")
    with wire.Connection(topic_broker.bootstrap) as c:
        errors = wire.offset_commit(c, 0, group, {
            (TOPIC, 0): 42,
            (TOPIC, 1): (7, "some metadata"),
            (TOPIC, 9): 1,              # no such partition
            ("no-such-topic", 0): 5,    # no such topic
        })
        assert errors == {
            (TOPIC, 0): ERR_NONE,
            (TOPIC, 1): ERR_NONE,
            (TOPIC, 9): ERR_UNKNOWN_TOPIC_OR_PARTITION,
            ("no-such-topic", 0): ERR_UNKNOWN_TOPIC_OR_PARTITION,
        }
        # Kafka's format: the offset as decimal text, nothing else (metadata is not kept).
        assert zk.get(_znode(group, TOPIC, 0)) == b"42"
        assert zk.get(_znode(group, TOPIC, 1)) == b"7"
        assert not zk.exists(_znode(group, TOPIC, 9))
        assert not zk.exists(f"/consumers/{group}/offsets/no-such-topic")

        got = wire.offset_fetch(c, 0, group, {TOPIC: [0, 1, 2, 9], "no-such-topic": [0]})
        assert got["error_code"] is None  # v0 has no top-level error
        p = got["partitions"]
        assert p[(TOPIC, 0)] == {"offset": 42, "leader_epoch": -1, "metadata": "", "error_code": ERR_NONE}
        assert p[(TOPIC, 1)] == {"offset": 7, "leader_epoch": -1, "metadata": "", "error_code": ERR_NONE}
        # Nothing committed, unknown partition, unknown topic: Kafka's UNKNOWN_PARTITION answer.
        for tp in [(TOPIC, 2), (TOPIC, 9), ("no-such-topic", 0)]:
            assert p[tp] == {"offset": -1, "leader_epoch": -1, "metadata": "",
                             "error_code": ERR_UNKNOWN_TOPIC_OR_PARTITION}, tp

        # A second commit overwrites the znode.
        assert wire.offset_commit(c, 0, group, {(TOPIC, 0): 100}) == {(TOPIC, 0): ERR_NONE}
        assert zk.get(_znode(group, TOPIC, 0)) == b"100"
        assert wire.offset_fetch(c, 0, group, {TOPIC: [0]})["partitions"][(TOPIC, 0)]["offset"] == 100


def test_v0_fetch_reads_offsets_written_by_old_zookeeper_consumers(topic_broker, zk):
    group = _group("old")
    _zk_create(zk, _znode(group, TOPIC, 2), b"123456789012")
    with wire.Connection(topic_broker.bootstrap) as c:
        got = wire.offset_fetch(c, 0, group, {TOPIC: [2]})["partitions"][(TOPIC, 2)]
    assert got == {"offset": 123456789012, "leader_epoch": -1, "metadata": "", "error_code": ERR_NONE}


def test_v0_metadata_size_is_checked(topic_broker, zk):
    group = _group("big")
    with wire.Connection(topic_broker.bootstrap) as c:
        errors = wire.offset_commit(c, 0, group, {(TOPIC, 0): (5, "x" * 4097), (TOPIC, 1): (6, "y" * 4096)})
    assert errors == {(TOPIC, 0): ERR_OFFSET_METADATA_TOO_LARGE, (TOPIC, 1): ERR_NONE}
    assert not zk.exists(_znode(group, TOPIC, 0))
    assert zk.get(_znode(group, TOPIC, 1)) == b"6"


def test_v0_offsets_are_not_in_the_group_coordinator(topic_broker, zk):
    """ZooKeeper offsets and __consumer_offsets are separate stores, as in Kafka: a v0 commit is
    invisible to OffsetFetch v1+, and a v1+ commit leaves ZooKeeper alone."""
    group = _group("split")
    clients.wait_group_coordinator(topic_broker.bootstrap, group)
    with wire.Connection(topic_broker.bootstrap) as c:
        assert wire.offset_commit(c, 0, group, {(TOPIC, 0): 11}) == {(TOPIC, 0): ERR_NONE}

        def v1_commit_ok():
            return wire.offset_commit(c, 2, group, {(TOPIC, 1): 22}) == {(TOPIC, 1): ERR_NONE}
        clients._wait(v1_commit_ok, 30, "the coordinator to accept a v2 commit")

        v1 = wire.offset_fetch(c, 1, group, {TOPIC: [0, 1]})["partitions"]
        assert v1[(TOPIC, 0)]["offset"] == -1 and v1[(TOPIC, 0)]["error_code"] == ERR_NONE
        assert v1[(TOPIC, 1)]["offset"] == 22
        v0 = wire.offset_fetch(c, 0, group, {TOPIC: [0, 1]})["partitions"]
        assert v0[(TOPIC, 0)]["offset"] == 11
        assert v0[(TOPIC, 1)]["error_code"] == ERR_UNKNOWN_TOPIC_OR_PARTITION
    assert not zk.exists(_znode(group, TOPIC, 1))


def test_v0_offsets_survive_a_broker_restart(topic_broker, zk):
    group = _group("restart")
    with wire.Connection(topic_broker.bootstrap) as c:
        assert wire.offset_commit(c, 0, group, {(TOPIC, 0): 31}) == {(TOPIC, 0): ERR_NONE}
    topic_broker.restart()
    clients.wait_topic_ready(topic_broker.bootstrap, TOPIC, 3)
    with wire.Connection(topic_broker.bootstrap) as c:
        got = wire.offset_fetch(c, 0, group, {TOPIC: [0]})["partitions"][(TOPIC, 0)]
    assert got["offset"] == 31 and got["error_code"] == ERR_NONE


def test_kafka_python_0_8_1_commits_to_zookeeper(topic_broker, zk):
    from kafka import KafkaConsumer, TopicPartition
    from kafka.structs import OffsetAndMetadata

    logging.getLogger("kafka").setLevel(logging.ERROR)
    group = _group("kp081")
    tp = TopicPartition(TOPIC, 1)
    kwargs = clients.kafka_python_kwargs(topic_broker.bootstrap)
    kwargs["api_version"] = (0, 8, 1)
    kwargs["request_timeout_ms"] = 40000  # must exceed the 30 s session timeout kafka-python assumes
    consumer = KafkaConsumer(group_id=group, enable_auto_commit=False, **kwargs)
    try:
        consumer.assign([tp])
        assert consumer.committed(tp) is None  # UNKNOWN_TOPIC_OR_PARTITION: "nothing committed yet"
        consumer.commit({tp: OffsetAndMetadata(17, "")})
        assert zk.get(_znode(group, TOPIC, 1)) == b"17"
        assert consumer.committed(tp) == 17
    finally:
        consumer.close(autocommit=False)

    # A new consumer of the group starts from the committed offset.
    clients.confluent_produce(topic_broker.bootstrap, TOPIC, clients.make_records(20, "kp"), partition=1)
    consumer = KafkaConsumer(group_id=group, enable_auto_commit=False, **kwargs)
    try:
        consumer.assign([tp])
        assert consumer.position(tp) == 17
    finally:
        consumer.close(autocommit=False)
