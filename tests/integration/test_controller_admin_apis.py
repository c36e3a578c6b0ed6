"""ElectLeaders (43), AlterPartitionReassignments (45) and ListPartitionReassignments (46) over the
wire in a two-broker cluster: NOT_CONTROLLER away from the controller, a reorder reassignment that
completes at once followed by a preferred election that moves the leader, the all-partitions
election that leaves out partitions needing none, and the per-partition errors."""

import json

import pytest
from confluent_kafka.admin import NewTopic

import clients
import harness
import wire

API_ELECT_LEADERS = 43
API_ALTER_REASSIGNMENTS = 45
API_LIST_REASSIGNMENTS = 46
ERR_UNKNOWN_TOPIC_OR_PARTITION = 3
ERR_NOT_CONTROLLER = 41
ERR_INVALID_REQUEST = 42
ERR_ELECTION_NOT_NEEDED = 84
ERR_NO_REASSIGNMENT_IN_PROGRESS = 85


def _call(bootstrap, key, version, flexible, encode):
    w = wire.Writer(flexible)
    encode(w)
    w.tags()
    with wire.Connection(bootstrap, timeout=60) as c:
        body = c.request(key, version, w.build(), flexible_header=flexible)
    r = wire.FlexReader(body, flexible)
    r.tags()
    return r


def _partition_results(r):
    """Reads the rest of an ElectLeaders / AlterPartitionReassignments response: the per-topic
    partition results and the trailing tags. Returns {(t, p): (code, msg)}."""
    results = {}

    def topic_result(rr):
        name = rr.str()

        def partition(rr2):
            pid, code, msg = rr2.int32(), rr2.int16(), rr2.str()
            rr2.tags()
            results[(name, pid)] = (code, msg)
        rr.arr(partition)
        rr.tags()
    r.arr(topic_result)
    r.tags()
    assert r.remaining() == 0
    return results


def elect_leaders(bootstrap, version, partitions, election_type=0, timeout_ms=30000):
    """partitions: {topic: [p, ...]} or None (all). Returns (top-level error or None, {(t, p): (code, msg)})."""
    flexible = version >= 2

    def encode(w):
        if version >= 1:
            w.i8(election_type)

        def topic(w, item):
            w.str(item[0])
            w.array(item[1], lambda w, p: w.i32(p))
            w.tags()
        w.array(None if partitions is None else list(partitions.items()), topic)
        w.i32(timeout_ms)
    r = _call(bootstrap, API_ELECT_LEADERS, version, flexible, encode)
    assert r.int32() == 0
    top = r.int16() if version >= 1 else None
    results = _partition_results(r)
    return top, results


def alter_reassignments(bootstrap, targets):
    """targets: {(topic, p): [replicas] or None}. Returns (error, message, {(t, p): (code, msg)})."""
    by_topic = {}
    for (t, p), replicas in sorted(targets.items()):
        by_topic.setdefault(t, []).append((p, replicas))

    def encode(w):
        w.i32(30000)

        def topic(w, item):
            w.str(item[0])

            def partition(w, pr):
                w.i32(pr[0])
                w.array(pr[1], lambda w, b: w.i32(b))
                w.tags()
            w.array(item[1], partition)
            w.tags()
        w.array(list(by_topic.items()), topic)
    r = _call(bootstrap, API_ALTER_REASSIGNMENTS, 0, True, encode)
    assert r.int32() == 0
    error, message = r.int16(), r.str()
    results = _partition_results(r)
    return error, message, results


def list_reassignments(bootstrap, partitions=None):
    """Returns (error, {(t, p): (replicas, adding, removing)})."""
    def encode(w):
        w.i32(30000)

        def topic(w, item):
            w.str(item[0])
            w.array(item[1], lambda w, p: w.i32(p))
            w.tags()
        w.array(None if partitions is None else list(partitions.items()), topic)
    r = _call(bootstrap, API_LIST_REASSIGNMENTS, 0, True, encode)
    assert r.int32() == 0
    error, _message = r.int16(), r.str()
    out = {}

    def ints(rr):
        return rr.arr(lambda x: x.int32())

    def topic_result(rr):
        name = rr.str()

        def partition(rr2):
            pid = rr2.int32()
            out[(name, pid)] = (ints(rr2), ints(rr2), ints(rr2))
            rr2.tags()
        rr.arr(partition)
        rr.tags()
    r.arr(topic_result)
    r.tags()
    assert r.remaining() == 0
    return error, out


@pytest.fixture
def cluster(broker_factory, zk):
    b0 = broker_factory(broker_id=0)
    b1 = broker_factory(broker_id=1)
    harness.wait_until(lambda: zk.children("/brokers/ids") == ["0", "1"], 30, 0.2, "both registrations")
    harness.wait_until(lambda: all(len(wire.metadata_v1(b.bootstrap)["brokers"]) == 2 for b in (b0, b1)),
                       30, 0.2, "both brokers in both metadata caches")
    assert json.loads(zk.get("/controller"))["brokerid"] == 0
    return b0, b1


def _leader(bootstrap, topic, partition):
    md = wire.metadata_v1(bootstrap)
    t = next(t for t in md["topics"] if t["name"] == topic)
    return next(p for p in t["partitions"] if p["partition"] == partition)["leader"]


def test_not_controller(cluster):
    _, b1 = cluster
    for version in (0, 1, 2):
        top, results = elect_leaders(b1.bootstrap, version, {"t": [0, 1]})
        assert top == (None if version == 0 else ERR_NOT_CONTROLLER)
        assert results == {("t", 0): (ERR_NOT_CONTROLLER, None), ("t", 1): (ERR_NOT_CONTROLLER, None)}
    assert elect_leaders(b1.bootstrap, 2, None) == (ERR_NOT_CONTROLLER, {})
    assert alter_reassignments(b1.bootstrap, {("t", 0): [0]}) == (ERR_NOT_CONTROLLER, None, {})
    assert list_reassignments(b1.bootstrap) == (ERR_NOT_CONTROLLER, {})


def test_reorder_then_preferred_election(cluster, zk):
    b0, b1 = cluster
    admin = clients.admin(b0.bootstrap)
    fs = admin.create_topics([NewTopic("re", 2, replica_assignment=[[0, 1], [1, 0]])], operation_timeout=30,
                             request_timeout=30)
    fs["re"].result(30)
    clients.wait_topic_ready(b0.bootstrap, "re", 2)
    assert _leader(b0.bootstrap, "re", 0) == 0

    # Every leader is the preferred one: nothing to elect.
    top, results = elect_leaders(b0.bootstrap, 2, {"re": [0]})
    assert top == 0 and results[("re", 0)][0] == ERR_ELECTION_NOT_NEEDED
    assert elect_leaders(b0.bootstrap, 1, None) == (0, {})
    assert list_reassignments(b0.bootstrap) == (0, {})

    # Reorder partition 0's replicas: the target set is the ISR, so the reassignment completes at
    # once and the leader (still a replica) stays.
    error, message, results = alter_reassignments(b0.bootstrap, {("re", 0): [1, 0]})
    assert (error, message, results) == (0, None, {("re", 0): (0, None)})
    harness.wait_until(lambda: json.loads(zk.get("/brokers/topics/re"))["partitions"]["0"] == [1, 0],
                       30, 0.2, "the new replica order in ZooKeeper")
    harness.wait_until(lambda: list_reassignments(b0.bootstrap, {"re": [0, 1]}) == (0, {}), 30, 0.2,
                       "the reassignment to finish")
    assert not zk.exists("/admin/reassign_partitions")
    assert _leader(b0.bootstrap, "re", 0) == 0

    # A preferred election now moves partition 0 to broker 1; the answer waits for the metadata.
    top, results = elect_leaders(b0.bootstrap, 0, {"re": [0, 1]})
    assert top is None
    assert results[("re", 0)] == (0, None)
    assert results[("re", 1)][0] == ERR_ELECTION_NOT_NEEDED
    assert _leader(b0.bootstrap, "re", 0) == 1
    harness.wait_until(lambda: _leader(b1.bootstrap, "re", 0) == 1, 30, 0.2, "broker 1 to see the new leader")
    state = json.loads(zk.get("/brokers/topics/re/partitions/0/state"))
    assert state["leader"] == 1


def test_per_partition_errors(cluster):
    b0, _ = cluster
    clients.create_topic(b0.bootstrap, "known", partitions=1)
    clients.wait_topic_ready(b0.bootstrap, "known", 1)
    top, results = elect_leaders(b0.bootstrap, 2, {"nope": [0], "known": [5]})
    assert top == 0
    assert results[("nope", 0)][0] == ERR_UNKNOWN_TOPIC_OR_PARTITION
    assert results[("known", 5)][0] == ERR_UNKNOWN_TOPIC_OR_PARTITION
    # An election type Kafka does not know.
    top, results = elect_leaders(b0.bootstrap, 1, {"known": [0]}, election_type=7)
    assert top == ERR_INVALID_REQUEST and results == {("known", 0): (ERR_INVALID_REQUEST, None)}

    error, _, results = alter_reassignments(b0.bootstrap, {("nope", 0): [0], ("known", 0): None})
    assert error == 0
    assert results[("nope", 0)][0] == ERR_UNKNOWN_TOPIC_OR_PARTITION
    assert results[("known", 0)][0] == ERR_NO_REASSIGNMENT_IN_PROGRESS
