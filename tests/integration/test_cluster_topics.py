"""Topics on a 3-broker cluster: Kafka's replica placement (rack-unaware and rack-aware), what
kafka-topics.sh --describe prints through either door, metadata equal on every broker, deletion
reaching every broker's disk and ZooKeeper, and every znode in Kafka's exact JSON shapes.

Most tests share one cluster (shared_cluster); the rack-aware test needs its own."""

import itertools
import json

import clients
import harness
import znode_schema

UNKNOWN_TOPIC_OR_PARTITION = 3


# ------------------------------------------------------------------------------ Kafka's placement
# ZOOKEEPER-LAYOUT §9, written out to enumerate every assignment Kafka could produce: the random
# start index and follower shift are the only freedom.

def _replica_index(first, shift, j, n):
    return (first + 1 + (shift + j) % (n - 1)) % n


def kafka_assignment(brokers, partitions, rf, start, shift):
    brokers = sorted(brokers)
    n = len(brokers)
    out = {}
    for p in range(partitions):
        if p > 0 and p % n == 0:
            shift += 1
        first = (p + start) % n
        out[p] = [brokers[first]] + [brokers[_replica_index(first, shift, j, n)] for j in range(rf - 1)]
    return out


def kafka_rack_aware_assignment(racks, partitions, rf, start, shift):
    """racks: {broker: rack}."""
    rack_names = sorted(set(racks.values()))
    by_rack = {r: sorted(b for b, br in racks.items() if br == r) for r in rack_names}
    arranged = []
    for i in itertools.count():
        if len(arranged) == len(racks):
            break
        arranged += [by_rack[r][i] for r in rack_names if i < len(by_rack[r])]
    n = len(arranged)
    out = {}
    for p in range(partitions):
        if p > 0 and p % n == 0:
            shift += 1
        first = (p + start) % n
        leader = arranged[first]
        replicas, racks_used, k = [leader], {racks[leader]}, 0
        for _ in range(rf - 1):
            while True:
                b = arranged[_replica_index(first, shift * len(rack_names), k, n)]
                k += 1
                if (racks[b] not in racks_used or len(racks_used) == len(rack_names)) and \
                        (b not in replicas or len(replicas) == n):
                    replicas.append(b)
                    racks_used.add(racks[b])
                    break
        out[p] = replicas
    return out


def assert_kafka_placement(assignment, possible):
    """assignment: {partition: replicas} as read from ZooKeeper; possible: every assignment Kafka's
    algorithm produces for some start and shift."""
    assert assignment in possible, f"{assignment} is not one of Kafka's placements {possible}"


def zk_assignment(zk, topic):
    doc = json.loads(zk.get(f"/brokers/topics/{topic}"))
    return {int(p): r for p, r in doc["partitions"].items()}, doc.get("topic_id")


def zk_state(zk, topic, p):
    return json.loads(zk.get(f"/brokers/topics/{topic}/partitions/{p}/state"))


def _fully_led(topic, partitions):
    """check() for Cluster.wait_consistent: every partition of topic has a leader and a full ISR."""
    def check(md):
        parts = md["topics"][topic]["partitions"]
        return len(parts) == partitions and all(
            v["leader"] >= 0 and v["error_code"] == 0 and sorted(v["isr"]) == sorted(v["replicas"])
            for v in parts.values())
    return check


def _partition_dirs(broker, topic):
    """Directories of the topic in the broker's log dir, live ("t-0") or pending removal
    ("t-0.<id>-delete")."""
    if not broker.log_dir.exists():
        return []
    return sorted(d.name for d in broker.log_dir.iterdir()
                  if d.is_dir() and d.name.startswith(topic + "-") and d.name[len(topic) + 1:][:1].isdigit())


def _schema_problems(cluster):
    return znode_schema.check_tree(cluster.zk._kazoo)


# ------------------------------------------------------------------------------ tests

def test_rf3_topic_is_placed_as_kafka_places_it_and_described_alike_everywhere(shared_cluster):
    c = shared_cluster
    clients.create_topic(c.bootstrap, "placed", partitions=3, replication=3)
    md = c.wait_consistent(["placed"], 30, _fully_led("placed", 3))

    assignment, topic_id = zk_assignment(c.zk, "placed")
    possible = [kafka_assignment([0, 1, 2], 3, 3, s, h) for s in range(3) for h in range(3)]
    assert_kafka_placement(assignment, possible)
    # Leaders round-robin over the brokers and every broker holds every partition.
    assert sorted(r[0] for r in assignment.values()) == [0, 1, 2]
    assert all(sorted(r) == [0, 1, 2] for r in assignment.values())

    # Metadata (the same on every broker) shows the preferred leader, the replicas in assignment
    # order and the ISR as the state znode has it; each broker holds a directory per partition.
    for p, replicas in assignment.items():
        state = zk_state(c.zk, "placed", p)
        got = md["topics"]["placed"]["partitions"][p]
        assert (got["leader"], got["replicas"], got["isr"], got["offline"], got["leader_epoch"]) == \
            (replicas[0], replicas, state["isr"], [], state["leader_epoch"])
        assert state["leader"] == replicas[0] and state["isr"] == replicas, state
    harness.wait_until(lambda: all(_partition_dirs(b, "placed") == ["placed-0", "placed-1", "placed-2"]
                                   for b in c.brokers.values()), 30, 0.2, "every broker to create its replicas")

    # kafka-topics.sh --describe, through a broker and through ZooKeeper: Kafka's lines exactly.
    expected = [f"\tTopic: placed\tPartition: {p}\tLeader: {r[0]}\tReplicas: {','.join(map(str, r))}"
                f"\tIsr: {','.join(map(str, zk_state(c.zk, 'placed', p)['isr']))}"
                for p, r in sorted(assignment.items())]
    header = f"Topic: placed\tTopicId: {topic_id}\tPartitionCount: 3\tReplicationFactor: 3\tConfigs: "
    for via in ("bootstrap", "zookeeper"):
        lines = c.describe("placed", via)
        assert len(lines) == 4, (via, lines)
        assert lines[0].startswith(header), (via, lines[0])
        assert lines[1:] == expected, (via, lines)


def test_topic_created_through_zookeeper_is_placed_and_served_by_every_broker(shared_cluster):
    """kafka-topics.sh --zookeeper writes the znodes itself (as Kafka 2.x did); the controller picks
    it up, adds a topic id, and every broker serves the same leaders."""
    c = shared_cluster
    res = c.kafka_topics("--zookeeper", c.zk_connect, "--create", "--topic", "zk-made", "--partitions", "6",
                         "--replication-factor", "2")
    assert res.returncode == 0, res.stdout + res.stderr
    md = c.wait_consistent(["zk-made"], 30, _fully_led("zk-made", 6))
    assignment, topic_id = harness.wait_until(
        lambda: (lambda a: a if a[1] else None)(zk_assignment(c.zk, "zk-made")), 30, 0.2, "a topic id")
    possible = [kafka_assignment([0, 1, 2], 6, 2, s, h) for s in range(3) for h in range(3)]
    assert_kafka_placement(assignment, possible)
    # Six partitions on three brokers: each broker leads two.
    assert sorted(r[0] for r in assignment.values()) == [0, 0, 1, 1, 2, 2]
    assert {p: v["replicas"] for p, v in md["topics"]["zk-made"]["partitions"].items()} == assignment
    lines = c.describe("zk-made", "bootstrap")
    assert lines[0].startswith(f"Topic: zk-made\tTopicId: {topic_id}\tPartitionCount: 6\tReplicationFactor: 2\t")


def test_deleted_topic_leaves_every_broker_and_zookeeper(shared_cluster):
    c = shared_cluster
    clients.create_topic(c.bootstrap, "doomed", partitions=3, replication=3)
    clients.create_topic(c.bootstrap, "survivor", partitions=3, replication=2)
    c.wait_consistent(["doomed", "survivor"], 30,
                      lambda md: _fully_led("doomed", 3)(md) and _fully_led("survivor", 3)(md))
    records = clients.make_records(3000, "del")
    clients.confluent_produce(c.bootstrap, "doomed", records)
    harness.wait_until(lambda: all(len(_partition_dirs(b, "doomed")) == 3 for b in c.brokers.values()), 30, 0.2,
                       "doomed's replicas on every broker")
    survivor_dirs = {i: _partition_dirs(b, "survivor") for i, b in c.brokers.items()}
    assert sum(len(d) for d in survivor_dirs.values()) == 6, survivor_dirs

    a = clients.admin(c.bootstrap)
    a.delete_topics(["doomed"], operation_timeout=30, request_timeout=30)["doomed"].result(30)

    def gone():
        for b in c.brokers.values():
            t = harness.metadata_v7(b.bootstrap, ["doomed"])["topics"]["doomed"]
            if t["error_code"] != UNKNOWN_TOPIC_OR_PARTITION or _partition_dirs(b, "doomed"):
                return False
        return not any(c.zk.exists(p) for p in ("/brokers/topics/doomed", "/config/topics/doomed",
                                                "/admin/delete_topics/doomed"))
    harness.wait_until(gone, 60, 0.2, "topic 'doomed' to leave every broker and ZooKeeper")
    # The other topic is untouched everywhere.
    assert {i: _partition_dirs(b, "survivor") for i, b in c.brokers.items()} == survivor_dirs
    c.wait_consistent(["survivor"], 30, _fully_led("survivor", 3))
    assert _schema_problems(c) == []


def test_every_znode_has_kafkas_shape(shared_cluster):
    """After topic creation (both ways), a config change and a deletion, every znode the cluster
    wrote has exactly the keys and JSON types of ZOOKEEPER-LAYOUT §2."""
    c = shared_cluster
    from confluent_kafka.admin import ConfigResource
    clients.create_topic(c.bootstrap, "shaped", partitions=2, replication=3)
    c.wait_consistent(["shaped"], 30, _fully_led("shaped", 2))
    a = clients.admin(c.bootstrap)
    res = ConfigResource(ConfigResource.Type.TOPIC, "shaped", set_config={"retention.ms": "3600000"})
    a.alter_configs([res])[res].result(30)
    harness.wait_until(lambda: c.zk.children("/config/changes"), 30, 0.2, "a config change notification")
    problems = _schema_problems(c)
    assert problems == [], "\n".join(problems)
    # The tree holds what a 3-broker cluster must have written.
    paths = set(znode_schema.snapshot(c.zk._kazoo))
    for p in ["/cluster/id", "/controller", "/controller_epoch", "/brokers/ids/0", "/brokers/ids/1", "/brokers/ids/2",
              "/brokers/topics/shaped", "/brokers/topics/shaped/partitions/1/state", "/config/topics/shaped",
              "/admin/delete_topics", "/isr_change_notification", "/config/changes"]:
        assert p in paths, p
    for i in range(3):
        reg = json.loads(c.zk.get(f"/brokers/ids/{i}"))
        assert reg["port"] == c[i].port and reg["endpoints"] == [f"PLAINTEXT://127.0.0.1:{c[i].port}"]


def test_rack_aware_placement_puts_replicas_on_distinct_racks(cluster_factory):
    """Brokers 0 and 1 in rack r1, broker 2 in r2. Rack-unaware placement would put some partitions
    on 0 and 1 only; Kafka's rack-aware placement gives every partition both racks."""
    racks = {0: "r1", 1: "r1", 2: "r2"}
    c = cluster_factory(per_broker_props={i: {"broker.rack": r} for i, r in racks.items()})
    for i, r in racks.items():
        assert json.loads(c.zk.get(f"/brokers/ids/{i}"))["rack"] == r
    md = c.wait_consistent()
    assert {i: b[2] for i, b in md["brokers"].items()} == racks

    clients.create_topic(c.bootstrap, "racked", partitions=6, replication=2)
    c.wait_consistent(["racked"], 30, _fully_led("racked", 6))
    assignment, _ = zk_assignment(c.zk, "racked")
    for p, replicas in assignment.items():
        assert sorted(racks[b] for b in replicas) == ["r1", "r2"], (p, replicas)
    possible = [kafka_rack_aware_assignment(racks, 6, 2, s, h) for s in range(3) for h in range(3)]
    assert_kafka_placement(assignment, possible)

    # With three racks and RF 3 every partition spans all of them, and leaders still rotate.
    clients.create_topic(c.bootstrap, "racked3", partitions=3, replication=3)
    c.wait_consistent(["racked3"], 30, _fully_led("racked3", 3))
    assignment3, _ = zk_assignment(c.zk, "racked3")
    assert all(sorted(r) == [0, 1, 2] for r in assignment3.values())
    possible3 = [kafka_rack_aware_assignment(racks, 3, 3, s, h) for s in range(3) for h in range(3)]
    assert_kafka_placement(assignment3, possible3)
    assert _schema_problems(c) == []


def test_znode_schema_check_refuses_wrong_shapes():
    """The checker itself: Kafka's shapes pass, every near miss is reported."""
    state = b'{"controller_epoch":1,"leader":0,"version":1,"leader_epoch":0,"isr":[0,1]}'
    reg = (b'{"features":{},"listener_security_protocol_map":{"PLAINTEXT":"PLAINTEXT"},"endpoints":'
           b'["PLAINTEXT://h:9092"],"jmx_port":-1,"port":9092,"host":"h","version":5,"timestamp":"1700000000000"}')
    good = [
        ("/brokers/topics/t/partitions/0/state", state),
        ("/brokers/ids/0", reg),
        ("/controller", b'{"version":1,"brokerid":0,"timestamp":"1700000000000"}'),
        ("/controller_epoch", b"3"),
        ("/cluster/id", b'{"version":"1","id":"Qm9vdHN0cmFwVG9waWNJZA"}'),
        ("/brokers/topics/t", b'{"version":3,"partitions":{"0":[0,1]},"adding_replicas":{},"removing_replicas":{},'
                              b'"topic_id":"Qm9vdHN0cmFwVG9waWNJZA"}'),
        ("/brokers/topics/t", b'{"version":1,"partitions":{"0":[0,1]}}'),
        ("/config/topics/t", b'{"version":1,"config":{"retention.ms":"3600000"}}'),
        ("/config/changes/config_change_0000000007", b'{"version":2,"entity_path":"topics/t"}'),
        ("/brokers/topics", None),
    ]
    for path, data in good:
        assert znode_schema.check_znode(path, data) == [], path
    bad = [
        ("/brokers/topics/t/partitions/0/state", state.replace(b'"leader":0', b'"leader":"0"')),
        ("/brokers/topics/t/partitions/0/state", state.replace(b'"isr":[0,1]', b'"isr":[0,1],"extra":1')),
        ("/brokers/topics/t/partitions/0/state", state.replace(b',"isr":[0,1]', b"")),
        ("/brokers/topics/t/partitions/0/state", state.replace(b'"isr":[0,1]', b'"isr":[]')),
        ("/brokers/topics/t/partitions/0/state", state.replace(b"{", b"{ ")),
        ("/brokers/topics/t/partitions/0/state", state.replace(b'"version":1', b'"version":true')),
        ("/brokers/ids/0", reg.replace(b'"timestamp":"1700000000000"', b'"timestamp":1700000000000')),
        ("/brokers/ids/0", reg.replace(b'"features":{},', b"")),
        ("/controller", b'{"version":1,"brokerid":0,"timestamp":1700000000000}'),
        ("/controller_epoch", b'{"epoch":3}'),
        ("/cluster/id", b'{"version":1,"id":"Qm9vdHN0cmFwVG9waWNJZA"}'),
        ("/brokers/topics/t", b'{"version":3,"partitions":{"0":[0,1]},"adding_replicas":{}}'),
        ("/brokers/topics/t", b'{"version":2,"partitions":{"0":["0"]},"adding_replicas":{},"removing_replicas":{}}'),
        ("/config/topics/t", b'{"version":1,"config":{"retention.ms":3600000}}'),
        ("/config/changes/config_change_0000000007", b'{"version":2,"entity_path":"topics/t","extra":0}'),
        ("/brokers/topics", b""),
        ("/brokers/topics", b"{}"),
        ("/somewhere/else", None),
    ]
    for path, data in bad:
        assert znode_schema.check_znode(path, data) != [], (path, data)
