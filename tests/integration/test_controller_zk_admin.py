"""The controller's answers to ZooKeeper admin writes (issue 5), on three brokers: partition
reassignment through /admin/reassign_partitions (completing at once, waiting for the ISR, cancelled,
invalid entries dropped), ISR change notifications, and preferred leader election through
/admin/preferred_replica_election.

Replication (issue 6) does not exist yet, so a replica added by a reassignment never joins the ISR
by itself: where a test needs that, it plays the partition leader's part, as Kafka's pre-2.7
leaders did, by writing the state znode (CAS on its version) and an isr_change_<seq> notification."""

import json

import pytest

import harness
import wire

pytest.importorskip("kazoo")

WAIT = 30


def _cluster(broker_factory, zk, n=3):
    brokers = [broker_factory(broker_id=i) for i in range(n)]
    want = [str(i) for i in range(n)]
    harness.wait_until(lambda: zk.children("/brokers/ids") == want, WAIT, 0.2, "every registration")
    return brokers


def _json(zk, path):
    return json.loads(zk.get(path))


def _create_topic(zk, topic, assignment):
    """What kafka-topics.sh --zookeeper writes: the config first, then the assignment (no topic id)."""
    kz = zk._kazoo
    kz.create(f"/config/topics/{topic}", b'{"version":1,"config":{}}', makepath=True)
    data = {"version": 1, "partitions": {str(p): r for p, r in assignment.items()}}
    kz.create(f"/brokers/topics/{topic}", json.dumps(data).encode(), makepath=True)


def _state(zk, topic, p=0):
    path = f"/brokers/topics/{topic}/partitions/{p}/state"
    return _json(zk, path) if zk.exists(path) else None


def _partition_md(broker, topic, p=0):
    md = wire.metadata_v1(broker.bootstrap, [topic])
    t = next((t for t in md["topics"] if t["name"] == topic), None)
    if t is None:
        return None
    return next((x for x in t["partitions"] if x["partition"] == p), None)


def _all_brokers_show(brokers, topic, leader, replicas, isr, p=0):
    for b in brokers:
        part = _partition_md(b, topic, p)
        if part is None or (part["leader"], part["replicas"], sorted(part["isr"])) != (leader, replicas, sorted(isr)):
            return False
    return True


def _wait_online(zk, brokers, topic, replicas):
    harness.wait_until(lambda: (_state(zk, topic) or {}).get("leader") == replicas[0], WAIT, 0.2,
                       f"{topic}-0 to get its first leader")
    harness.wait_until(lambda: _all_brokers_show(brokers, topic, replicas[0], replicas, replicas), WAIT, 0.2,
                       f"every broker to know {topic}-0")


def _reassign(zk, entries, overwrite=False):
    data = json.dumps({"version": 1, "partitions": [
        {"topic": t, "partition": p, "replicas": r} for t, p, r in entries]}).encode()
    if overwrite:
        zk._kazoo.set("/admin/reassign_partitions", data)
    else:
        zk._kazoo.create("/admin/reassign_partitions", data, makepath=True)


def _gone(zk, path):
    return lambda: not zk.exists(path)


def _leader_adds_to_isr(zk, topic, p, isr):
    """What a partition leader does when followers catch up: a CAS write of the state znode keeping
    leader and leader epoch, then a notification for the controller."""
    path = f"/brokers/topics/{topic}/partitions/{p}/state"
    data, stat = zk._kazoo.get(path)
    state = json.loads(data)
    state["isr"] = isr
    zk._kazoo.set(path, json.dumps(state).encode(), version=stat.version)
    note = json.dumps({"version": 1, "partitions": [{"topic": topic, "partition": p}]}).encode()
    return zk._kazoo.create("/isr_change_notification/isr_change_", note, sequence=True, makepath=True)


def test_reorder_completes_at_once_then_preferred_election(broker_factory, zk):
    brokers = _cluster(broker_factory, zk)
    _create_topic(zk, "moves", {0: [0, 1, 2]})
    _wait_online(zk, brokers, "moves", [0, 1, 2])
    epoch = _state(zk, "moves")["leader_epoch"]

    # Same replicas, new order: every target replica is in the ISR, so it completes at once. The
    # leader (0) is still a target replica: it keeps leading, at a new leader epoch.
    _reassign(zk, [("moves", 0, [1, 0, 2])])
    harness.wait_until(_gone(zk, "/admin/reassign_partitions"), WAIT, 0.2, "the reassignment znode to go")
    topic = _json(zk, "/brokers/topics/moves")
    assert topic["partitions"] == {"0": [1, 0, 2]}
    assert topic["adding_replicas"] == {} and topic["removing_replicas"] == {}
    assert len(topic["topic_id"]) == 22
    state = _state(zk, "moves")
    assert state["leader"] == 0 and state["leader_epoch"] > epoch and sorted(state["isr"]) == [0, 1, 2]
    harness.wait_until(lambda: _all_brokers_show(brokers, "moves", 0, [1, 0, 2], [0, 1, 2]), WAIT, 0.2,
                       "the new replica order on every broker")

    # Preferred election: broker 1 is now the preferred leader. Unknown partitions are skipped.
    note = json.dumps({"version": 1, "partitions": [{"topic": "moves", "partition": 0},
                                                    {"topic": "nope", "partition": 0}]}).encode()
    zk._kazoo.create("/admin/preferred_replica_election", note, makepath=True)
    harness.wait_until(_gone(zk, "/admin/preferred_replica_election"), WAIT, 0.2, "the election znode to go")
    state = _state(zk, "moves")
    assert state["leader"] == 1 and sorted(state["isr"]) == [0, 1, 2], state
    harness.wait_until(lambda: _all_brokers_show(brokers, "moves", 1, [1, 0, 2], [0, 1, 2]), WAIT, 0.2,
                       "the preferred leader on every broker")
    controller = _json(zk, "/controller")["brokerid"]
    log = brokers[controller].log_text()
    assert "Changed partition moves-0 from OnlinePartition to OnlinePartition" in log


def test_shrink_completes_and_deletes_the_removed_replica(broker_factory, zk):
    brokers = _cluster(broker_factory, zk)
    _create_topic(zk, "shrink", {0: [0, 1, 2]})
    _wait_online(zk, brokers, "shrink", [0, 1, 2])
    harness.wait_until(lambda: brokers[2].partition_dir("shrink", 0).exists(), WAIT, 0.2, "broker 2's replica")

    _reassign(zk, [("shrink", 0, [0, 1])])
    harness.wait_until(_gone(zk, "/admin/reassign_partitions"), WAIT, 0.2, "the reassignment znode to go")
    assert _json(zk, "/brokers/topics/shrink")["partitions"] == {"0": [0, 1]}
    state = _state(zk, "shrink")
    assert state["leader"] == 0 and sorted(state["isr"]) == [0, 1], state
    harness.wait_until(lambda: not brokers[2].partition_dir("shrink", 0).exists(), WAIT, 0.2,
                       "broker 2 to delete its replica")
    harness.wait_until(lambda: _all_brokers_show(brokers, "shrink", 0, [0, 1], [0, 1]), WAIT, 0.2,
                       "the smaller replica set on every broker")


def test_move_completes_once_the_new_replica_joins_the_isr(broker_factory, zk):
    brokers = _cluster(broker_factory, zk)
    _create_topic(zk, "grow", {0: [0, 1]})
    _wait_online(zk, brokers, "grow", [0, 1])
    epoch = _state(zk, "grow")["leader_epoch"]

    # Move 0 -> 2. Entries for a topic or partition that does not exist are dropped from the znode.
    _reassign(zk, [("grow", 0, [2, 1]), ("ghost", 0, [0]), ("grow", 5, [0, 1])])

    def in_progress():
        t = _json(zk, "/brokers/topics/grow")
        return t["partitions"] == {"0": [2, 1, 0]} and t["adding_replicas"] == {"0": [2]} \
            and t["removing_replicas"] == {"0": [0]}
    harness.wait_until(in_progress, WAIT, 0.2, "RS = TRS + ORS with adding/removing in the topic znode")

    def only_grow_left():
        if not zk.exists("/admin/reassign_partitions"):
            return False
        return _json(zk, "/admin/reassign_partitions")["partitions"] == [
            {"topic": "grow", "partition": 0, "replicas": [2, 1]}]
    harness.wait_until(only_grow_left, WAIT, 0.2, "invalid entries removed from /admin/reassign_partitions")
    # The new replica is started (LeaderAndIsr to it) and fetches from the leader until caught up;
    # the leader then adds it to the ISR and reports the change, and the controller completes the
    # move (the old leader is not a target: the first target replica in the ISR leads, 0 leaves).
    harness.wait_until(lambda: brokers[2].partition_dir("grow", 0).exists(), WAIT, 0.2, "broker 2's new replica")
    harness.wait_until(_gone(zk, "/admin/reassign_partitions"), WAIT, 0.2, "the reassignment znode to go")
    topic = _json(zk, "/brokers/topics/grow")
    assert topic["partitions"] == {"0": [2, 1]}
    assert topic["adding_replicas"] == {} and topic["removing_replicas"] == {}
    harness.wait_until(lambda: (_state(zk, "grow")["leader"], sorted(_state(zk, "grow")["isr"])) == (2, [1, 2]),
                       WAIT, 0.2, "broker 2 leading with ISR [1, 2]")
    assert _state(zk, "grow")["leader_epoch"] > epoch
    harness.wait_until(lambda: not brokers[0].partition_dir("grow", 0).exists(), WAIT, 0.2,
                       "broker 0 to delete its replica")
    harness.wait_until(lambda: _all_brokers_show(brokers, "grow", 2, [2, 1], [1, 2]), WAIT, 0.2,
                       "the moved partition on every broker")


def test_reassignment_cancelled_through_zookeeper(broker_factory, zk):
    brokers = _cluster(broker_factory, zk)
    _create_topic(zk, "undo", {0: [0, 1]})
    _wait_online(zk, brokers, "undo", [0, 1])
    _reassign(zk, [("undo", 0, [2, 1])])
    harness.wait_until(lambda: _json(zk, "/brokers/topics/undo")["adding_replicas"] == {"0": [2]}, WAIT, 0.2,
                       "the move to start")
    harness.wait_until(lambda: brokers[2].partition_dir("undo", 0).exists(), WAIT, 0.2, "broker 2's new replica")

    # Asking for the original replicas again ends the move where it started.
    _reassign(zk, [("undo", 0, [0, 1])], overwrite=True)
    harness.wait_until(_gone(zk, "/admin/reassign_partitions"), WAIT, 0.2, "the reassignment znode to go")
    topic = _json(zk, "/brokers/topics/undo")
    assert topic["partitions"] == {"0": [0, 1]}
    assert topic["adding_replicas"] == {} and topic["removing_replicas"] == {}
    state = _state(zk, "undo")
    assert state["leader"] == 0 and sorted(state["isr"]) == [0, 1], state
    harness.wait_until(lambda: not brokers[2].partition_dir("undo", 0).exists(), WAIT, 0.2,
                       "broker 2 to delete the replica it no longer needs")
    harness.wait_until(lambda: _all_brokers_show(brokers, "undo", 0, [0, 1], [0, 1]), WAIT, 0.2,
                       "the original replicas on every broker")


def test_isr_change_notification_reaches_every_broker(broker_factory, zk):
    brokers = _cluster(broker_factory, zk)
    _create_topic(zk, "isr", {0: [0, 1, 2]})
    _wait_online(zk, brokers, "isr", [0, 1, 2])
    note = _leader_adds_to_isr(zk, "isr", 0, [0, 2])  # a leader shrinking its ISR
    harness.wait_until(_gone(zk, note), WAIT, 0.2, "the controller to delete the ISR change notification")
    harness.wait_until(lambda: _all_brokers_show(brokers, "isr", 0, [0, 1, 2], [0, 2]), WAIT, 0.2,
                       "the shrunk ISR on every broker")
    assert zk.children("/isr_change_notification") == []


def test_reassignment_resumes_after_controller_failover(broker_factory, zk):
    brokers = _cluster(broker_factory, zk)
    assert _json(zk, "/controller")["brokerid"] == 0
    _create_topic(zk, "resume", {0: [1]})
    _wait_online(zk, brokers, "resume", [1])
    _reassign(zk, [("resume", 0, [1, 2])])
    harness.wait_until(lambda: _json(zk, "/brokers/topics/resume")["adding_replicas"] == {"0": [2]}, WAIT, 0.2,
                       "the move to start")

    # The controller dies mid-move; its successor rebuilds the move from ZooKeeper.
    brokers[0].kill9()
    harness.wait_until(lambda: zk.exists("/controller") and _json(zk, "/controller")["brokerid"] in (1, 2),
                       WAIT, 0.2, "a new controller")
    survivors = brokers[1:]
    # Broker 2 catches up by fetching (before or after the fail-over); the new controller finishes
    # the move once it sees the target replicas in the ISR.
    harness.wait_until(_gone(zk, "/admin/reassign_partitions"), WAIT, 0.2, "the new controller to finish the move")
    topic = _json(zk, "/brokers/topics/resume")
    assert topic["partitions"] == {"0": [1, 2]} and topic["adding_replicas"] == {}
    harness.wait_until(lambda: _all_brokers_show(survivors, "resume", 1, [1, 2], [1, 2]), WAIT, 0.2,
                       "the completed move on the survivors")


@pytest.mark.parametrize("enabled", [True, False])
def test_auto_leader_rebalance(broker_factory, zk, enabled):
    """auto.leader.rebalance.enable: the controller checks every leader.imbalance.check.interval.seconds
    (first after 5 s) and moves leadership back to preferred replicas whose broker leads too few of its
    partitions (more than leader.imbalance.per.broker.percentage missing)."""
    props = {"auto.leader.rebalance.enable": str(enabled).lower(), "leader.imbalance.check.interval.seconds": "1"}
    brokers = [broker_factory(broker_id=i, extra_props=props) for i in range(3)]
    harness.wait_until(lambda: zk.children("/brokers/ids") == ["0", "1", "2"], WAIT, 0.2, "every registration")
    _create_topic(zk, "balance", {0: [0, 1, 2]})
    _wait_online(zk, brokers, "balance", [0, 1, 2])
    # A reorder keeps broker 0 leading but makes broker 1 the preferred replica: broker 1 leads 0 of
    # the 1 partition it should lead (100% imbalance).
    _reassign(zk, [("balance", 0, [1, 0, 2])])
    harness.wait_until(_gone(zk, "/admin/reassign_partitions"), WAIT, 0.2, "the reassignment znode to go")
    assert _state(zk, "balance")["leader"] == 0
    if enabled:
        harness.wait_until(lambda: _state(zk, "balance")["leader"] == 1, WAIT, 0.2, "the auto rebalance")
        harness.wait_until(lambda: _all_brokers_show(brokers, "balance", 1, [1, 0, 2], [0, 1, 2]), WAIT, 0.2,
                           "the preferred leader on every broker")
    else:
        # Disabled: several check intervals (and the 5 s first delay) pass without a move.
        deadline = harness.time.monotonic() + 8
        while harness.time.monotonic() < deadline:
            assert _state(zk, "balance")["leader"] == 0
            harness.time.sleep(0.5)
