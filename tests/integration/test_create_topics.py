"""CreateTopics through confluent-kafka's AdminClient and kafka-python's KafkaAdminClient."""

import json

import pytest
from confluent_kafka import KafkaError
from confluent_kafka.admin import NewTopic as CNewTopic
from kafka import KafkaAdminClient
from kafka.admin import NewTopic as KNewTopic
from kafka.errors import InvalidReplicationFactorError, InvalidTopicError, TopicAlreadyExistsError

import clients
import wire

# librdkafka names Kafka's INVALID_TOPIC_EXCEPTION (17) TOPIC_EXCEPTION.
INVALID_TOPIC = KafkaError.TOPIC_EXCEPTION
assert INVALID_TOPIC == 17


def _confluent_create(bootstrap, topic, partitions, rf, **kw):
    a = clients.admin(bootstrap)
    fs = a.create_topics([CNewTopic(topic, partitions, rf, **kw)], operation_timeout=20, request_timeout=20)
    fs[topic].admin_handle = a  # the handle must outlive the future
    return fs[topic]


def _confluent_error(future):
    exc = future.exception(30)
    assert exc is not None, "expected the creation to fail"
    return exc.args[0].code()


def _assert_three_partitions_led_by_0(bootstrap, topic, zk=None):
    t = clients.wait_topic_ready(bootstrap, topic, 3)
    assert sorted(t.partitions) == [0, 1, 2]
    for p in t.partitions.values():
        assert (p.leader, list(p.replicas), list(p.isrs)) == (0, [0], [0])
    if zk is not None:
        assignment = json.loads(zk.get(f"/brokers/topics/{topic}"))
        assert assignment["partitions"] == {"0": [0], "1": [0], "2": [0]}
        assert sorted(zk.children(f"/brokers/topics/{topic}/partitions")) == ["0", "1", "2"]
        state = json.loads(zk.get(f"/brokers/topics/{topic}/partitions/1/state"))
        assert (state["leader"], state["isr"]) == (0, [0])


def test_confluent_create_describe_and_errors(broker, zk):
    _confluent_create(broker.bootstrap, "orders", 3, 1).result(30)
    _assert_three_partitions_led_by_0(broker.bootstrap, "orders", zk)
    for p in range(3):
        assert broker.partition_dir("orders", p).is_dir()

    assert _confluent_error(_confluent_create(broker.bootstrap, "orders", 3, 1)) == KafkaError.TOPIC_ALREADY_EXISTS
    assert _confluent_error(_confluent_create(broker.bootstrap, "bad/name", 1, 1)) == INVALID_TOPIC
    assert _confluent_error(_confluent_create(broker.bootstrap, "x" * 250, 1, 1)) == INVALID_TOPIC
    assert _confluent_error(_confluent_create(broker.bootstrap, "..", 1, 1)) == INVALID_TOPIC
    assert _confluent_error(_confluent_create(broker.bootstrap, "too-many-replicas", 1, 3)) == \
        KafkaError.INVALID_REPLICATION_FACTOR
    # Nothing was created by the failures.
    names = set(clients.admin(broker.bootstrap).list_topics(timeout=10).topics)
    assert names == {"orders"}
    assert not zk.exists("/brokers/topics/too-many-replicas")


def test_confluent_create_validate_only_creates_nothing(broker, zk):
    _confluent_create(broker.bootstrap, "dry-run", 2, 1, ).result(30)  # a real one for comparison
    a = clients.admin(broker.bootstrap)
    fs = a.create_topics([CNewTopic("dry-run-2", 2, 1)], validate_only=True, request_timeout=20)
    fs["dry-run-2"].result(30)
    assert not zk.exists("/brokers/topics/dry-run-2")
    assert zk.exists("/brokers/topics/dry-run")


def test_confluent_create_with_config_visible_in_describe_configs(broker, zk):
    _confluent_create(broker.bootstrap, "configured", 1, 1, config={"retention.ms": "123456"}).result(30)
    from confluent_kafka.admin import ConfigResource
    res = ConfigResource(ConfigResource.Type.TOPIC, "configured")
    a = clients.admin(broker.bootstrap)
    configs = a.describe_configs([res])[res].result(30)
    assert configs["retention.ms"].value == "123456"
    stored = json.loads(zk.get("/config/topics/configured"))
    assert stored["config"]["retention.ms"] == "123456"


def test_kafka_python_admin_create_and_errors(broker, zk):
    a = KafkaAdminClient(**clients.kafka_python_kwargs(broker.bootstrap))
    try:
        resp = a.create_topics([KNewTopic("kp-topic", 3, 1)], timeout_ms=20000)
        errs = [(t[0], t[1]) for t in resp.topic_errors]
        assert errs == [("kp-topic", 0)]
        _assert_three_partitions_led_by_0(broker.bootstrap, "kp-topic", zk)
        [desc] = a.describe_topics(["kp-topic"])
        assert (desc["error_code"], desc["topic"]) == (0, "kp-topic")
        parts = sorted((p["partition"], p["leader"], p["replicas"], p["isr"]) for p in desc["partitions"])
        assert parts == [(i, 0, [0], [0]) for i in range(3)]
        assert "kp-topic" in a.list_topics()

        with pytest.raises(TopicAlreadyExistsError):
            a.create_topics([KNewTopic("kp-topic", 3, 1)], timeout_ms=20000)
        with pytest.raises(InvalidTopicError):
            a.create_topics([KNewTopic("bad name", 1, 1)], timeout_ms=20000)
        with pytest.raises(InvalidReplicationFactorError):
            a.create_topics([KNewTopic("kp-rf", 1, 2)], timeout_ms=20000)
    finally:
        a.close()


def test_create_with_default_partitions(broker_factory):
    b = broker_factory(extra_props={"num.partitions": 4})
    _confluent_create(b.bootstrap, "defaults", -1, -1).result(30)
    t = clients.wait_topic_ready(b.bootstrap, "defaults", 4)
    assert sorted(t.partitions) == [0, 1, 2, 3]


def test_raw_metadata_after_create_has_all_partitions(broker):
    _confluent_create(broker.bootstrap, "raw-check", 3, 1).result(30)
    t = wire.wait_for_leader(broker.bootstrap, "raw-check", 3)
    assert sorted(p["partition"] for p in t["partitions"]) == [0, 1, 2]


def test_create_errors_for_partitions_and_configs(broker, zk):
    from confluent_kafka import KafkaError as E
    assert _confluent_error(_confluent_create(broker.bootstrap, "zero-parts", 0, 1)) == E.INVALID_PARTITIONS
    assert _confluent_error(_confluent_create(broker.bootstrap, "bad-cfg", 1, 1,
                                              config={"cleanup.policy": "sometimes"})) == E.INVALID_CONFIG
    assert _confluent_error(_confluent_create(broker.bootstrap, "unknown-cfg", 1, 1,
                                              config={"no.such.setting": "1"})) == E.INVALID_CONFIG
    for name in ("zero-parts", "bad-cfg", "unknown-cfg"):
        assert not zk.exists(f"/brokers/topics/{name}")


def test_create_with_explicit_replica_assignment(broker, zk):
    f = _confluent_create(broker.bootstrap, "manual", 4, -1, replica_assignment=[[0], [0], [0], [0]])
    f.result(30)
    t = clients.wait_topic_ready(broker.bootstrap, "manual", 4)
    assert sorted(t.partitions) == [0, 1, 2, 3]
    assert json.loads(zk.get("/brokers/topics/manual"))["partitions"] == {str(i): [0] for i in range(4)}
    # An assignment naming a broker that does not exist is refused.
    bad = _confluent_create(broker.bootstrap, "manual-bad", 1, -1, replica_assignment=[[5]])
    assert _confluent_error(bad) == KafkaError.INVALID_REPLICA_ASSIGNMENT
