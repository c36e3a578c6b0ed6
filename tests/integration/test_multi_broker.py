"""Two brokers in one cluster (replication factor 1): leadership spread, metadata from either broker,
data through both, controller failover and a broker coming back."""

import json
import time
import signal

import pytest

import clients
import harness
import wire


def _leaders(bootstrap, topic):
    md = wire.metadata_v1(bootstrap, None)
    t = next(t for t in md["topics"] if t["name"] == topic)
    return {p["partition"]: p["leader"] for p in t["partitions"]}


def test_two_brokers(broker_factory, zk):
    b0 = broker_factory(broker_id=0)
    b1 = broker_factory(broker_id=1)
    harness.wait_until(lambda: zk.children("/brokers/ids") == ["0", "1"], 30, 0.2, "both registrations")
    controller = json.loads(zk.get("/controller"))["brokerid"]
    assert controller == 0  # the first broker up wins the election

    # Both brokers know both brokers and the controller.
    def both_visible():
        for b in (b0, b1):
            md = wire.metadata_v1(b.bootstrap, None)
            if sorted((x["node_id"], x["port"]) for x in md["brokers"]) != [(0, b0.port), (1, b1.port)]:
                return False
            if md["controller_id"] != 0:
                return False
        return True
    harness.wait_until(both_visible, 30, 0.2, "metadata from both brokers")

    # CreateTopics through the non-controller: the client is sent to the controller.
    clients.create_topic(b1.bootstrap, "split", partitions=4)
    clients.wait_topic_ready(b1.bootstrap, "split", 4)
    assignment = json.loads(zk.get("/brokers/topics/split"))["partitions"]
    assert sorted(r[0] for r in assignment.values()) == [0, 0, 1, 1], assignment
    harness.wait_until(lambda: _leaders(b0.bootstrap, "split") == _leaders(b1.bootstrap, "split")
                       == {int(p): r[0] for p, r in assignment.items()}, 30, 0.2, "leaders as assigned")

    records = clients.make_records(20_000, "multi")
    delivered = clients.confluent_produce(f"{b0.bootstrap},{b1.bootstrap}", "split", records, acks="all")
    assert {p for p, _ in delivered.values()} == {0, 1, 2, 3}
    consumed = clients.confluent_consume(b1.bootstrap, "split", [0, 1, 2, 3], len(records))
    clients.compare_consumed(records, consumed, delivered)

    # The controller leaves cleanly: broker 1 takes over, broker 0's partitions lose their leader.
    assert b0.stop(signal.SIGTERM) == 0
    harness.wait_until(lambda: zk.exists("/controller") and json.loads(zk.get("/controller"))["brokerid"] == 1,
                       30, 0.2, "broker 1 to become controller")
    on_b0 = sorted(int(p) for p, r in assignment.items() if r[0] == 0)
    harness.wait_until(lambda: all(_leaders(b1.bootstrap, "split")[p] == -1 for p in on_b0), 30, 0.2,
                       "broker 0's partitions to go offline")
    md = wire.metadata_v1(b1.bootstrap, None)
    assert [x["node_id"] for x in md["brokers"]] == [1] and md["controller_id"] == 1

    # It returns: leadership is restored and every record is still there.
    b0.start()
    harness.wait_until(lambda: _leaders(b1.bootstrap, "split") == {int(p): r[0] for p, r in assignment.items()},
                       60, 0.2, "leaders restored")
    clients.wait_topic_ready(b0.bootstrap, "split", 4)
    consumed = clients.confluent_consume(b0.bootstrap, "split", [0, 1, 2, 3], len(records))
    clients.compare_consumed(records, consumed, delivered)


def test_produce_to_the_wrong_broker_is_not_leader(broker_factory, zk):
    b0 = broker_factory(broker_id=0)
    b1 = broker_factory(broker_id=1)
    harness.wait_until(lambda: zk.children("/brokers/ids") == ["0", "1"], 30, 0.2, "both registrations")
    clients.create_topic(b0.bootstrap, "pinned", partitions=2)
    clients.wait_topic_ready(b0.bootstrap, "pinned", 2)
    leaders = harness.wait_until(lambda: (lambda l: l if sorted(l.values()) == [0, 1] else None)(
        _leaders(b0.bootstrap, "pinned")), 30, 0.2, "leaders")
    p_on_0 = next(p for p, leader in leaders.items() if leader == 0)
    with wire.Connection(b1.bootstrap) as c:
        blob = wire.record_batch([(b"k", b"v", 1_700_000_000_000, [])], 1_700_000_000_000)
        resp = wire.decode_produce_v3(c.request(wire.API_PRODUCE, 3, wire.produce_v3_body("pinned", p_on_0, blob)))
        lo = wire.list_offsets_v1(c, "pinned", {p_on_0: -1})
        fetched = wire.fetch_v4(c, "pinned", p_on_0, 0)
    got = (resp["responses"][0]["partitions"][0]["error_code"], lo[p_on_0][0], fetched["error_code"])
    assert got == (6, 6, 6)  # NOT_LEADER_OR_FOLLOWER everywhere


def _controller_id(zk):
    return json.loads(zk.get("/controller"))["brokerid"] if zk.exists("/controller") else None


def test_sigterm_during_controller_failover_exits_cleanly(broker_factory, zk):
    """A broker told to stop while its controller fail-over is still reading ZooKeeper finishes the
    fail-over step it is in, resigns and exits 0 (it once read a claim the shutdown had cleared)."""
    b0 = broker_factory(broker_id=0)
    b1 = broker_factory(broker_id=1)
    harness.wait_until(lambda: zk.children("/brokers/ids") == ["0", "1"], 30, 0.2, "both registrations")
    admin = clients.admin(b0.bootstrap)
    from confluent_kafka.admin import NewTopic
    names = [f"many-{i}" for i in range(40)]
    fs = admin.create_topics([NewTopic(n, 2, 1) for n in names], operation_timeout=30, request_timeout=30)
    for f in fs.values():
        f.result(30)
    brokers = {0: b0, 1: b1}
    for round_no in range(4):
        old = harness.wait_until(lambda: (_controller_id(zk),) if _controller_id(zk) is not None else None,
                                 30, 0.05, "a controller")[0]
        new = 1 - old
        def elections(b):
            return b.log_path.read_text(errors="replace").count("is the controller")
        marker_count = elections(brokers[new])
        assert brokers[old].stop(signal.SIGTERM) == 0
        # Stop the new controller at a different point of its fail-over each round.
        harness.wait_until(lambda: elections(brokers[new]) > marker_count,
                           30, 0.005, "the survivor to win the election")
        time.sleep(0.01 * round_no)
        assert brokers[new].stop(signal.SIGTERM) == 0, brokers[new].log_text()
        brokers[0].start()
        brokers[1].start()
