"""Automatic topic creation on Metadata for an unknown topic (auto.create.topics.enable, num.partitions)."""

import json

from kafka import KafkaProducer

import clients
import wire


def test_kafka_python_produce_to_unknown_topic_creates_it(broker_factory, zk):
    b = broker_factory(extra_props={"num.partitions": 3})
    p = KafkaProducer(acks=1, **clients.kafka_python_kwargs(b.bootstrap))
    try:
        futures = [p.send("fresh", key=f"k{i}".encode(), value=f"v{i}".encode()) for i in range(300)]
        p.flush(60)
        metas = [f.get(timeout=60) for f in futures]
    finally:
        p.close(30)
    assert {m.partition for m in metas} == {0, 1, 2}
    t = clients.wait_topic_ready(b.bootstrap, "fresh", 3)
    assert sorted(t.partitions) == [0, 1, 2]
    assert json.loads(zk.get("/brokers/topics/fresh"))["partitions"] == {"0": [0], "1": [0], "2": [0]}
    got = clients.confluent_consume(b.bootstrap, "fresh", [0, 1, 2], 300)
    assert sorted(m[3] for m in got) == sorted(f"v{i}".encode() for i in range(300))
    assert all(m[2] == m[3].replace(b"v", b"k") for m in got)


def test_metadata_v1_for_unknown_topic_creates_it(broker_factory, zk):
    b = broker_factory(extra_props={"num.partitions": 2})
    with wire.Connection(b.bootstrap) as c:
        first = wire.metadata(c, 1, ["by-metadata"])
    [t] = first["topics"]
    # Kafka answers LEADER_NOT_AVAILABLE (5) while the new topic has no leader yet, or NONE if fast.
    assert t["name"] == "by-metadata" and t["error_code"] in (0, 5)
    t = wire.wait_for_leader(b.bootstrap, "by-metadata", 2)
    assert sorted(p["partition"] for p in t["partitions"]) == [0, 1]
    assert zk.exists("/brokers/topics/by-metadata")


def test_no_auto_create_when_disabled(broker_factory, zk):
    b = broker_factory(extra_props={"auto.create.topics.enable": "false"})
    with wire.Connection(b.bootstrap) as c:
        md = wire.metadata(c, 1, ["not-wanted"])
    [t] = md["topics"]
    assert (t["name"], t["error_code"]) == ("not-wanted", 3)  # UNKNOWN_TOPIC_OR_PARTITION
    assert not zk.exists("/brokers/topics/not-wanted")


def test_invalid_name_is_not_auto_created(broker):
    with wire.Connection(broker.bootstrap) as c:
        md = wire.metadata(c, 1, ["bad name!"])
    [t] = md["topics"]
    assert (t["name"], t["error_code"]) == ("bad name!", 17)  # INVALID_TOPIC_EXCEPTION
