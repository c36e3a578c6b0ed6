"""kafka-reassign-partitions.sh against a 3-broker cluster: --generate (both modes), --execute /
--verify / --list / --cancel through AlterPartitionReassignments and ListPartitionReassignments,
--execute / --verify through /admin/reassign_partitions (--zookeeper), --throttle configs, and bad
input.

Followers do not fetch before issue 6, so a reassignment that adds a replica never completes: those
tests check "still in progress" and cancel it; reorders and shrinks (targets already in the ISR)
complete at once."""

import json

import pytest

import clients
import harness

ROLLBACK_HINT = "Save this to use as the --reassignment-json-file option during rollback"


BINARIES = {
    "kafka-reassign-partitions.sh": "gregor-reassign-partitions",
    "kafka-topics.sh": "gregor-topics",
}


def tool(script, *args, timeout=90):
    return harness.run_tool_script(script, BINARIES[script], *args, timeout=timeout)


def reassign(*args, **kw):
    return tool("kafka-reassign-partitions.sh", *args, **kw)


def start_cluster(broker_factory, zk, n=3, extra=None):
    props = {"auto.leader.rebalance.enable": "false"}
    props.update(extra or {})
    return harness.start_brokers(broker_factory, zk, n, props)


def create_with_assignment(bootstrap, topic, assignment):
    r = tool("kafka-topics.sh", "--bootstrap-server", bootstrap, "--create", "--topic", topic,
             "--replica-assignment", assignment)
    assert r.returncode == 0, r.stdout + r.stderr
    clients.wait_topic_ready(bootstrap, topic, len(assignment.split(",")))


def topic_znode(zk, topic):
    return json.loads(zk.get(f"/brokers/topics/{topic}"))


def partition_state(zk, topic, p):
    return json.loads(zk.get(f"/brokers/topics/{topic}/partitions/{p}/state"))


def write_json(tmp_path, name, doc):
    path = tmp_path / name
    path.write_text(json.dumps(doc))
    return path


def plan(*entries):
    return {"version": 1, "partitions": [{"topic": t, "partition": p, "replicas": r} for t, p, r in entries]}


def test_generate_both_modes(broker_factory, zk, zk_connect, tmp_path):
    brokers = start_cluster(broker_factory, zk)
    bootstrap = brokers[0].bootstrap
    create_with_assignment(bootstrap, "orders", "0:1,1:2,2:0,0:2,1:0,2:1")
    topics = write_json(tmp_path, "topics.json", {"version": 1, "topics": [{"topic": "orders"}]})
    current = {int(p): r for p, r in topic_znode(zk, "orders")["partitions"].items()}

    for mode in (["--bootstrap-server", bootstrap], ["--zookeeper", zk_connect]):
        r = reassign(*mode, "--generate", "--topics-to-move-json-file", topics, "--broker-list", "1,2")
        assert r.returncode == 0, r.stdout + r.stderr
        lines = r.stdout.splitlines()
        if mode[0] == "--zookeeper":
            assert lines.pop(0) == "Warning: --zookeeper is deprecated, and will be removed in a future version of Kafka."
        assert lines[0] == "Current partition replica assignment"
        assert lines[2] == ""
        assert lines[3] == "Proposed partition reassignment configuration"
        assert len(lines) == 5
        shown = json.loads(lines[1])
        assert shown["version"] == 1
        assert [(e["topic"], e["partition"]) for e in shown["partitions"]] == [("orders", p) for p in range(6)]
        assert {e["partition"]: e["replicas"] for e in shown["partitions"]} == current
        assert all(e["log_dirs"] == ["any", "any"] for e in shown["partitions"])
        proposed = json.loads(lines[4])["partitions"]
        assert len(proposed) == 6
        leaders = [e["replicas"][0] for e in proposed]
        for e in proposed:
            assert sorted(e["replicas"]) == [1, 2], e  # RF 2 over brokers 1 and 2 only
        assert sorted(leaders) == [1, 1, 1, 2, 2, 2]  # leaders round-robin
    # Nothing was changed.
    assert {int(p): r for p, r in topic_znode(zk, "orders")["partitions"].items()} == current


def test_execute_reorder_and_shrink_complete_at_once(broker_factory, zk, tmp_path):
    brokers = start_cluster(broker_factory, zk)
    bootstrap = brokers[1].bootstrap
    create_with_assignment(bootstrap, "moves", "0:1,1:2")
    harness.wait_until(lambda: partition_state(zk, "moves", 1)["isr"] == [1, 2], 30, 0.2, "ISR of moves-1")
    target = write_json(tmp_path, "plan.json", plan(("moves", 0, [1, 0]), ("moves", 1, [2])))

    r = reassign("--bootstrap-server", bootstrap, "--execute", "--reassignment-json-file", target)
    assert r.returncode == 0, r.stdout + r.stderr
    lines = r.stdout.splitlines()
    assert lines[0] == "Current partition replica assignment"
    assert lines[1] == ""
    rollback = json.loads(lines[2])
    assert rollback == {"version": 1, "partitions": [
        {"topic": "moves", "partition": 0, "replicas": [0, 1], "log_dirs": ["any", "any"]},
        {"topic": "moves", "partition": 1, "replicas": [1, 2], "log_dirs": ["any", "any"]}]}
    assert lines[3:] == ["", ROLLBACK_HINT, "Successfully started partition reassignments for moves-0,moves-1"]

    harness.wait_until(lambda: topic_znode(zk, "moves")["partitions"] == {"0": [1, 0], "1": [2]}, 30, 0.2,
                       "the new replica lists in the topic znode")

    def verified():
        v = reassign("--bootstrap-server", bootstrap, "--verify", "--reassignment-json-file", target)
        return v if "is complete" in v.stdout and "in progress" not in v.stdout else None
    v = harness.wait_until(verified, 30, 0.5, "--verify to report completion")
    assert v.returncode == 0, v.stdout + v.stderr
    assert v.stdout.splitlines() == [
        "Status of partition reassignment:",
        "Reassignment of partition moves-0 is complete.",
        "Reassignment of partition moves-1 is complete.",
        "",
        "Clearing broker-level throttles on brokers 0,1,2",
        "Clearing topic-level throttles on topic moves",
    ]
    r = reassign("--bootstrap-server", bootstrap, "--list")
    assert r.returncode == 0 and r.stdout == "No partition reassignments found.\n", r.stdout + r.stderr
    # The removed replica left the ISR; the shrunk partition is led by its only replica.
    harness.wait_until(lambda: partition_state(zk, "moves", 1)["isr"] == [2], 30, 0.2, "moves-1 ISR [2]")
    assert partition_state(zk, "moves", 1)["leader"] == 2


def test_adding_a_replica_stays_in_progress_until_cancelled(broker_factory, zk, tmp_path):
    brokers = start_cluster(broker_factory, zk)
    bootstrap = brokers[0].bootstrap
    create_with_assignment(bootstrap, "grow", "0")
    target = write_json(tmp_path, "plan.json", plan(("grow", 0, [0, 1])))

    r = reassign("--bootstrap-server", bootstrap, "--execute", "--reassignment-json-file", target,
                 "--throttle", "1048576")
    assert r.returncode == 0, r.stdout + r.stderr
    lines = r.stdout.splitlines()
    assert lines[-3:] == [
        "Warning: You must run --verify periodically, until the reassignment completes, to ensure the throttle is removed.",
        "The inter-broker throttle limit was set to 1048576 B/s",
        "Successfully started partition reassignment for grow-0",
    ]
    # Kafka's throttle configs: the source leader-throttled, the new replica follower-throttled.
    assert json.loads(zk.get("/config/topics/grow"))["config"] == {
        "leader.replication.throttled.replicas": "0:0", "follower.replication.throttled.replicas": "0:1"}
    for b in (0, 1):
        cfg = json.loads(zk.get(f"/config/brokers/{b}"))["config"]
        assert cfg["leader.replication.throttled.rate"] == "1048576"
        assert cfg["follower.replication.throttled.rate"] == "1048576"

    r = reassign("--bootstrap-server", bootstrap, "--list")
    assert r.stdout == "Current partition reassignments:\ngrow-0: replicas: 0,1. adding: 1.\n", r.stdout + r.stderr
    znode = topic_znode(zk, "grow")
    assert znode["partitions"] == {"0": [0, 1]} and znode["adding_replicas"] == {"0": [1]}
    # kafka-topics --describe shows the reassignment (ReplicationFactor leaves the added replica out).
    r = tool("kafka-topics.sh", "--bootstrap-server", bootstrap, "--describe", "--topic", "grow")
    lines = r.stdout.splitlines()
    assert "\tPartitionCount: 1\tReplicationFactor: 1\t" in lines[0], r.stdout
    assert lines[1] == "\tTopic: grow\tPartition: 0\tLeader: 0\tReplicas: 0,1\tIsr: 0\tAdding Replicas: 1\tRemoving Replicas: "

    v = reassign("--bootstrap-server", bootstrap, "--verify", "--reassignment-json-file", target)
    assert v.returncode == 0, v.stdout + v.stderr
    assert v.stdout == "Status of partition reassignment:\nReassignment of partition grow-0 is still in progress.\n\n"
    # Still in progress: the throttles stay.
    assert "leader.replication.throttled.replicas" in json.loads(zk.get("/config/topics/grow"))["config"]

    # Another --execute is refused without --additional.
    other = write_json(tmp_path, "other.json", plan(("grow", 0, [0])))
    r = reassign("--bootstrap-server", bootstrap, "--execute", "--reassignment-json-file", other)
    assert r.returncode == 1
    assert r.stdout.startswith("Cannot execute because there is an existing partition assignment.  Use --additional")

    r = reassign("--bootstrap-server", bootstrap, "--cancel", "--reassignment-json-file", target)
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout.splitlines() == [
        "Successfully cancelled partition reassignment for: grow-0",
        "None of the specified partition moves are active.",
        "Clearing broker-level throttles on brokers 0,1,2",
        "Clearing topic-level throttles on topic grow",
    ]
    harness.wait_until(lambda: topic_znode(zk, "grow")["partitions"] == {"0": [0]}, 30, 0.2, "the original replicas")
    assert not topic_znode(zk, "grow").get("adding_replicas")
    assert json.loads(zk.get("/config/topics/grow"))["config"] == {}
    assert "leader.replication.throttled.rate" not in json.loads(zk.get("/config/brokers/1"))["config"]
    v = reassign("--bootstrap-server", bootstrap, "--verify", "--reassignment-json-file", target)
    assert "There is no active reassignment of partition grow-0, but replica set is 0 rather than 0,1." in v.stdout
    r = reassign("--bootstrap-server", bootstrap, "--cancel", "--reassignment-json-file", target, "--preserve-throttles")
    assert r.stdout == ("None of the specified partition reassignments are active.\n"
                        "None of the specified partition moves are active.\n"), r.stdout + r.stderr


def test_zookeeper_mode(broker_factory, zk, zk_connect, tmp_path):
    brokers = start_cluster(broker_factory, zk)
    bootstrap = brokers[2].bootstrap
    create_with_assignment(bootstrap, "legacy", "0:1,1:2")
    reorder = write_json(tmp_path, "reorder.json", plan(("legacy", 1, [2, 1])))
    r = reassign("--zookeeper", zk_connect, "--execute", "--reassignment-json-file", reorder)
    assert r.returncode == 0, r.stdout + r.stderr
    lines = r.stdout.splitlines()
    assert lines[0] == "Warning: --zookeeper is deprecated, and will be removed in a future version of Kafka."
    assert json.loads(lines[3]) == {"version": 1, "partitions": [
        {"topic": "legacy", "partition": 1, "replicas": [1, 2], "log_dirs": ["any", "any"]}]}
    assert lines[-1] == "Successfully started partition reassignment for legacy-1"
    # The controller applies the znode and deletes it once the reassignment is done.
    harness.wait_until(lambda: topic_znode(zk, "legacy")["partitions"]["1"] == [2, 1], 30, 0.2, "legacy-1 reordered")
    harness.wait_until(lambda: not zk.exists("/admin/reassign_partitions"), 30, 0.2, "the znode removed")
    v = reassign("--zookeeper", zk_connect, "--verify", "--reassignment-json-file", reorder)
    assert v.returncode == 0, v.stdout + v.stderr
    assert v.stdout.splitlines() == [
        "Warning: --zookeeper is deprecated, and will be removed in a future version of Kafka.",
        "Warning: because you are using the deprecated --zookeeper option, the results may be incomplete.  "
        "Use --bootstrap-server instead for more accurate results.",
        "Status of partition reassignment:",
        "Reassignment of partition legacy-1 is complete.",
        "Clearing broker-level throttles on brokers 0,1,2",
        "Clearing topic-level throttles on topic legacy",
    ]

    # An adding reassignment keeps /admin/reassign_partitions until it completes: a second
    # --execute is refused, as Kafka <= 2.8 refuses it.
    grow = write_json(tmp_path, "grow.json", plan(("legacy", 0, [0, 1, 2])))
    r = reassign("--zookeeper", zk_connect, "--execute", "--reassignment-json-file", grow)
    assert r.returncode == 0, r.stdout + r.stderr
    assert json.loads(zk.get("/admin/reassign_partitions")) == {
        "version": 1, "partitions": [{"topic": "legacy", "partition": 0, "replicas": [0, 1, 2]}]}
    r = reassign("--zookeeper", zk_connect, "--execute", "--reassignment-json-file", reorder)
    assert r.returncode == 1
    assert r.stdout.splitlines()[-1].startswith("Cannot execute because there is an existing partition assignment.")
    v = reassign("--zookeeper", zk_connect, "--verify", "--reassignment-json-file", grow)
    assert "Reassignment of partition legacy-0 is still in progress." in v.stdout.splitlines()
    assert "Clearing" not in v.stdout
    # --cancel and --list need --bootstrap-server.
    r = reassign("--zookeeper", zk_connect, "--cancel", "--reassignment-json-file", grow)
    assert r.returncode == 1 and "Option \"[zookeeper]\" can't be used with action \"[cancel]\"" in r.stderr


def test_bad_input(broker_factory, zk, tmp_path):
    brokers = start_cluster(broker_factory, zk, n=2)
    bootstrap = brokers[0].bootstrap
    create_with_assignment(bootstrap, "valid", "0,1")
    cases = [
        ("not json at all", "Error: The input string is not a valid JSON"),
        (json.dumps({"version": 2, "partitions": []}), "Error: Not supported version field value 2"),
        (json.dumps({"partitions": [{"topic": "valid", "partition": 0}]}), "Error: No such field exists: `replicas`"),
        (json.dumps({"partitions": []}), "Error: Partition reassignment list cannot be empty"),
        (json.dumps(plan(("valid", 0, [0, 0]))),
         "Error: Partition replica lists may not contain duplicate entries: valid-0 contains multiple entries for 0"),
        (json.dumps(plan(("valid", 0, [7]))), "Error: Unknown broker id 7"),
        (json.dumps(plan(("nope", 0, [0]))),
         "Error: org.apache.kafka.common.errors.UnknownTopicOrPartitionException: Topic nope not found."),
        (json.dumps(plan(("valid", 9, [0]))),
         "Error: org.apache.kafka.common.errors.UnknownTopicOrPartitionException: Unable to find partition: valid-9"),
    ]
    for text, expected in cases:
        path = tmp_path / "bad.json"
        path.write_text(text)
        r = reassign("--bootstrap-server", bootstrap, "--execute", "--reassignment-json-file", path)
        assert r.returncode == 1, (text, r.stdout, r.stderr)
        assert r.stdout.splitlines()[-1] == expected, (text, r.stdout, r.stderr)
    r = reassign("--bootstrap-server", bootstrap, "--execute", "--reassignment-json-file", tmp_path / "missing.json")
    assert r.returncode == 1 and r.stdout.startswith("Error: ") and "No such file" in r.stdout
    r = reassign("--bootstrap-server", bootstrap, "--generate", "--topics-to-move-json-file", tmp_path / "bad.json",
                 "--broker-list", "0,x")
    assert (r.returncode, r.stdout) == (1, 'Error: For input string: "x"\n')
    assert topic_znode(zk, "valid")["partitions"] == {"0": [0], "1": [1]}  # nothing changed
