"""FindCoordinator at the wire level: the first lookup creates __consumer_offsets with the
offsets.topic.* settings (and is answered COORDINATOR_NOT_AVAILABLE, as on Kafka), every version
0-6 answers with the leader of the group's partition on the request's listener, v4+ batch keys,
and key types other than a group are refused or unavailable exactly where Kafka 3.9 refuses them."""

import concurrent.futures
import json

import pytest

import clients
import wire

OFFSETS = "__consumer_offsets"

# Java's Errors.message() for the answers v1-3 carry.
MSG_NONE = "NONE"
MSG_NOT_AVAILABLE = "The coordinator is not available."
MSG_INVALID_REQUEST = ("This most likely occurs because of a request being malformed by the client library or the "
                       "message was sent to an incompatible broker. See the broker logs for more details.")


def _find(bootstrap, version, keys, key_type=0):
    with wire.Connection(bootstrap) as c:
        return wire.find_coordinator(c, version, keys, key_type)


def _leaders(bootstrap):
    """{partition: leader} of __consumer_offsets from Metadata v1 (all topics)."""
    md = wire.metadata_v1(bootstrap, None)
    t = next((x for x in md["topics"] if x["name"] == OFFSETS), None)
    return {} if t is None else {p["partition"]: p["leader"] for p in t["partitions"]}


def _wait_found(bootstrap, group, version=3):
    def probe():
        [r] = _find(bootstrap, version, group)
        return r if r["error_code"] == wire.ERR_NONE else None
    return clients._wait(probe, 60, f"a coordinator for {group}")


def test_first_lookup_creates_the_offsets_topic_with_the_broker_settings(broker_factory, zk):
    b = broker_factory(extra_props={"offsets.topic.num.partitions": 7, "offsets.topic.segment.bytes": 1048576})
    assert not zk.exists(f"/brokers/topics/{OFFSETS}")

    [first] = _find(b.bootstrap, 1, "g-create")
    assert first == {"key": "g-create", "error_code": wire.ERR_COORDINATOR_NOT_AVAILABLE,
                     "error_message": MSG_NOT_AVAILABLE, "node_id": -1, "host": "", "port": -1}

    found = _wait_found(b.bootstrap, "g-create", version=1)
    assert found == {"key": "g-create", "error_code": 0, "error_message": MSG_NONE, "node_id": 0,
                     "host": "127.0.0.1", "port": b.port}

    topic = json.loads(zk.get(f"/brokers/topics/{OFFSETS}"))
    assert sorted(int(p) for p in topic["partitions"]) == list(range(7))
    assert all(replicas == [0] for replicas in topic["partitions"].values())
    configs = json.loads(zk.get(f"/config/topics/{OFFSETS}"))
    assert configs["config"] == {"cleanup.policy": "compact", "segment.bytes": "1048576",
                                 "compression.type": "producer"}
    clients._wait(lambda: len(_leaders(b.bootstrap)) == 7, 30, "7 offsets partitions with leaders")


def test_first_transactional_lookup_creates_the_transaction_state_topic(broker_factory, zk):
    b = broker_factory(extra_props={"transaction.state.log.num.partitions": 5,
                                    "transaction.state.log.segment.bytes": 2097152})
    assert not zk.exists("/brokers/topics/__transaction_state")
    [first] = _find(b.bootstrap, 1, "tx-create", key_type=1)
    assert first["error_code"] == wire.ERR_COORDINATOR_NOT_AVAILABLE

    def probe():
        [r] = _find(b.bootstrap, 3, "tx-create", key_type=1)
        return r if r["error_code"] == wire.ERR_NONE else None
    found = clients._wait(probe, 60, "a transaction coordinator")
    assert (found["node_id"], found["host"], found["port"]) == (0, "127.0.0.1", b.port)
    topic = json.loads(zk.get("/brokers/topics/__transaction_state"))
    assert sorted(int(p) for p in topic["partitions"]) == list(range(5))
    configs = json.loads(zk.get("/config/topics/__transaction_state"))
    assert configs["config"] == {"cleanup.policy": "compact", "compression.type": "uncompressed",
                                 "min.insync.replicas": "1", "segment.bytes": "2097152",
                                 "unclean.leader.election.enable": "false"}


def test_every_version_and_batched_keys(broker):
    _wait_found(broker.bootstrap, "warmup")
    me = {"error_code": 0, "node_id": 0, "host": "127.0.0.1", "port": broker.port}
    for v in range(0, 4):
        [r] = _find(broker.bootstrap, v, "g-one")
        assert {k: r[k] for k in me} == me, f"v{v}"
        assert r["error_message"] == (None if v == 0 else MSG_NONE), f"v{v}"
    keys = ["g-a", "g-b", "", "g-a"]  # an empty id is looked up like any other; repeats answered each time
    for v in range(4, 7):
        out = _find(broker.bootstrap, v, keys)
        assert [r["key"] for r in out] == keys, f"v{v}"
        for r in out:
            assert {k: r[k] for k in me} == me, f"v{v} {r}"
        assert _find(broker.bootstrap, v, []) == [], f"v{v}: an empty batch"


def test_key_types(broker):
    _wait_found(broker.bootstrap, "warmup")
    # Transactions: the first lookup creates __transaction_state, then the coordinator is found.
    [r] = _find(broker.bootstrap, 1, "txn-1", key_type=1)
    assert (r["error_code"], r["error_message"], r["node_id"]) == (wire.ERR_COORDINATOR_NOT_AVAILABLE,
                                                                   MSG_NOT_AVAILABLE, -1)

    def txn_found():
        out = _find(broker.bootstrap, 4, ["t1", "t2"], key_type=1)
        return out if all(x["error_code"] == wire.ERR_NONE for x in out) else None
    out = clients._wait(txn_found, 60, "transaction coordinators")
    assert [(x["key"], x["node_id"], x["port"]) for x in out] == [("t1", 0, broker.port), ("t2", 0, broker.port)]
    # Share groups (KIP-932): unknown before v6, no share coordinator on a ZooKeeper broker.
    [r] = _find(broker.bootstrap, 3, "s", key_type=2)
    assert (r["error_code"], r["error_message"], r["node_id"], r["port"]) == (wire.ERR_INVALID_REQUEST,
                                                                              MSG_INVALID_REQUEST, -1, -1)
    assert [x["error_code"] for x in _find(broker.bootstrap, 5, ["s"], key_type=2)] == [wire.ERR_INVALID_REQUEST]
    assert [x["error_code"] for x in _find(broker.bootstrap, 6, ["s"], key_type=2)] == [
        wire.ERR_COORDINATOR_NOT_AVAILABLE]
    # An unknown type fails the whole request; v4+ names every key with the error's message.
    for v in (1, 2, 3):
        [r] = _find(broker.bootstrap, v, "x", key_type=7)
        assert (r["error_code"], r["error_message"], r["node_id"], r["host"], r["port"]) == (
            wire.ERR_INVALID_REQUEST, MSG_INVALID_REQUEST, -1, "", -1), f"v{v}"
    out = _find(broker.bootstrap, 4, ["x", "y"], key_type=-1)
    assert [(r["key"], r["error_code"], r["error_message"], r["node_id"]) for r in out] == [
        ("x", wire.ERR_INVALID_REQUEST, MSG_INVALID_REQUEST, -1), ("y", wire.ERR_INVALID_REQUEST, MSG_INVALID_REQUEST, -1)]


def test_coordinator_is_the_leader_of_the_groups_partition(broker_factory):
    props = {"offsets.topic.num.partitions": 6}
    b0 = broker_factory(broker_id=0, extra_props=props)
    b1 = broker_factory(broker_id=1, extra_props=props)
    clients._wait(lambda: len(wire.metadata_v1(b0.bootstrap)["brokers"]) == 2, 30, "both brokers in metadata")
    _wait_found(b0.bootstrap, "placement")
    clients._wait(lambda: len(_leaders(b0.bootstrap)) == 6 and min(_leaders(b0.bootstrap).values()) >= 0, 30,
                  "offsets partitions with leaders")
    leaders = _leaders(b0.bootstrap)
    assert set(leaders.values()) == {0, 1}, f"RF 1 over two brokers uses both: {leaders}"
    ports = {0: b0.port, 1: b1.port}
    groups = [f"grp-{i}" for i in range(24)]
    for asked in (b0, b1):
        for v in (0, 3):
            for g in groups:
                [r] = _find(asked.bootstrap, v, g)
                leader = leaders[wire.partition_for_group(g, 6)]
                assert (r["error_code"], r["node_id"], r["port"]) == (0, leader, ports[leader]), (g, v)
        out = _find(asked.bootstrap, 4, groups)
        assert [r["node_id"] for r in out] == [leaders[wire.partition_for_group(g, 6)] for g in groups]


def test_too_few_brokers_for_the_replication_factor(broker_factory, zk):
    props = {"offsets.topic.replication.factor": 2, "offsets.topic.num.partitions": 4}
    b0 = broker_factory(broker_id=0, extra_props=props)
    for _ in range(3):
        [r] = _find(b0.bootstrap, 3, "g-rf")
        assert r["error_code"] == wire.ERR_COORDINATOR_NOT_AVAILABLE
    assert not zk.exists(f"/brokers/topics/{OFFSETS}"), "never created under-replicated"
    assert "does not meet the required replication factor '2'" in b0.log_text()

    broker_factory(broker_id=1, extra_props=props)
    clients._wait(lambda: len(wire.metadata_v1(b0.bootstrap)["brokers"]) == 2, 30, "both brokers in metadata")
    found = _wait_found(b0.bootstrap, "g-rf")
    assert found["node_id"] in (0, 1)
    topic = json.loads(zk.get(f"/brokers/topics/{OFFSETS}"))
    assert all(sorted(r) == [0, 1] for r in topic["partitions"].values())


def test_concurrent_first_lookups(broker, zk):
    """Many clients looking groups up at once while the topic is being created: every answer is
    either COORDINATOR_NOT_AVAILABLE or the coordinator, and the topic is created once."""
    def client(i):
        codes = set()
        group = f"cc-{i}"

        def probe():
            [r] = _find(broker.bootstrap, 2, group)
            codes.add(r["error_code"])
            return r["error_code"] == 0
        clients._wait(probe, 60, f"a coordinator for {group}", interval=0.02)
        return codes

    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        seen = set().union(*pool.map(client, range(16)))
    assert seen <= {0, wire.ERR_COORDINATOR_NOT_AVAILABLE}, seen
    topic = json.loads(zk.get(f"/brokers/topics/{OFFSETS}"))
    assert len(topic["partitions"]) == 50
    assert "cannot create the internal topic" not in broker.log_text()


@pytest.mark.parametrize("version", [0, 3, 4])
def test_lookup_answers_on_the_requests_listener(broker_factory, version):
    """A broker with two listeners names the coordinator's endpoint of the listener the request came in on."""
    from harness import free_port
    other = free_port()
    b = broker_factory(start=False)
    b.props["listeners"] = f"PLAINTEXT://127.0.0.1:{b.port},INTERNAL://127.0.0.1:{other}"
    b.props["listener.security.protocol.map"] = "PLAINTEXT:PLAINTEXT,INTERNAL:PLAINTEXT"
    b.props["inter.broker.listener.name"] = "PLAINTEXT"
    b.start()
    _wait_found(b.bootstrap, "lst")
    for port in (b.port, other):
        out = _find(f"127.0.0.1:{port}", version, ["lst"] if version >= 4 else "lst")
        assert [(r["error_code"], r["node_id"], r["port"]) for r in out] == [(0, 0, port)]
