"""Dynamic configs: AlterConfigs (confluent-kafka), IncrementalAlterConfigs and AlterConfigs through
kafka-configs.sh (--bootstrap-server and --zookeeper), DescribeConfigs sources and synonyms, the
/config znodes and change notifications, and changes taking effect on a running broker."""

import json
import os
import subprocess
import time
from pathlib import Path

import pytest
from confluent_kafka import Consumer, KafkaException, Producer, TopicPartition
from confluent_kafka.admin import ConfigResource

import clients
import harness

ROOT = Path(__file__).resolve().parents[2]
SCRIPTS = ROOT / "scripts"

TOPIC_SOURCE_DYNAMIC = 1
DEFAULT_SOURCE = 5


def configs_sh(*args, timeout=60):
    binary = harness.gregor_binary().parent / "gregor-configs"
    # Fail fast rather than let kafka-run-tool.sh start a build inside a timed test.
    assert binary.exists(), f"{binary} missing (build gregor-configs first)"
    env = dict(os.environ)
    env["GREGOR_BUILD_DIR"] = str(harness.gregor_binary().parent.parent)
    return subprocess.run([str(SCRIPTS / "kafka-configs.sh"), *args], capture_output=True, text=True,
                          timeout=timeout, env=env)


def describe_topic(bootstrap, topic):
    a = clients.admin(bootstrap)
    res = ConfigResource(ConfigResource.Type.TOPIC, topic)
    return a.describe_configs([res])[res].result(30)


def alter_topic(bootstrap, topic, configs):
    a = clients.admin(bootstrap)
    res = ConfigResource(ConfigResource.Type.TOPIC, topic, set_config=configs)
    return a.alter_configs([res])[res].result(30)


def config_changes(zk):
    return sorted(c for c in zk.children("/config/changes") if c.startswith("config_change_"))


def produce_one(bootstrap, topic, value, timestamp=None):
    """Returns the delivery error (None on success)."""
    p = Producer({"bootstrap.servers": bootstrap, "enable.idempotence": False, "message.timeout.ms": 10000,
                  "retries": 0, **clients.QUIET_LOG})
    result = {}

    def on_delivery(err, msg):
        result["err"] = err
        result["msg"] = msg

    kwargs = {"value": value, "on_delivery": on_delivery, "partition": 0}
    if timestamp is not None:
        kwargs["timestamp"] = timestamp
    p.produce(topic, **kwargs)
    p.flush(20)
    assert "err" in result, "no delivery report"
    return result["err"], result["msg"]


def test_alter_configs_visible_in_describe_zookeeper_and_notification(broker, zk):
    clients.create_topic(broker.bootstrap, "cfg-a")
    before = config_changes(zk)
    alter_topic(broker.bootstrap, "cfg-a", {"retention.ms": "1000", "cleanup.policy": "compact"})

    configs = describe_topic(broker.bootstrap, "cfg-a")
    assert configs["retention.ms"].value == "1000"
    assert configs["retention.ms"].source == TOPIC_SOURCE_DYNAMIC
    assert configs["cleanup.policy"].value == "compact"
    assert configs["segment.bytes"].source == DEFAULT_SOURCE

    stored = json.loads(zk.get("/config/topics/cfg-a"))
    assert stored == {"version": 1, "config": {"retention.ms": "1000", "cleanup.policy": "compact"}}
    new = [c for c in config_changes(zk) if c not in before]
    assert new, "no config_change_ notification"
    assert json.loads(zk.get("/config/changes/" + new[-1])) == {"version": 2, "entity_path": "topics/cfg-a"}

    # AlterConfigs replaces the whole set: retention.ms disappears.
    alter_topic(broker.bootstrap, "cfg-a", {"cleanup.policy": "delete"})
    configs = describe_topic(broker.bootstrap, "cfg-a")
    assert configs["retention.ms"].source == DEFAULT_SOURCE and configs["retention.ms"].value == "604800000"


def test_alter_configs_errors(broker):
    clients.create_topic(broker.bootstrap, "cfg-err")
    with pytest.raises(KafkaException) as e:
        alter_topic(broker.bootstrap, "cfg-err", {"no.such.key": "1"})
    assert e.value.args[0].code() == 40  # INVALID_CONFIG
    assert "Unknown topic config name: no.such.key" in e.value.args[0].str()
    with pytest.raises(KafkaException) as e:
        alter_topic(broker.bootstrap, "cfg-err", {"retention.ms": "abc"})
    assert e.value.args[0].code() == 42  # INVALID_REQUEST
    assert "Invalid value abc for configuration retention.ms: Not a number of type LONG" in e.value.args[0].str()
    with pytest.raises(KafkaException) as e:
        alter_topic(broker.bootstrap, "cfg-missing", {"retention.ms": "1000"})
    assert e.value.args[0].code() == 3  # UNKNOWN_TOPIC_OR_PARTITION


def test_max_message_bytes_lowered_takes_effect_without_restart(broker):
    clients.create_topic(broker.bootstrap, "cfg-size")
    clients.wait_topic_ready(broker.bootstrap, "cfg-size", 1)
    err, _ = produce_one(broker.bootstrap, "cfg-size", b"x" * 3000)
    assert err is None
    alter_topic(broker.bootstrap, "cfg-size", {"max.message.bytes": "1000"})
    deadline = time.monotonic() + 20
    while True:
        err, _ = produce_one(broker.bootstrap, "cfg-size", b"x" * 3000)
        if err is not None or time.monotonic() > deadline:
            break
        time.sleep(0.3)
    assert err is not None and err.code() == 10, err  # MSG_SIZE_TOO_LARGE from the broker
    err, _ = produce_one(broker.bootstrap, "cfg-size", b"small")
    assert err is None


def test_log_append_time_takes_effect_without_restart(broker):
    clients.create_topic(broker.bootstrap, "cfg-ts")
    clients.wait_topic_ready(broker.bootstrap, "cfg-ts", 1)
    alter_topic(broker.bootstrap, "cfg-ts", {"message.timestamp.type": "LogAppendTime"})
    deadline = time.monotonic() + 20
    while True:
        err, msg = produce_one(broker.bootstrap, "cfg-ts", b"v", timestamp=1_000_000)
        assert err is None
        ts_type, ts = msg.timestamp()
        if ts != 1_000_000 or time.monotonic() > deadline:
            break
        time.sleep(0.3)
    now_ms = int(time.time() * 1000)
    assert abs(ts - now_ms) < 60_000, (ts_type, ts)
    c = Consumer({"bootstrap.servers": broker.bootstrap, "group.id": "unused", "enable.auto.commit": False,
                  **clients.QUIET_LOG})
    try:
        c.assign([TopicPartition("cfg-ts", 0, msg.offset())])
        got = None
        end = time.monotonic() + 30
        while got is None and time.monotonic() < end:
            m = c.poll(1.0)
            if m is not None and m.error() is None:
                got = m
        assert got is not None
        assert got.timestamp()[1] == ts and got.timestamp()[0] == 2  # TIMESTAMP_LOG_APPEND_TIME
    finally:
        c.close()


def test_kafka_configs_bootstrap_alter_describe_delete(broker, zk):
    clients.create_topic(broker.bootstrap, "cfg-tool")
    bs = broker.bootstrap
    res = configs_sh("--bootstrap-server", bs, "--entity-type", "topics", "--entity-name", "cfg-tool", "--alter",
                     "--add-config", "retention.ms=1000,cleanup.policy=[compact,delete]")
    assert res.returncode == 0, res.stderr
    assert res.stdout == "Completed updating config for topic cfg-tool.\n"
    assert json.loads(zk.get("/config/topics/cfg-tool"))["config"] == {"retention.ms": "1000",
                                                                        "cleanup.policy": "compact,delete"}

    res = configs_sh("--bootstrap-server", bs, "--entity-type", "topics", "--entity-name", "cfg-tool", "--describe")
    assert res.returncode == 0, res.stderr
    assert res.stdout.splitlines() == [
        "Dynamic configs for topic cfg-tool are:",
        "  cleanup.policy=compact,delete sensitive=false synonyms={DYNAMIC_TOPIC_CONFIG:cleanup.policy=compact,delete, "
        "DEFAULT_CONFIG:log.cleanup.policy=delete}",
        "  retention.ms=1000 sensitive=false synonyms={DYNAMIC_TOPIC_CONFIG:retention.ms=1000}",
    ]

    res = configs_sh("--bootstrap-server", bs, "--topic", "cfg-tool", "--alter", "--delete-config", "retention.ms")
    assert res.returncode == 0, res.stderr
    configs = describe_topic(bs, "cfg-tool")
    assert configs["retention.ms"].source == DEFAULT_SOURCE and configs["retention.ms"].value == "604800000"

    res = configs_sh("--bootstrap-server", bs, "--topic", "cfg-tool", "--alter", "--delete-config", "retention.ms")
    assert res.returncode == 1 and "Invalid config(s): retention.ms" in res.stderr

    res = configs_sh("--bootstrap-server", bs, "--topic", "cfg-tool", "--alter", "--add-config", "segment.bytes=abc")
    assert res.returncode == 1
    assert "Invalid value abc for configuration segment.bytes" in res.stderr

    res = configs_sh("--bootstrap-server", bs, "--topic", "cfg-tool", "--describe", "--all")
    assert res.returncode == 0, res.stderr
    lines = res.stdout.splitlines()
    assert lines[0] == "All configs for topic cfg-tool are:"
    assert "  segment.bytes=1073741824 sensitive=false synonyms={DEFAULT_CONFIG:log.segment.bytes=1073741824}" in lines


def test_kafka_configs_zookeeper_alter_describe(broker, zk):
    clients.create_topic(broker.bootstrap, "cfg-zk")
    before = config_changes(zk)
    res = configs_sh("--zookeeper", broker.zk_connect, "--entity-type", "topics", "--entity-name", "cfg-zk",
                     "--alter", "--add-config", "retention.ms=2000")
    assert res.returncode == 0, res.stderr
    assert res.stdout == "Completed updating config for entity: topic 'cfg-zk'.\n"
    assert len(config_changes(zk)) > len(before) or set(config_changes(zk)) != set(before)
    res = configs_sh("--zookeeper", broker.zk_connect, "--entity-type", "topics", "--entity-name", "cfg-zk",
                     "--describe")
    assert res.stdout == "Configs for topic 'cfg-zk' are retention.ms=2000\n"
    configs = describe_topic(broker.bootstrap, "cfg-zk")
    assert configs["retention.ms"].value == "2000" and configs["retention.ms"].source == TOPIC_SOURCE_DYNAMIC

    res = configs_sh("--zookeeper", broker.zk_connect, "--entity-type", "topics", "--entity-name", "cfg-zk",
                     "--alter", "--add-config", "bogus.key=1")
    assert res.returncode == 1 and "Unknown topic config name: bogus.key" in res.stderr


def test_broker_dynamic_configs(broker, zk):
    clients.create_topic(broker.bootstrap, "cfg-brk")
    bs = broker.bootstrap
    res = configs_sh("--bootstrap-server", bs, "--entity-type", "brokers", "--entity-default", "--alter",
                     "--add-config", "log.retention.ms=3600000")
    assert res.returncode == 0, res.stderr
    assert res.stdout == "Completed updating default config for brokers in the cluster.\n"
    assert json.loads(zk.get("/config/brokers/<default>"))["config"] == {"log.retention.ms": "3600000"}

    a = clients.admin(bs)
    res_t = ConfigResource(ConfigResource.Type.TOPIC, "cfg-brk")
    configs = a.describe_configs([res_t])[res_t].result(30)
    assert configs["retention.ms"].value == "3600000"
    assert configs["retention.ms"].source == 3  # DYNAMIC_DEFAULT_BROKER_CONFIG

    res = configs_sh("--bootstrap-server", bs, "--topic", "cfg-brk", "--describe", "--all")
    assert ("  retention.ms=3600000 sensitive=false synonyms={DYNAMIC_DEFAULT_BROKER_CONFIG:log.retention.ms=3600000, "
            "DEFAULT_CONFIG:log.retention.hours=168}" in res.stdout.splitlines()), res.stdout

    res = configs_sh("--bootstrap-server", bs, "--entity-type", "brokers", "--entity-default", "--describe")
    assert res.stdout.splitlines() == [
        "Default configs for brokers in the cluster are:",
        "  log.retention.ms=3600000 sensitive=false synonyms={DYNAMIC_DEFAULT_BROKER_CONFIG:log.retention.ms=3600000}",
    ]

    res = configs_sh("--bootstrap-server", bs, "--entity-type", "brokers", "--entity-name", "0", "--alter",
                     "--add-config", "log.segment.bytes=2000000")
    assert res.returncode == 0, res.stderr
    assert res.stdout == "Completed updating config for broker 0.\n"
    res_b = ConfigResource(ConfigResource.Type.BROKER, "0")
    bconf = a.describe_configs([res_b])[res_b].result(30)
    assert bconf["log.segment.bytes"].value == "2000000" and bconf["log.segment.bytes"].source == 2
    assert bconf["log.retention.ms"].value == "3600000" and bconf["log.retention.ms"].source == 3
    assert bconf["broker.id"].is_read_only

    res = configs_sh("--bootstrap-server", bs, "--entity-type", "brokers", "--entity-name", "0", "--alter",
                     "--add-config", "broker.id=5")
    assert res.returncode == 1
    assert "Cannot update these configs dynamically: Set(broker.id)" in res.stderr
    assert "InvalidRequestException" in res.stderr

    # The dynamic default survives a restart and still feeds the topic's default.
    broker.restart()
    configs = describe_topic(bs, "cfg-brk")
    assert configs["retention.ms"].value == "3600000"
    assert "dynamic broker configs: cluster default {log.retention.ms=3600000}" in broker.log_text()
