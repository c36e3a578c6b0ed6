"""kafka-leader-election.sh (ElectLeaders) and kafka-preferred-replica-election.sh (--zookeeper:
/admin/preferred_replica_election; --bootstrap-server: ElectLeaders) against a 3-broker cluster.

A partition whose leader is not its preferred replica is made with a reassignment that only
reorders the replicas: the controller keeps the current leader (it is in the new replica set), so
the first replica of the new order is in the ISR but does not lead. Automatic rebalancing is off."""

import json

import harness
import wire

BINARIES = {
    "kafka-leader-election.sh": "gregor-leader-election",
    "kafka-preferred-replica-election.sh": "gregor-preferred-replica-election",
    "kafka-reassign-partitions.sh": "gregor-reassign-partitions",
    "kafka-topics.sh": "gregor-topics",
}


def tool(script, *args, timeout=90):
    return harness.run_tool_script(script, BINARIES[script], *args, timeout=timeout)


def elect(*args):
    return tool("kafka-leader-election.sh", *args)


def start_cluster(broker_factory, zk, n=3):
    return harness.start_brokers(broker_factory, zk, n, {"auto.leader.rebalance.enable": "false"})


def state(zk, topic, p):
    return json.loads(zk.get(f"/brokers/topics/{topic}/partitions/{p}/state"))


def leaders_in_metadata(bootstrap, topic):
    md = wire.metadata_v1(bootstrap, [topic])
    t = next(t for t in md["topics"] if t["name"] == topic)
    return {p["partition"]: p["leader"] for p in t["partitions"]}


def make_topic(bootstrap, zk, topic, assignment):
    r = tool("kafka-topics.sh", "--bootstrap-server", bootstrap, "--create", "--topic", topic,
             "--replica-assignment", assignment)
    assert r.returncode == 0, r.stdout + r.stderr
    replicas = [[int(b) for b in part.split(":")] for part in assignment.split(",")]
    for p, rs in enumerate(replicas):
        harness.wait_until(lambda: state(zk, topic, p)["leader"] == rs[0] and sorted(state(zk, topic, p)["isr"]) == sorted(rs),
                           30, 0.2, f"{topic}-{p} led by {rs[0]} with a full ISR")


def reorder(bootstrap, zk, tmp_path, topic, p, replicas):
    """Reassigns topic-p to the same replicas in another order; the leader does not move."""
    path = tmp_path / f"reorder-{topic}-{p}.json"
    path.write_text(json.dumps({"version": 1, "partitions": [{"topic": topic, "partition": p, "replicas": replicas}]}))
    r = tool("kafka-reassign-partitions.sh", "--bootstrap-server", bootstrap, "--execute", "--reassignment-json-file", path)
    assert r.returncode == 0, r.stdout + r.stderr
    harness.wait_until(lambda: json.loads(zk.get(f"/brokers/topics/{topic}"))["partitions"][str(p)] == replicas,
                       30, 0.2, f"{topic}-{p} reordered")


def test_preferred_and_unclean_elections(broker_factory, zk, tmp_path):
    brokers = start_cluster(broker_factory, zk)
    bootstrap = brokers[1].bootstrap
    make_topic(bootstrap, zk, "lead", "0:1,1:2,2:0")
    reorder(bootstrap, zk, tmp_path, "lead", 0, [1, 0])
    assert state(zk, "lead", 0)["leader"] == 0  # not the preferred replica any more

    r = elect("--bootstrap-server", bootstrap, "--election-type", "preferred", "--topic", "lead", "--partition", "0")
    assert (r.returncode, r.stdout, r.stderr) == (
        0, "Successfully completed leader election (PREFERRED) for partitions lead-0\n", "")
    assert state(zk, "lead", 0)["leader"] == 1
    harness.wait_until(lambda: all(leaders_in_metadata(b.bootstrap, "lead")[0] == 1 for b in brokers), 30, 0.2,
                       "every broker's metadata to show the new leader")

    # All partitions: only those that needed an election are answered for (Kafka's broker leaves
    # out ELECTION_NOT_NEEDED when no partitions were named).
    reorder(bootstrap, zk, tmp_path, "lead", 1, [2, 1])
    r = elect("--bootstrap-server", bootstrap, "--election-type", "PREFERRED", "--all-topic-partitions")
    assert (r.returncode, r.stdout, r.stderr) == (
        0, "Successfully completed leader election (PREFERRED) for partitions lead-1\n", "")
    assert state(zk, "lead", 1)["leader"] == 2
    r = elect("--bootstrap-server", bootstrap, "--election-type", "preferred", "--all-topic-partitions")
    assert (r.returncode, r.stdout, r.stderr) == (0, "", "")

    # Unclean election where a leader is alive: not needed.
    r = elect("--bootstrap-server", bootstrap, "--election-type", "unclean", "--topic", "lead", "--partition", "2")
    assert (r.returncode, r.stdout) == (0, "Valid replica already elected for partitions lead-2\n"), r.stderr

    # From a JSON file, with a partition that does not exist.
    path = tmp_path / "election.json"
    path.write_text(json.dumps({"partitions": [{"topic": "lead", "partition": 1}, {"topic": "ghost", "partition": 0}]}))
    r = elect("--bootstrap-server", bootstrap, "--election-type", "preferred", "--path-to-json-file", path)
    assert r.returncode == 1
    lines = r.stdout.splitlines()
    assert lines[0] == "Valid replica already elected for partitions lead-1"
    assert lines[1].startswith("Error completing leader election (PREFERRED) for partition: ghost-0: "
                               "org.apache.kafka.common.errors.UnknownTopicOrPartitionException"), lines
    assert r.stderr == "1 replica(s) could not be elected\n"


def test_bad_command_lines(broker_factory, zk, tmp_path):
    brokers = start_cluster(broker_factory, zk, n=1)
    bootstrap = brokers[0].bootstrap
    r = elect("--bootstrap-server", bootstrap, "--election-type", "sideways", "--all-topic-partitions")
    assert (r.returncode, r.stderr) == (1, "Cannot parse argument 'sideways' of option election-type\n")
    r = elect("--bootstrap-server", bootstrap, "--election-type", "preferred", "--topic", "t")
    assert (r.returncode, r.stderr) == (1, "Missing required option(s): partition\n")
    path = tmp_path / "e.json"
    path.write_text("{}")
    r = elect("--bootstrap-server", bootstrap, "--election-type", "preferred", "--path-to-json-file", path)
    assert (r.returncode, r.stderr) == (1, 'Replica election data is missing "partitions" field\n')


def test_preferred_replica_election_script(broker_factory, zk, zk_connect, tmp_path):
    brokers = start_cluster(broker_factory, zk)
    bootstrap = brokers[0].bootstrap
    make_topic(bootstrap, zk, "pref", "0:1,1:2")
    reorder(bootstrap, zk, tmp_path, "pref", 0, [1, 0])
    reorder(bootstrap, zk, tmp_path, "pref", 1, [2, 1])
    assert (state(zk, "pref", 0)["leader"], state(zk, "pref", 1)["leader"]) == (0, 1)

    path = tmp_path / "pref.json"
    path.write_text(json.dumps({"partitions": [{"topic": "pref", "partition": 0}, {"topic": "pref", "partition": 9}]}))
    r = tool("kafka-preferred-replica-election.sh", "--zookeeper", zk_connect, "--path-to-json-file", path)
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout.splitlines() == [
        "Warning: --zookeeper is deprecated and will be removed in a future version of Kafka.",
        "Use --bootstrap-server instead to specify a broker to connect to.",
        "Created preferred replica election path with pref-0",
        "Successfully started preferred replica election for partitions Set(pref-0)",
        "Skipping preferred replica leader election for partition pref-9 since it doesn't exist.",
    ]
    # The controller elects and deletes the znode.
    harness.wait_until(lambda: state(zk, "pref", 0)["leader"] == 1, 30, 0.2, "pref-0 led by its preferred replica")
    harness.wait_until(lambda: not zk.exists("/admin/preferred_replica_election"), 30, 0.2, "the znode removed")

    r = tool("kafka-preferred-replica-election.sh", "--bootstrap-server", bootstrap)
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout.startswith("Successfully completed preferred replica election for partitions "), r.stdout
    assert "pref-1" in r.stdout
    assert state(zk, "pref", 1)["leader"] == 2
