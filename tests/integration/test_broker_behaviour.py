"""Broker behaviour operators rely on: Kafka's ZooKeeper layout and JSON, several listeners,
YAML configuration, --override, refusal of bad configuration, pipelining, DescribeConfigs,
deletion markers written by other tools, and long-poll fetches."""

import json
import os
import struct
import subprocess
import threading
import time
from pathlib import Path

import pytest

import harness
import wire

ROOT = Path(__file__).resolve().parents[2]


def _admin(bootstrap):
    from confluent_kafka.admin import AdminClient
    return AdminClient({"bootstrap.servers": bootstrap})


def _create(bootstrap, topic, partitions=1, config=None):
    from confluent_kafka.admin import NewTopic
    admin = _admin(bootstrap)  # must outlive the future
    admin.create_topics([NewTopic(topic, partitions, 1, config=config or {})])[topic].result(30)


def test_zookeeper_layout_matches_kafka(broker, zk):
    _create(broker.bootstrap, "layout", partitions=2, config={"retention.ms": "86400000"})
    # /cluster/id: {"version":"1","id":<22 chars>} and the same id in meta.properties.
    cluster = json.loads(zk.get("/cluster/id"))
    assert cluster["version"] == "1" and len(cluster["id"]) == 22
    meta = (broker.log_dir / "meta.properties").read_text()
    assert f"cluster.id={cluster['id']}" in meta and "broker.id=0" in meta and "version=0" in meta
    # /brokers/ids/0: v5 registration with the advertised endpoint, timestamp as a string.
    reg = json.loads(zk.get("/brokers/ids/0"))
    assert reg["version"] == 5
    assert reg["endpoints"] == [f"PLAINTEXT://{broker.bootstrap}"]
    assert reg["host"] == "127.0.0.1" and reg["port"] == broker.port
    assert reg["listener_security_protocol_map"] == {"PLAINTEXT": "PLAINTEXT"}
    assert isinstance(reg["timestamp"], str) and reg["jmx_port"] == -1
    # /controller and /controller_epoch.
    ctl = json.loads(zk.get("/controller"))
    assert ctl["brokerid"] == 0 and ctl["version"] == 1 and isinstance(ctl["timestamp"], str)
    assert int(zk.get("/controller_epoch")) >= 1
    # The topic: assignment v3 with a topic id, its config, and one state znode per partition.
    topic = json.loads(zk.get("/brokers/topics/layout"))
    assert topic["version"] == 3 and topic["partitions"] == {"0": [0], "1": [0]}
    assert len(topic["topic_id"]) == 22
    assert topic["adding_replicas"] == {} and topic["removing_replicas"] == {}
    assert json.loads(zk.get("/config/topics/layout")) == {"version": 1, "config": {"retention.ms": "86400000"}}
    for p in (0, 1):
        state = json.loads(zk.get(f"/brokers/topics/layout/partitions/{p}/state"))
        assert state == {"controller_epoch": state["controller_epoch"], "leader": 0, "version": 1,
                         "leader_epoch": 0, "isr": [0]}
    # The base paths every Kafka broker pre-creates.
    for path in ("/consumers", "/brokers/seqid", "/config/changes", "/config/clients", "/config/users",
                 "/config/brokers", "/admin/delete_topics", "/isr_change_notification",
                 "/latest_producer_id_block", "/log_dir_event_notification"):
        assert zk.exists(path), path


def test_topic_created_by_a_zookeeper_tool_gets_an_id_and_leaders(broker, zk):
    # What kafka-topics.sh --zookeeper (Kafka <= 2.8) writes: config first, then the assignment v1.
    zk._kazoo.create("/config/topics/zk-made", b'{"version":1,"config":{}}', makepath=True)
    zk._kazoo.create("/brokers/topics/zk-made", b'{"version":1,"partitions":{"0":[0],"1":[0],"2":[0]}}')
    harness.wait_until(lambda: zk.exists("/brokers/topics/zk-made/partitions/2/state"), 30, 0.1, "partition states")
    topic = json.loads(zk.get("/brokers/topics/zk-made"))
    assert len(topic.get("topic_id", "")) == 22  # the controller added the id
    md = wire.metadata_v1(broker.bootstrap, ["zk-made"])
    harness.wait_until(lambda: all(p["leader"] == 0 for p in wire.metadata_v1(broker.bootstrap, ["zk-made"])
                                   ["topics"][0]["partitions"]) and
                       len(wire.metadata_v1(broker.bootstrap, ["zk-made"])["topics"][0]["partitions"]) == 3,
                       30, 0.1, "leaders in metadata")
    assert md["topics"][0]["name"] == "zk-made"


def test_deletion_marker_written_by_another_tool_deletes_the_topic(broker, zk):
    _create(broker.bootstrap, "doomed", partitions=2)
    assert broker.partition_dir("doomed", 0).exists()
    zk._kazoo.create("/admin/delete_topics/doomed", b"")  # what kafka-topics.sh --zookeeper --delete does
    harness.wait_until(lambda: not zk.exists("/brokers/topics/doomed"), 30, 0.1, "topic znode removal")
    harness.wait_until(lambda: not zk.exists("/admin/delete_topics/doomed"), 30, 0.1, "marker removal")
    assert not zk.exists("/config/topics/doomed")
    harness.wait_until(lambda: not broker.partition_dir("doomed", 0).exists(), 30, 0.1, "log dir removal")
    md = wire.metadata_v1(broker.bootstrap, ["doomed"])
    assert md["topics"][0]["error_code"] in (3, 5)  # gone (auto-creation may race: LEADER_NOT_AVAILABLE)


def test_two_listeners_each_advertise_their_own_endpoint(broker_factory, zk):
    other = harness.free_port()
    b = broker_factory(extra_props={
        "listeners": f"PLAINTEXT://127.0.0.1:{{port}},CLIENTS://127.0.0.1:{other}",
        "listener.security.protocol.map": "PLAINTEXT:PLAINTEXT,CLIENTS:PLAINTEXT",
        "inter.broker.listener.name": "PLAINTEXT",
    }, start=False)
    b.props["listeners"] = b.props["listeners"].replace("{port}", str(b.port))
    b.start()
    reg = json.loads(zk.get("/brokers/ids/0"))
    assert reg["endpoints"] == [f"PLAINTEXT://127.0.0.1:{b.port}", f"CLIENTS://127.0.0.1:{other}"]
    assert reg["listener_security_protocol_map"] == {"PLAINTEXT": "PLAINTEXT", "CLIENTS": "PLAINTEXT"}
    # Metadata names the endpoint of the listener the request came in on.
    assert wire.metadata_v1(f"127.0.0.1:{b.port}")["brokers"][0]["port"] == b.port
    assert wire.metadata_v1(f"127.0.0.1:{other}")["brokers"][0]["port"] == other


def test_yaml_configuration_and_override(broker_factory, tmp_path):
    b = broker_factory(start=False)
    yaml_path = b.workdir / "server.yaml"
    yaml_path.write_text(
        "broker:\n  id: 4\n"
        f"listeners: PLAINTEXT://127.0.0.1:{b.port}\n"
        f"log:\n  dirs: {b.log_dir}\n"
        f"zookeeper:\n  connect: {b.zk_connect}\n")
    b.broker_id = 4
    b.config_path = yaml_path
    b.write_config = lambda: None  # keep the YAML file as written
    b.start()
    assert wire.metadata_v1(b.bootstrap)["brokers"][0]["node_id"] == 4
    assert b.stop() == 0

    # --override wins over the file, as with Kafka's start script.
    log = b.workdir / "override.log"
    port = harness.free_port()
    with open(log, "wb") as out:
        proc = subprocess.Popen([str(b.binary), str(yaml_path), "--override", "broker.id=5",
                                 "--override", f"listeners=PLAINTEXT://127.0.0.1:{port}",
                                 "--override", f"log.dirs={b.workdir / 'override-data'}"],
                                stdout=out, stderr=subprocess.STDOUT)
    try:
        # The listener answers before the controller's UpdateMetadata lists the broker: wait for that.
        md = harness.wait_until(lambda: (lambda m: m if m and m["brokers"] else None)(
            _metadata_or_none(f"127.0.0.1:{port}")), 60, 0.1, "override broker in its own metadata")
        assert md["brokers"][0]["node_id"] == 5
    finally:
        proc.terminate()
        assert proc.wait(30) == 0


def _metadata_or_none(bootstrap):
    try:
        return wire.metadata_v1(bootstrap, timeout=1.0)
    except OSError:
        return None


@pytest.mark.parametrize("bad, named", [
    ({"num.io.threads": "lots"}, "num.io.threads"),
    ({"no.such.key": "1"}, "no.such.key"),
    ({"listeners": "PLAINTEXT://127.0.0.1:notaport"}, "listeners"),
])
def test_bad_configuration_is_refused_naming_the_key(broker_factory, bad, named):
    b = broker_factory(start=False)
    b.props.update(bad)
    b.write_config()
    res = subprocess.run([str(b.binary), str(b.config_path)], capture_output=True, text=True, timeout=60)
    assert res.returncode != 0
    assert named in res.stderr + res.stdout


def test_pipelined_requests_are_answered_in_order(broker):
    with wire.Connection(broker.bootstrap) as c:
        frames = b""
        for corr in range(1, 21):
            api = (18, 0, b"") if corr % 2 else (3, 1, wire.metadata_request_body(1, None))
            frames += wire.frame(wire.request_header(api[0], api[1], corr) + api[2])
        c.send_raw(frames)
        for corr in range(1, 21):
            resp = c.recv_frame()
            assert struct.unpack(">i", resp[:4])[0] == corr


def test_describe_configs_reports_sources(broker_factory):
    from confluent_kafka.admin import ConfigResource
    b = broker_factory(extra_props={"log.segment.bytes": "536870912"})
    _create(b.bootstrap, "described", config={"cleanup.policy": "compact", "retention.ms": "1000"})
    admin = _admin(b.bootstrap)
    res = ConfigResource(ConfigResource.Type.TOPIC, "described")
    configs = admin.describe_configs([res])[res].result(30)
    assert configs["cleanup.policy"].value == "compact" and not configs["cleanup.policy"].is_default
    assert configs["retention.ms"].value == "1000"
    assert configs["segment.bytes"].value == "536870912"  # from the broker's log.segment.bytes
    assert configs["segment.bytes"].source == 4  # STATIC_BROKER_CONFIG
    assert configs["max.message.bytes"].value == "1048588" and configs["max.message.bytes"].is_default
    bres = ConfigResource(ConfigResource.Type.BROKER, "0")
    bconf = admin.describe_configs([bres])[bres].result(30)
    assert bconf["log.segment.bytes"].value == "536870912" and not bconf["log.segment.bytes"].is_default
    assert bconf["num.partitions"].value == "1"


def test_fetch_long_poll_returns_when_data_arrives(broker):
    from confluent_kafka import Consumer, Producer, TopicPartition
    _create(broker.bootstrap, "poll")
    consumer = Consumer({"bootstrap.servers": broker.bootstrap, "group.id": "unused",
                         "fetch.wait.max.ms": 10000, "fetch.min.bytes": 1, "enable.auto.commit": False})
    consumer.assign([TopicPartition("poll", 0, 0)])
    consumer.poll(1.0)  # connected and fetching (an empty long poll is now parked in the broker)

    def produce_later():
        time.sleep(1.0)
        p = Producer({"bootstrap.servers": broker.bootstrap})
        p.produce("poll", value=b"wake up")
        p.flush(10)

    t = threading.Thread(target=produce_later)
    start = time.time()
    t.start()
    msg = None
    while msg is None and time.time() - start < 30:
        m = consumer.poll(0.5)
        if m is not None and not m.error():
            msg = m
    t.join()
    consumer.close()
    assert msg is not None and msg.value() == b"wake up"
    # Woken by the append, not by the 10 s max wait.
    assert time.time() - start < 8
