"""ZooKeeper session expiry: the broker re-registers with its new session and carries on.

The broker is frozen (SIGSTOP) for longer than its session timeout, so ZooKeeper expires its
session and deletes its ephemerals (/brokers/ids/<id>, /controller). After SIGCONT the broker must
notice the expiry, register again (a new czxid, i.e. a new broker epoch), win the controller
election again, and keep serving clients.
"""

import json
import os
import signal
import time

import pytest

import harness


@pytest.mark.timeout(120)
def test_session_expiry_re_registers_and_keeps_serving(broker_factory, zk):
    broker = broker_factory(extra_props={"zookeeper.session.timeout.ms": "2000"})
    path = f"/brokers/ids/{broker.broker_id}"
    harness.wait_until(lambda: zk.exists(path) and zk.exists("/controller"), 30, 0.1, "registration")
    before = zk._kazoo.exists(path).czxid
    epoch_before = int(zk.get("/controller_epoch"))

    pid = broker.proc.proc.pid
    os.kill(pid, signal.SIGSTOP)
    try:
        # ZooKeeper drops the session once 2 s pass without a heartbeat.
        harness.wait_until(lambda: not zk.exists(path), 30, 0.2, "the frozen broker's znode to vanish")
    finally:
        os.kill(pid, signal.SIGCONT)

    def re_registered():
        st = zk._kazoo.exists(path)
        return st is not None and st.czxid != before

    harness.wait_until(re_registered, 30, 0.2, "the broker to register again")
    harness.wait_until(lambda: zk.exists("/controller"), 30, 0.2, "a controller")
    controller = json.loads(zk.get("/controller"))
    assert controller["brokerid"] == broker.broker_id
    assert int(zk.get("/controller_epoch")) > epoch_before
    registration = json.loads(zk.get(path))
    assert registration["endpoints"] == [f"PLAINTEXT://{broker.bootstrap}"]

    # Still serving: a topic can be created, written and read after the new session.
    from confluent_kafka import Consumer, Producer, TopicPartition
    from confluent_kafka.admin import AdminClient, NewTopic

    admin = AdminClient({"bootstrap.servers": broker.bootstrap})
    admin.create_topics([NewTopic("after-expiry", 1, 1)])["after-expiry"].result(30)
    producer = Producer({"bootstrap.servers": broker.bootstrap})
    for i in range(10):
        producer.produce("after-expiry", key=b"k%d" % i, value=b"v%d" % i)
    assert producer.flush(30) == 0
    consumer = Consumer({"bootstrap.servers": broker.bootstrap, "group.id": "unused",
                         "enable.auto.commit": False})
    consumer.assign([TopicPartition("after-expiry", 0, 0)])
    got = []
    deadline = time.time() + 30
    while len(got) < 10 and time.time() < deadline:
        m = consumer.poll(1.0)
        if m is not None and not m.error():
            got.append((m.key(), m.value()))
    consumer.close()
    assert got == [(b"k%d" % i, b"v%d" % i) for i in range(10)]
    assert broker.stop() == 0
