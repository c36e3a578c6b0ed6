"""CreatePartitions (API 37) in a two-broker cluster: growth through confluent-kafka and kafka-python,
seen in Metadata on both brokers and in ZooKeeper (topic id kept, new partitions placed as Kafka
places them), validate_only, manual assignments, Kafka's errors, NOT_CONTROLLER on the other broker,
and the flexible versions over the wire."""

import json

import pytest
from confluent_kafka import KafkaException
from confluent_kafka.admin import NewPartitions

import clients
import harness
import wire

API_CREATE_PARTITIONS = 37
ERR_UNKNOWN_TOPIC_OR_PARTITION = 3
ERR_INVALID_TOPIC_EXCEPTION = 17
ERR_INVALID_PARTITIONS = 37
ERR_INVALID_REPLICA_ASSIGNMENT = 39
ERR_NOT_CONTROLLER = 41
ERR_INVALID_REQUEST = 42


@pytest.fixture
def cluster(broker_factory, zk):
    b0 = broker_factory(broker_id=0)
    b1 = broker_factory(broker_id=1)
    harness.wait_until(lambda: zk.children("/brokers/ids") == ["0", "1"], 30, 0.2, "both registrations")
    harness.wait_until(lambda: all(wire.metadata_v1(b.bootstrap)["controller_id"] == 0 and
                                   len(wire.metadata_v1(b.bootstrap)["brokers"]) == 2 for b in (b0, b1)),
                       30, 0.2, "both brokers in both metadata caches")
    assert json.loads(zk.get("/controller"))["brokerid"] == 0
    return b0, b1


def _assignment(zk, topic):
    return json.loads(zk.get(f"/brokers/topics/{topic}"))


def _partitions(bootstrap, topic):
    md = wire.metadata_v1(bootstrap)
    t = next((t for t in md["topics"] if t["name"] == topic), None)
    return {} if t is None else {p["partition"]: p for p in t["partitions"]}


def _kafka_placement(brokers, existing, count):
    """ZOOKEEPER-LAYOUT §9 for added partitions (no racks): start = shift = index of the first sorted
    broker at or above partition 0's first replica."""
    brokers = sorted(brokers)
    n = len(brokers)
    rf = len(existing["0"])
    start = next((i for i, b in enumerate(brokers) if b >= existing["0"][0]), 0)
    shift = start
    out = {}
    for p in range(len(existing), count):
        if p > 0 and p % n == 0:
            shift += 1
        first = (p + start) % n
        out[str(p)] = [brokers[first]] + [brokers[(first + 1 + (shift + j) % (n - 1)) % n] for j in range(rf - 1)]
    return out


def _wait_online(bootstrap, topic, count):
    harness.wait_until(lambda: len(_partitions(bootstrap, topic)) == count and
                       all(p["leader"] >= 0 for p in _partitions(bootstrap, topic).values()),
                       30, 0.1, f"{topic} to have {count} partitions with leaders on {bootstrap}")


def test_confluent_create_partitions_grows_the_topic(cluster, zk):
    b0, b1 = cluster
    clients.create_topic(b1.bootstrap, "grow", partitions=2, replication=2)
    clients.wait_topic_ready(b1.bootstrap, "grow", 2)
    before = _assignment(zk, "grow")
    assert before["topic_id"]

    admin = clients.admin(b1.bootstrap)  # the non-controller: librdkafka finds the controller itself
    fs = admin.create_partitions([NewPartitions("grow", 5)], operation_timeout=30, request_timeout=30)
    fs["grow"].result(30)

    after = _assignment(zk, "grow")
    assert after["topic_id"] == before["topic_id"]
    assert {k: after["partitions"][k] for k in before["partitions"]} == before["partitions"]
    assert sorted(after["partitions"], key=int) == ["0", "1", "2", "3", "4"]
    added = {k: v for k, v in after["partitions"].items() if k not in before["partitions"]}
    assert added == _kafka_placement([0, 1], before["partitions"], 5)
    # The answer came once the new partitions had leaders on the controller; both brokers get there.
    for b in (b0, b1):
        _wait_online(b.bootstrap, "grow", 5)
        parts = _partitions(b.bootstrap, "grow")
        assert {str(p): info["replicas"] for p, info in parts.items()} == after["partitions"]
    # Records go to a new partition.
    records = clients.make_records(50, "grown")
    delivered = clients.confluent_produce(f"{b0.bootstrap},{b1.bootstrap}", "grow", records, partition=4)
    assert {p for p, _ in delivered.values()} == {4}


def test_confluent_validate_only_and_errors(cluster, zk):
    b0, _ = cluster
    clients.create_topic(b0.bootstrap, "checked", partitions=3, replication=1)
    clients.wait_topic_ready(b0.bootstrap, "checked", 3)
    before = _assignment(zk, "checked")
    admin = clients.admin(b0.bootstrap)

    def create(new_partitions, validate_only=False):
        fs = admin.create_partitions(new_partitions, operation_timeout=30, request_timeout=30,
                                     validate_only=validate_only)
        out = {}
        for topic, f in fs.items():
            try:
                f.result(30)
                out[topic] = None
            except KafkaException as e:
                out[topic] = e.args[0]
        return out

    assert create([NewPartitions("checked", 6)], validate_only=True) == {"checked": None}
    assert _assignment(zk, "checked") == before
    assert len(_partitions(b0.bootstrap, "checked")) == 3

    err = create([NewPartitions("checked", 2)])["checked"]
    assert err.code() == ERR_INVALID_PARTITIONS
    assert err.str() == "Topic currently has 3 partitions, which is higher than the requested 2."
    err = create([NewPartitions("checked", 3)])["checked"]
    assert err.code() == ERR_INVALID_PARTITIONS and err.str() == "Topic already has 3 partitions."
    err = create([NewPartitions("no-such-topic", 3)])["no-such-topic"]
    assert err.code() == ERR_UNKNOWN_TOPIC_OR_PARTITION
    err = create([NewPartitions("checked", 4, replica_assignment=[[7]])])["checked"]
    assert err.code() == ERR_INVALID_REPLICA_ASSIGNMENT
    assert err.str() == "Unknown broker(s) in replica assignment: 7."
    err = create([NewPartitions("checked", 5, replica_assignment=[[1]])])["checked"]
    assert err.code() == ERR_INVALID_REPLICA_ASSIGNMENT
    err = create([NewPartitions("checked", 4, replica_assignment=[[0, 1]])])["checked"]
    assert err.code() == ERR_INVALID_REPLICA_ASSIGNMENT
    assert "Inconsistent replication factor" in err.str()
    assert _assignment(zk, "checked") == before

    # A manual assignment is written as given.
    assert create([NewPartitions("checked", 5, replica_assignment=[[1], [1]])]) == {"checked": None}
    after = _assignment(zk, "checked")
    assert after["partitions"]["3"] == [1] and after["partitions"]["4"] == [1]
    _wait_online(b0.bootstrap, "checked", 5)
    assert _partitions(b0.bootstrap, "checked")[4]["leader"] == 1


def test_kafka_python_create_partitions(cluster, zk):
    from kafka.admin import KafkaAdminClient, NewPartitions as KpNewPartitions
    from kafka.errors import InvalidPartitionsError, UnknownTopicOrPartitionError

    b0, b1 = cluster
    clients.create_topic(b0.bootstrap, "kp", partitions=1, replication=1)
    clients.wait_topic_ready(b0.bootstrap, "kp", 1)
    admin = KafkaAdminClient(**clients.kafka_python_kwargs(b1.bootstrap))
    try:
        resp = admin.create_partitions({"kp": KpNewPartitions(total_count=4)}, timeout_ms=30000)
        assert [tuple(e[:2]) for e in resp.topic_errors] == [("kp", 0)]
        assert sorted(_assignment(zk, "kp")["partitions"], key=int) == ["0", "1", "2", "3"]
        for b in (b0, b1):
            _wait_online(b.bootstrap, "kp", 4)
        with pytest.raises(InvalidPartitionsError):
            admin.create_partitions({"kp": KpNewPartitions(total_count=2)})
        with pytest.raises(UnknownTopicOrPartitionError):
            admin.create_partitions({"kp-missing": KpNewPartitions(total_count=2)})
        resp = admin.create_partitions({"kp": KpNewPartitions(total_count=9)}, validate_only=True)
        assert [tuple(e[:2]) for e in resp.topic_errors] == [("kp", 0)]
        assert len(_assignment(zk, "kp")["partitions"]) == 4
    finally:
        admin.close()


# ------------------------------------------------------------------------------------ raw wire

def _create_partitions(bootstrap, version, topics, timeout_ms=30000, validate_only=False):
    """topics: [(name, count, assignments or None)]. Returns [(name, error_code, error_message)]."""
    flexible = version >= 2
    w = wire.Writer(flexible)

    def topic(w, t):
        name, count, assignments = t
        w.str(name)
        w.i32(count)

        def assignment(w, brokers):
            w.array(brokers, lambda w, b: w.i32(b))
            w.tags()
        w.array(assignments, assignment)
        w.tags()
    w.array(topics, topic)
    w.i32(timeout_ms)
    w.boolean(validate_only)
    w.tags()
    with wire.Connection(bootstrap, timeout=60) as c:
        body = c.request(API_CREATE_PARTITIONS, version, w.build(), flexible_header=flexible)
    r = wire.FlexReader(body, flexible)
    r.tags()
    assert r.int32() == 0  # throttle

    def result(rr):
        out = (rr.str(), rr.int16(), rr.str())
        rr.tags()
        return out
    results = r.arr(result)
    r.tags()
    assert r.remaining() == 0
    return results


@pytest.mark.parametrize("version", [0, 1, 2, 3])
def test_wire_versions_not_controller_and_duplicates(cluster, zk, version):
    b0, b1 = cluster
    topic = f"wire-{version}"
    clients.create_topic(b0.bootstrap, topic, partitions=1)
    clients.wait_topic_ready(b0.bootstrap, topic, 1)
    assert _create_partitions(b1.bootstrap, version, [(topic, 2, None)]) == [(topic, ERR_NOT_CONTROLLER, None)]
    got = _create_partitions(b0.bootstrap, version, [(topic, 2, None), ("dup", 2, None), ("dup", 3, None)])
    assert sorted(got) == sorted([(topic, 0, None), ("dup", ERR_INVALID_REQUEST, "Duplicate topic in request.")])
    _wait_online(b1.bootstrap, topic, 2)
    got = _create_partitions(b0.bootstrap, version, [(topic, 4, [[0], [1]])], timeout_ms=0)
    assert got == [(topic, 0, None)]
    partitions = _assignment(zk, topic)["partitions"]
    assert sorted(partitions, key=int) == ["0", "1", "2", "3"]
    assert (partitions["2"], partitions["3"]) == ([0], [1])


def test_topic_queued_for_deletion_is_refused(cluster, zk):
    b0, b1 = cluster
    # Broker 1 holds the only replica; with it down the deletion cannot finish and stays queued.
    clients.create_topic(b0.bootstrap, "doomed", partitions=1)
    clients.wait_topic_ready(b0.bootstrap, "doomed", 1)
    assert _create_partitions(b0.bootstrap, 0, [("doomed", 2, [[1]])]) == [("doomed", 0, None)]
    assert b1.stop() == 0
    zk.ensure_path("/admin/delete_topics/doomed")
    got = _create_partitions(b0.bootstrap, 1, [("doomed", 3, None)])
    assert got == [("doomed", ERR_INVALID_TOPIC_EXCEPTION, "The topic is queued for deletion.")]
    b1.start()
    harness.wait_until(lambda: not zk.exists("/brokers/topics/doomed"), 60, 0.2, "the deletion to finish")
