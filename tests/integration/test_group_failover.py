"""Groups and committed offsets across broker restarts (SIGTERM and kill -9), a member that keeps
consuming while its coordinator restarts, and coordinator placement in a two-broker cluster:
NOT_COORDINATOR from the broker that does not lead the group's __consumer_offsets partition, and
the group's state loaded again when its coordinator comes back."""

import signal
import time

import pytest

import clients
import harness
import wire

OFFSETS_TOPIC = "__consumer_offsets"


def _topic(bootstrap, name, partitions):
    clients.create_topic(bootstrap, name, partitions=partitions)
    clients.wait_topic_ready(bootstrap, name, partitions)


def _fetch(bootstrap, group, topic, partitions, version=3):
    with wire.Connection(bootstrap) as c:
        res = wire.offset_fetch(c, version, group, {topic: list(partitions)})
    assert res["error_code"] in (0, None), res
    return {p: res["partitions"][(topic, p)]["offset"] for p in partitions}


def _wait_loaded(bootstrap, group, timeout=60):
    clients.wait_group_coordinator(bootstrap, group, timeout)

    def loaded():
        with wire.Connection(bootstrap) as c:
            return wire.offset_fetch(c, 3, group, None)["error_code"] == 0
    clients._wait(loaded, timeout, f"the coordinator of {group} to finish loading")


def _restart(broker, zk, how):
    """Restarts the broker. After kill -9 its old ZooKeeper session holds /brokers/ids/<id> until the
    session expires, and a broker (like Kafka's) refuses to start while another session holds its id."""
    if how == "kill9":
        broker.kill9()
        harness.wait_until(lambda: not zk.exists(f"/brokers/ids/{broker.broker_id}"), 40, 0.2,
                           "the killed broker's registration to expire")
    else:
        assert broker.stop(signal.SIGTERM) == 0
    broker.start()


@pytest.mark.parametrize("how", ["sigterm", "kill9"])
def test_commit_restart_resume_at_committed_offset(broker, zk, how):
    topic, group = "resume", "g-resume"
    _topic(broker.bootstrap, topic, 3)
    ends = clients.produce_sequence(broker.bootstrap, topic, range(3), 30, "r1")
    log = clients.EventLog()
    a = clients.ConfluentMember("a", broker.bootstrap, group, [topic], log, delay=0.005)
    a.start()
    try:
        clients._wait(lambda: log.count("commit") >= 40, 60, "40 commits")
    finally:
        a.stop()
    committed = _fetch(broker.bootstrap, group, topic, range(3))
    assert sum(committed.values()) >= 40 and committed != ends

    _restart(broker, zk, how)
    _wait_loaded(broker.bootstrap, group)
    assert _fetch(broker.bootstrap, group, topic, range(3)) == committed
    assert clients.committed_offsets(broker.bootstrap, group, topic, range(3)) == committed
    with wire.Connection(broker.bootstrap) as c:
        [g] = wire.describe_groups(c, 5, [group])
        assert (g["state"], g["protocol_type"], g["members"]) == ("Empty", "consumer", [])
        listed = {x["group_id"]: x for x in wire.list_groups(c, 4)["groups"]}
        assert listed[group]["state"] == "Empty" and listed[group]["protocol_type"] == "consumer"

    more = clients.produce_sequence(broker.bootstrap, topic, range(3), 10, "r2")
    ends = {p: max(ends[p], more[p]) for p in ends}
    b = clients.ConfluentMember("b", broker.bootstrap, group, [topic], log)
    b.start()
    try:
        clients._wait(lambda: all(any(p == q for q, _ in log.reads("b")) for p in range(3)), 60,
                      "b to read every partition")
        first = {}
        for p, o in log.reads("b"):
            first.setdefault(p, o)
        # At the committed offset, or at the beginning (auto.offset.reset) where nothing was committed.
        assert first == {p: max(o, 0) for p, o in committed.items()}, "b must start at the committed offsets"
        clients._wait(lambda: _fetch(broker.bootstrap, group, topic, range(3)) == ends, 60, "b to commit all")
    finally:
        b.stop()
    assert clients.check_group_consumption(log, ends) == 0


@pytest.mark.parametrize("how", ["sigterm", "kill9"])
def test_member_keeps_consuming_across_coordinator_restart(broker, zk, how):
    topic, group = "across", "g-across"
    _topic(broker.bootstrap, topic, 3)
    ends = clients.produce_sequence(broker.bootstrap, topic, range(3), 40, "x1")
    log = clients.EventLog()
    a = clients.ConfluentMember("a", broker.bootstrap, group, [topic], log, delay=0.01)
    a.start()
    try:
        clients._wait(lambda: log.count("commit") >= 20, 60, "20 commits")
        _restart(broker, zk, how)
        more = clients.produce_sequence(broker.bootstrap, topic, range(3), 20, "x2")
        ends = {p: max(ends[p], more[p]) for p in ends}
        clients._wait(lambda: _fetch(broker.bootstrap, group, topic, range(3)) == ends, 120,
                      "every record to be committed after the restart")
        clients.wait_assignments([a], range(3), timeout=30)
    finally:
        a.stop()
    clients.check_group_consumption(log, ends)


# ------------------------------------------------------------------------------------ two brokers

def _two_brokers(broker_factory, zk):
    b0 = broker_factory(broker_id=0)
    b1 = broker_factory(broker_id=1)
    harness.wait_until(lambda: zk.children("/brokers/ids") == ["0", "1"], 30, 0.2, "both registrations")
    harness.wait_until(lambda: all(len(wire.metadata_v1(b.bootstrap)["brokers"]) == 2 for b in (b0, b1)), 30, 0.2,
                       "both brokers in both brokers' metadata")
    clients.wait_group_coordinator(b0.bootstrap, "creates-the-offsets-topic")
    wire.wait_for_leader(b0.bootstrap, OFFSETS_TOPIC, 50, timeout=60)
    md = wire.metadata_v1(b0.bootstrap)
    t = next(x for x in md["topics"] if x["name"] == OFFSETS_TOPIC)
    assert t["is_internal"]
    leaders = {p["partition"]: p["leader"] for p in t["partitions"]}
    assert set(leaders.values()) == {0, 1}, f"__consumer_offsets is not split over both brokers: {leaders}"
    return b0, b1, leaders


def _group_led_by(leaders, broker_id, prefix):
    for i in range(10000):
        g = f"{prefix}-{i}"
        if leaders[wire.partition_for_group(g)] == broker_id:
            return g
    raise AssertionError("no group name found")


def test_not_coordinator_from_the_other_broker(broker_factory, zk):
    b0, b1, leaders = _two_brokers(broker_factory, zk)
    _topic(b0.bootstrap, "nc", 1)
    g1 = _group_led_by(leaders, 1, "on-b1")
    g0 = _group_led_by(leaders, 0, "on-b0")
    _wait_loaded(b1.bootstrap, g1)
    _wait_loaded(b0.bootstrap, g0)

    # FindCoordinator from either broker names the leader of the group's partition.
    for b in (b0, b1):
        with wire.Connection(b.bootstrap) as c:
            for version in range(4):
                [r] = wire.find_coordinator(c, version, g1)
                assert (r["error_code"], r["node_id"], r["port"]) == (0, 1, b1.port), (version, r)
            for version in (4, 5, 6):
                got = wire.find_coordinator(c, version, [g0, g1])
                assert [(x["key"], x["error_code"], x["node_id"], x["port"]) for x in got] == \
                    [(g0, 0, 0, b0.port), (g1, 0, 1, b1.port)], (version, got)

    NC = wire.ERR_NOT_COORDINATOR
    tp = ("nc", 0)
    with wire.Connection(b0.bootstrap) as c:
        for version in (0, 2, 5, 9):
            assert wire.join_group(c, version, g1, "", session_timeout_ms=10000)["error_code"] == NC, version
        assert wire.sync_group(c, 3, g1, 1, "m")["error_code"] == NC
        assert wire.heartbeat(c, 3, g1, 1, "m") == NC
        assert wire.leave_group(c, 3, g1, [("m", None)])["error_code"] == NC
        assert wire.leave_group(c, 0, g1, [("m", None)])["error_code"] == NC
        for version in (1, 2, 7, 8):
            assert wire.offset_commit(c, version, g1, {tp: 1}) == {tp: NC}, version
        assert wire.offset_fetch(c, 1, g1, {"nc": [0]})["partitions"][tp]["error_code"] == NC
        assert wire.offset_fetch(c, 3, g1, {"nc": [0]})["error_code"] == NC
        assert wire.offset_fetch_groups(c, 8, [(g1, None), (g0, None)]) == {
            g1: {"partitions": {}, "error_code": NC}, g0: {"partitions": {}, "error_code": 0}}
        [d] = wire.describe_groups(c, 5, [g1])
        assert d["error_code"] == NC
        assert wire.delete_groups(c, 2, [g1]) == {g1: NC}
        assert wire.offset_delete(c, g1, {"nc": [0]})["error_code"] == NC
        # The same requests for g0 are served here.
        assert wire.offset_commit(c, 2, g0, {tp: 1}) == {tp: 0}
    # And g1's requests are served by broker 1.
    with wire.Connection(b1.bootstrap) as c:
        assert wire.offset_commit(c, 2, g1, {tp: 2}) == {tp: 0}
        assert wire.offset_fetch(c, 1, g1, {"nc": [0]})["partitions"][tp]["offset"] == 2
        # ListGroups answers for the groups this broker coordinates only.
        listed = {x["group_id"] for x in wire.list_groups(c, 0)["groups"]}
        assert g1 in listed and g0 not in listed

    # A real client finds its way to the right broker through either bootstrap.
    assert clients.committed_offsets(b0.bootstrap, g1, "nc", [0]) == {0: 2}
    assert clients.committed_offsets(b1.bootstrap, g0, "nc", [0]) == {0: 1}


def test_group_reloaded_when_its_coordinator_returns(broker_factory, zk):
    b0, b1, leaders = _two_brokers(broker_factory, zk)
    _topic(b0.bootstrap, "back", 2)
    g1 = _group_led_by(leaders, 1, "back")
    _wait_loaded(b1.bootstrap, g1)
    log = clients.EventLog()
    m = clients.ConfluentMember("m", f"{b0.bootstrap},{b1.bootstrap}", g1, ["back"], log)
    ends = clients.produce_sequence(b0.bootstrap, "back", [0, 1], 10, "back")
    m.start()
    try:
        clients._wait(lambda: _fetch(b1.bootstrap, g1, "back", [0, 1]) == ends, 60, "the member to commit all")
    finally:
        m.stop()

    assert b1.stop(signal.SIGTERM) == 0
    # While the partition has no leader: COORDINATOR_NOT_AVAILABLE from FindCoordinator.
    def unavailable():
        with wire.Connection(b0.bootstrap) as c:
            [r] = wire.find_coordinator(c, 2, g1)
        return r["error_code"] == wire.ERR_COORDINATOR_NOT_AVAILABLE
    clients._wait(unavailable, 30, "COORDINATOR_NOT_AVAILABLE while broker 1 is down")
    with wire.Connection(b0.bootstrap) as c:
        assert wire.offset_fetch(c, 3, g1, {"back": [0]})["error_code"] == wire.ERR_NOT_COORDINATOR

    b1.start()
    clients._wait(lambda: clients.wait_group_coordinator(b0.bootstrap, g1)[0] == 1, 60, "broker 1 to coordinate again")
    _wait_loaded(b1.bootstrap, g1)
    assert _fetch(b1.bootstrap, g1, "back", [0, 1]) == ends
    with wire.Connection(b1.bootstrap) as c:
        [g] = wire.describe_groups(c, 5, [g1])
        assert (g["state"], g["protocol_type"]) == ("Empty", "consumer")
    assert clients.committed_offsets(b0.bootstrap, g1, "back", [0, 1]) == ends


def test_stable_group_reloaded_with_its_members(broker, zk):
    """A Stable group is loaded back with its members and generation: a member that keeps
    heartbeating stays without a rebalance, and one that went silent expires after its session
    timeout counted from the load (Kafka's onGroupLoaded)."""
    topic, group = "reload", "g-reload"
    _topic(broker.bootstrap, topic, 2)
    _wait_loaded(broker.bootstrap, group)
    conns = []

    def member(session):
        c = wire.Connection(broker.bootstrap, timeout=60)
        conns.append(c)
        first = wire.join_group(c, 5, group, "", session_timeout_ms=session,
                                protocols=[("range", wire.consumer_subscription([topic]))])
        return c, first["member_id"]

    try:
        ca, a = member(10000)
        r = wire.join_group(ca, 5, group, a, session_timeout_ms=10000,
                            protocols=[("range", wire.consumer_subscription([topic]))])
        assert r["error_code"] == 0 and r["leader"] == a
        gen = r["generation_id"]
        assignment = wire.consumer_assignment({topic: [0, 1]})
        s = wire.sync_group(ca, 5, group, gen, a, [(a, assignment)], protocol_type="consumer", protocol_name="range")
        assert s["error_code"] == 0
        assert wire.offset_commit(ca, 7, group, {(topic, 0): 3}, generation_id=gen, member_id=a) == {(topic, 0): 0}
        ca.close()

        _restart(broker, zk, "sigterm")
        _wait_loaded(broker.bootstrap, group)
        with wire.Connection(broker.bootstrap) as c:
            [g] = wire.describe_groups(c, 5, [group])
            assert (g["state"], g["protocol"]) == ("Stable", "range")
            assert [(m["member_id"], m["assignment"]) for m in g["members"]] == [(a, assignment)]
            # The member carries on in its generation: heartbeats and commits are accepted.
            for _ in range(4):
                assert wire.heartbeat(c, 4, group, gen, a) == 0
                time.sleep(1)
            assert wire.offset_commit(c, 7, group, {(topic, 0): 4}, generation_id=gen, member_id=a) == \
                {(topic, 0): 0}
            silent_since = time.monotonic()
        clients._wait(lambda: _describe_state(broker.bootstrap, group) == "Empty", 40, "the silent member to expire")
        took = time.monotonic() - silent_since
        assert 8 <= took <= 30, f"the member expired {took:.1f}s after its last heartbeat (session 10 s)"
        assert _fetch(broker.bootstrap, group, topic, [0]) == {0: 4}
    finally:
        for c in conns:
            c.close()


def _describe_state(bootstrap, group):
    with wire.Connection(bootstrap) as c:
        return wire.describe_groups(c, 5, [group])[0]["state"]
