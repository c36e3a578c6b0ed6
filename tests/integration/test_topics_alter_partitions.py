"""kafka-topics.sh --alter --partitions on a 3-broker cluster: through CreatePartitions
(--bootstrap-server, Kafka 3.x prints nothing on success) with and without --replica-assignment,
Kafka's errors for a decrease, and the ZooKeeper mode's rewrite of /brokers/topics/<t> with the
placement of ZOOKEEPER-LAYOUT §9 (leaders continue the round-robin from partition 0's leader)."""

import json

import clients
import harness
import wire

def topics_sh(*args, timeout=90):
    return harness.run_tool_script("kafka-topics.sh", "gregor-topics", *args, timeout=timeout)


def start_cluster(broker_factory, zk, n=3):
    return harness.start_brokers(broker_factory, zk, n)


def assignment(zk, topic):
    return {int(p): r for p, r in json.loads(zk.get(f"/brokers/topics/{topic}"))["partitions"].items()}


def partitions_everywhere(brokers, topic, count):
    """Every broker's metadata shows `count` partitions of `topic`, each with a live leader."""
    for b in brokers:
        md = wire.metadata_v1(b.bootstrap, [topic])
        t = next((t for t in md["topics"] if t["name"] == topic), None)
        if t is None or len(t["partitions"]) != count or any(p["leader"] < 0 for p in t["partitions"]):
            return False
    return True


def test_alter_through_the_brokers(broker_factory, zk):
    brokers = start_cluster(broker_factory, zk)
    bootstrap = brokers[2].bootstrap
    r = topics_sh("--bootstrap-server", bootstrap, "--create", "--topic", "grow", "--partitions", "2",
                  "--replication-factor", "2")
    assert r.returncode == 0, r.stdout + r.stderr
    clients.wait_topic_ready(bootstrap, "grow", 2)
    before = assignment(zk, "grow")

    r = topics_sh("--bootstrap-server", bootstrap, "--alter", "--topic", "grow", "--partitions", "5")
    assert (r.returncode, r.stdout, r.stderr) == (0, "", "")
    harness.wait_until(lambda: len(assignment(zk, "grow")) == 5, 30, 0.2, "5 partitions in the topic znode")
    after = assignment(zk, "grow")
    assert {p: after[p] for p in before} == before  # existing partitions untouched
    for p in range(2, 5):
        assert len(after[p]) == 2 and len(set(after[p])) == 2 and set(after[p]) <= {0, 1, 2}, after
    harness.wait_until(lambda: partitions_everywhere(brokers, "grow", 5), 30, 0.2, "5 led partitions on every broker")
    r = topics_sh("--bootstrap-server", bootstrap, "--describe", "--topic", "grow")
    assert "PartitionCount: 5\tReplicationFactor: 2" in r.stdout, r.stdout

    # A manual assignment lists every partition; only the new ones are sent.
    r = topics_sh("--bootstrap-server", bootstrap, "--alter", "--topic", "grow", "--partitions", "7",
                  "--replica-assignment", "0:1,1:2,2:0,0:1,1:2,2:1,1:0")
    assert r.returncode == 0, r.stdout + r.stderr
    harness.wait_until(lambda: len(assignment(zk, "grow")) == 7, 30, 0.2, "7 partitions")
    got = assignment(zk, "grow")
    assert (got[5], got[6]) == ([2, 1], [1, 0])
    harness.wait_until(lambda: partitions_everywhere(brokers, "grow", 7), 30, 0.2, "7 led partitions everywhere")

    # Fewer partitions: Kafka's INVALID_PARTITIONS with the broker's message.
    r = topics_sh("--bootstrap-server", bootstrap, "--alter", "--topic", "grow", "--partitions", "3")
    assert r.returncode == 1
    assert r.stdout.startswith("Error while executing topic command : "), r.stdout
    assert "7" in r.stdout and "3" in r.stdout, r.stdout
    assert len(assignment(zk, "grow")) == 7

    r = topics_sh("--bootstrap-server", bootstrap, "--alter", "--topic", "absent", "--partitions", "3")
    assert (r.returncode, r.stdout) == (1, "Error while executing topic command : Topic 'absent' does not exist as expected\n")
    r = topics_sh("--bootstrap-server", bootstrap, "--alter", "--topic", "absent", "--partitions", "3", "--if-exists")
    assert (r.returncode, r.stdout) == (0, "")


def test_alter_in_zookeeper_mode_follows_kafkas_placement(broker_factory, zk, zk_connect):
    brokers = start_cluster(broker_factory, zk)
    r = topics_sh("--zookeeper", zk_connect, "--create", "--topic", "legacy", "--replica-assignment", "1,2")
    assert r.returncode == 0, r.stdout + r.stderr
    harness.wait_until(lambda: partitions_everywhere(brokers, "legacy", 2), 30, 0.2, "legacy ready")

    r = topics_sh("--zookeeper", zk_connect, "--alter", "--topic", "legacy", "--partitions", "5")
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout.splitlines() == [
        "WARNING: If partitions are increased for a topic that has a key, the partition logic or ordering of the "
        "messages will be affected",
        "Adding partitions succeeded!",
    ]
    # RF 1, start index = position of partition 0's leader (broker 1) among [0, 1, 2]: leaders of
    # partitions 2, 3, 4 are brokers[(p + 1) % 3] = 0, 1, 2.
    assert assignment(zk, "legacy") == {0: [1], 1: [2], 2: [0], 3: [1], 4: [2]}
    harness.wait_until(lambda: partitions_everywhere(brokers, "legacy", 5), 30, 0.2, "5 led partitions everywhere")

    r = topics_sh("--zookeeper", zk_connect, "--alter", "--topic", "legacy", "--partitions", "5")
    assert r.returncode == 1
    assert r.stdout.splitlines()[-1] == ("Error while executing topic command : The number of partitions for a topic "
                                         "can only be increased. Topic legacy currently has 5 partitions, 5 would not "
                                         "be an increase.")
