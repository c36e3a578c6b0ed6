"""Metadata as seen by kcat, kafka-python and confluent-kafka, plus raw Metadata v0/v1."""

import pytest
from kafka import KafkaAdminClient, KafkaConsumer

import clients
import wire


def test_kcat_metadata_lists_broker(broker):
    md = clients.kcat_metadata(broker.bootstrap)
    assert md["originating_broker"]["id"] == 0
    assert md["controllerid"] == 0
    brokers = {b["id"]: b["name"] for b in md["brokers"]}
    assert brokers == {0: f"127.0.0.1:{broker.port}"}
    assert md["topics"] == []


def test_kcat_metadata_with_topic_and_nonzero_id(broker_factory):
    b = broker_factory(broker_id=3)
    clients.create_topic(b.bootstrap, "kc", partitions=2)
    clients.wait_topic_ready(b.bootstrap, "kc", 2)
    md = clients.kcat_metadata(b.bootstrap)
    assert (md["originating_broker"]["id"], md["controllerid"]) == (3, 3)
    assert md["brokers"] == [{"id": 3, "name": f"127.0.0.1:{b.port}"}]
    assert md["topics"] == [{"topic": "kc", "partitions": [
        {"partition": p, "leader": 3, "replicas": [{"id": 3}], "isrs": [{"id": 3}]} for p in (0, 1)]}]
    text = clients.kcat(["-b", b.bootstrap, "-L"], timeout=30).stdout.decode()
    assert f"broker 3 at 127.0.0.1:{b.port} (controller)" in text
    assert 'topic "kc" with 2 partitions:' in text


def test_confluent_list_topics_sees_broker_and_controller(broker_factory):
    b = broker_factory(broker_id=7)
    md = clients.admin(b.bootstrap).list_topics(timeout=10)
    assert set(md.brokers) == {7}
    assert (md.brokers[7].host, md.brokers[7].port) == ("127.0.0.1", b.port)
    assert md.controller_id == 7
    assert md.orig_broker_id == 7
    assert md.cluster_id, "Metadata v2+ must carry the cluster id"


def test_cluster_id_matches_zookeeper(broker, zk):
    md = clients.admin(broker.bootstrap).list_topics(timeout=10)
    import json
    zk_cluster = json.loads(zk.get("/cluster/id"))
    assert md.cluster_id == zk_cluster["id"]
    assert zk.children("/brokers/ids") == ["0"]
    registration = json.loads(zk.get("/brokers/ids/0"))
    assert registration["port"] == broker.port
    assert registration["host"] == "127.0.0.1"
    assert f"PLAINTEXT://127.0.0.1:{broker.port}" in registration["endpoints"]
    controller = json.loads(zk.get("/controller"))
    assert controller["brokerid"] == 0


def test_kafka_python_admin_describe_cluster(broker):
    a = KafkaAdminClient(**clients.kafka_python_kwargs(broker.bootstrap))
    try:
        cluster = a.describe_cluster()
    finally:
        a.close()
    brokers = [(b["node_id"], b["host"], b["port"]) for b in cluster["brokers"]]
    assert brokers == [(0, "127.0.0.1", broker.port)]
    assert cluster["controller_id"] == 0


def test_kafka_python_consumer_sees_topics(broker):
    clients.create_topic(broker.bootstrap, "md-topic", partitions=2)
    clients.wait_topic_ready(broker.bootstrap, "md-topic", 2)
    c = KafkaConsumer(group_id=None, **clients.kafka_python_kwargs(broker.bootstrap))
    try:
        assert "md-topic" in c.topics()
        assert c.partitions_for_topic("md-topic") == {0, 1}
        brokers = c._client.cluster.brokers()
        assert [(b.nodeId, b.host, b.port) for b in brokers] == [(0, "127.0.0.1", broker.port)]
    finally:
        c.close()


@pytest.mark.parametrize("version", [0, 1])
def test_raw_metadata(broker, version):
    clients.create_topic(broker.bootstrap, "raw-md", partitions=3)
    wire.wait_for_leader(broker.bootstrap, "raw-md", 3)
    with wire.Connection(broker.bootstrap) as c:
        md = wire.metadata(c, version, ["raw-md"])
    assert md["trailing"] == 0
    assert [(b["node_id"], b["host"], b["port"]) for b in md["brokers"]] == [(0, "127.0.0.1", broker.port)]
    if version >= 1:
        assert md["controller_id"] == 0
    [t] = md["topics"]
    assert (t["error_code"], t["name"]) == (0, "raw-md")
    parts = sorted((p["partition"], p["error_code"], p["leader"], p["replicas"], p["isr"]) for p in t["partitions"])
    assert parts == [(i, 0, 0, [0], [0]) for i in range(3)]


def test_raw_metadata_v0_empty_list_means_all_topics(broker):
    for name in ("all-a", "all-b"):
        clients.create_topic(broker.bootstrap, name, partitions=1)
        wire.wait_for_leader(broker.bootstrap, name, 1)
    with wire.Connection(broker.bootstrap) as c:
        v0 = wire.metadata(c, 0, [])
        v1_empty = wire.metadata(c, 1, [])
        v1_null = wire.metadata(c, 1, None)
    assert sorted(t["name"] for t in v0["topics"]) == ["all-a", "all-b"]
    assert v1_empty["topics"] == []
    assert sorted(t["name"] for t in v1_null["topics"]) == ["all-a", "all-b"]
