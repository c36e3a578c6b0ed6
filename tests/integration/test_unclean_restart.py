"""The unclean-shutdown rule (docs/DURABILITY.md, "Unclean shutdown"), checked in ZooKeeper on a
3-broker cluster: a broker restarting without the clean-shutdown marker takes itself out of every
ISR it shares with another replica (and gives up leadership) before it registers, stays where it
is alone, and the controller then elects from the remaining ISR.

1. One broker killed with SIGKILL: the controller moves on first (the broker leaves every ISR by
   the controller's hand), so on restart the rule finds nothing to change, and a partition whose
   only replica it is comes back led by it.
2. The whole cluster killed with SIGKILL: the first broker back finds itself in 3-member ISRs and
   leaves them. A test-held /controller keeps every broker from acting as controller meanwhile,
   so the znodes show exactly what the rule wrote."""

import json
import os
import time

from confluent_kafka.admin import NewTopic

import clients
import harness

SESSION_TIMEOUT_S = 6.0  # zookeeper.session.timeout.ms in harness.Broker


def _states(c, topic, partitions):
    """{partition: (state dict, zkVersion)} from ZooKeeper."""
    out = {}
    for p in range(partitions):
        data, stat = c.zk._kazoo.get(f"/brokers/topics/{topic}/partitions/{p}/state")
        out[p] = (json.loads(data), stat.version)
    return out


def _fully_in_sync(topic, partitions):
    def check(md):
        parts = md["topics"][topic]["partitions"]
        return len(parts) == partitions and all(
            v["leader"] >= 0 and sorted(v["isr"]) == sorted(v["replicas"]) for v in parts.values())
    return check


def _launch(broker):
    """Starts a broker process without waiting for it to serve (it cannot while no controller
    acts); the harness stops it like any other."""
    broker.write_config()
    env = dict(os.environ)
    env.setdefault("GREGOR_LOG_LEVEL", "info")
    env.pop("LOG_DIR", None)
    if broker.log_files_dir is not None:
        env["LOG_DIR"] = str(broker.log_files_dir)
    broker.proc = harness.ManagedProcess([str(broker.binary), str(broker.config_path)], broker.log_path, env=env)


def _wait_registered(c, broker_id, timeout=60):
    def registered():
        if not c[broker_id].alive():
            raise AssertionError(f"broker {broker_id} exited:\n{c[broker_id].log_text()}")
        return c.zk.exists(f"/brokers/ids/{broker_id}")
    harness.wait_until(registered, timeout, 0.1, f"broker {broker_id} registered")


def test_single_kill9_controller_moves_on_then_restart_changes_nothing(cluster_factory):
    c = cluster_factory()
    clients.create_topic(c.bootstrap, "ur", partitions=3, replication=3)
    controller = c.controller_id()
    victim = next(i for i in sorted(c.brokers) if i != controller)
    admin = clients.admin(c.bootstrap)  # must outlive the future
    fs = admin.create_topics([NewTopic("solo", 1, replica_assignment=[[victim]])], operation_timeout=30,
                             request_timeout=30)
    fs["solo"].result(30)
    md = c.wait_consistent(["ur", "solo"], 30, _fully_in_sync("ur", 3))
    assert any(v["leader"] == victim for v in md["topics"]["ur"]["partitions"].values()), \
        "placement gives every broker a leadership of a 3-partition RF=3 topic"

    c[victim].kill9()
    survivors = set(c.brokers) - {victim}

    def moved_on(md):
        for v in md["topics"]["ur"]["partitions"].values():
            if v["leader"] not in survivors or victim in v["isr"]:
                return False
        return md["topics"]["solo"]["partitions"][0]["leader"] == -1
    c.wait_consistent(["ur", "solo"], SESSION_TIMEOUT_S + 30, moved_on)
    after_failover = _states(c, "ur", 3)
    solo_state, _ = _states(c, "solo", 1)[0]
    assert solo_state["isr"] == [victim] and solo_state["leader"] == -1, "the last ISR member stays in it"

    harness.start_after_kill(c[victim])
    log = c[victim].log_text()
    assert "unclean shutdown of log dir(s)" in log, log[-3000:]
    assert "left the ISR of 0 partition(s) after an unclean shutdown" in log, log[-3000:]
    # Nothing for the rule to do: the controller had taken it out already; alone in solo's ISR it
    # stays and leads again.
    md = c.wait_consistent(["ur", "solo"], 60,
                           lambda md: md["topics"]["solo"]["partitions"][0]["leader"] == victim and all(
                               v["leader"] >= 0 for v in md["topics"]["ur"]["partitions"].values()))
    now = _states(c, "ur", 3)
    for p, (state, _) in after_failover.items():
        assert now[p][0]["leader"] == state["leader"], "no leadership moved because of the restart"
        assert now[p][0]["leader_epoch"] == state["leader_epoch"]
    assert _states(c, "solo", 1)[0][0]["isr"] == [victim]

    # It rejoins every ISR by fetching from the leaders (issue 6 replication).
    c.wait_consistent(["ur"], 60, _fully_in_sync("ur", 3))


def test_whole_cluster_kill9_first_broker_back_leaves_the_isrs(cluster_factory):
    c = cluster_factory()
    clients.create_topic(c.bootstrap, "wc", partitions=3, replication=3)
    md = c.wait_consistent(["wc"], 30, _fully_in_sync("wc", 3))
    before = _states(c, "wc", 3)
    assert all(sorted(s["isr"]) == [0, 1, 2] for s, _ in before.values())

    for i in sorted(c.brokers):
        c[i].kill9()
    harness.wait_until(lambda: c.zk.children("/brokers/ids") == [] and not c.zk.exists("/controller"),
                       SESSION_TIMEOUT_S + 30, 0.2, "every session to expire")
    # Nobody acts as controller until the test lets go: the znodes show only the rule's writes.
    c.zk._kazoo.create("/controller", json.dumps(
        {"version": 1, "brokerid": 99, "timestamp": str(int(time.time() * 1000))}).encode(), ephemeral=True)
    assert _states(c, "wc", 3) == before, "nothing changed while every broker was down"

    first = 1
    _launch(c[first])
    _wait_registered(c, first)
    after = _states(c, "wc", 3)
    for p, (state, version) in before.items():
        got, got_version = after[p]
        assert got["isr"] == [r for r in state["isr"] if r != first], (p, state, got)
        assert got["leader"] == (-1 if state["leader"] == first else state["leader"]), (p, state, got)
        assert got["leader_epoch"] == state["leader_epoch"] and got["controller_epoch"] == state["controller_epoch"]
        assert got_version == version + 1, "one compare-and-set write"
    notified = []
    for name in c.zk.children("/isr_change_notification"):
        body = json.loads(c.zk.get(f"/isr_change_notification/{name}"))
        notified += [(x["topic"], x["partition"]) for x in body["partitions"]]
    assert sorted(notified) == [("wc", p) for p in range(3)]
    log = c[first].log_text()
    assert "left the ISR of 3 partition(s) after an unclean shutdown" in log, log[-3000:]

    # The others come back: each leaves what it still shares (the last one back stays alone in the
    # ISR and leads). Then a real controller takes over and every partition gets a leader.
    second = 2
    _launch(c[second])
    _wait_registered(c, second)
    for p, (state, _) in _states(c, "wc", 3).items():
        assert first not in state["isr"] and second not in state["isr"], (p, state)
        assert state["isr"] == [0], (p, state)
    _launch(c[0])
    _wait_registered(c, 0)
    for p, (state, _) in _states(c, "wc", 3).items():
        assert state["isr"] == [0], "alone in the ISR: stays"
    c.zk._kazoo.delete("/controller")
    md = c.wait_consistent(["wc"], 60, lambda md: all(
        v["leader"] == 0 for v in md["topics"]["wc"]["partitions"].values()))
    # The others rejoin by catching up with the leader (issue 6 replication).
    c.wait_consistent(["wc"], 60, _fully_in_sync("wc", 3))


def test_unclean_election_only_where_the_topic_allows_it_and_the_loss_is_logged(cluster_factory):
    """Two RF=2 topics on brokers a and b (the controller elsewhere), unclean election enabled only
    on "loose": b stops cleanly (ISR = [a]), a dies; when b returns, "loose" gets b as leader
    uncleanly, with WARN lines naming the loss in controller.log and state-change.log, while
    "strict" stays offline (broker default: false)."""
    c = cluster_factory(extra_props={"auto.leader.rebalance.enable": "false"})
    controller = c.controller_id()
    a, b = sorted(i for i in c.brokers if i != controller)
    admin = clients.admin(c.bootstrap)  # must outlive the futures
    fs = admin.create_topics([
        NewTopic("loose", 1, replica_assignment=[[a, b]], config={"unclean.leader.election.enable": "true"}),
        NewTopic("strict", 1, replica_assignment=[[a, b]])], operation_timeout=30, request_timeout=30)
    for f in fs.values():
        f.result(30)
    for t in ("loose", "strict"):
        harness.wait_isr(c.zk, t, 0, lambda isr: isr == sorted([a, b]), 60)

    assert c[b].stop() == 0  # controlled shutdown: b leaves both ISRs
    for t in ("loose", "strict"):
        harness.wait_isr(c.zk, t, 0, lambda isr: isr == [a], 30)
    c[a].kill9()
    harness.wait_until(lambda: all(harness.partition_state(c.zk, t, 0)[0]["leader"] == -1 for t in ("loose", "strict")),
                       SESSION_TIMEOUT_S + 30, 0.2, "both partitions offline")
    logs = c[controller].log_files_dir
    assert "Unclean leader election" not in (logs / "controller.log").read_text()

    c[b].start()
    loose = harness.wait_until(lambda: (lambda s: s if s["leader"] == b else None)(
        harness.partition_state(c.zk, "loose", 0)[0]), 60, 0.2, f"broker {b} elected uncleanly for loose")
    assert loose["isr"] == [b] and loose.get("leader_recovery_state") == 1, loose
    strict, _ = harness.partition_state(c.zk, "strict", 0)
    assert strict["leader"] == -1 and strict["isr"] == [a], "no unclean election without the topic's consent"

    for name in ("controller.log", "state-change.log"):
        text = (logs / name).read_text()
        lines = [ln for ln in text.splitlines() if "Unclean leader election for partition loose-0" in ln]
        assert len(lines) == 1, (name, lines)
        line = lines[0]
        assert "WARN" in line.upper() and f"replica {b} was elected leader" in line and f"ISR [{a}]" in line, line
        assert "leader epoch" in line and "may be lost" in line, line
        assert "strict-0" not in "\n".join(ln for ln in text.splitlines() if "Unclean leader election" in ln)


def test_controller_elects_when_a_notified_state_has_no_leader(cluster_factory):
    """What an unclean restart writes while a controller runs (leader -1, ISR without the broker,
    an isr_change notification): the controller elects from the remaining ISR at once, with a new
    leader epoch, and every broker learns it."""
    c = cluster_factory()
    clients.create_topic(c.bootstrap, "nl", partitions=3, replication=3)
    md = c.wait_consistent(["nl"], 30, _fully_in_sync("nl", 3))
    controller = c.controller_id()
    p, leader = next((p, v["leader"]) for p, v in sorted(md["topics"]["nl"]["partitions"].items())
                     if v["leader"] != controller)
    state, version = harness.partition_state(c.zk, "nl", p)
    written = dict(state, leader=-1, isr=[r for r in state["isr"] if r != leader])
    c.zk._kazoo.set(f"/brokers/topics/nl/partitions/{p}/state", json.dumps(written).encode(), version=version)
    c.zk._kazoo.create("/isr_change_notification/isr_change_", json.dumps(
        {"version": 1, "partitions": [{"topic": "nl", "partition": p}]}).encode(), sequence=True)

    def elected():
        s, _ = harness.partition_state(c.zk, "nl", p)
        return s if s["leader"] >= 0 else None
    s = harness.wait_until(elected, 15, 0.1, "a leader elected from the remaining ISR")
    # The new leader may already have taken the old one back into the ISR (it is alive and
    # follows at once); nobody else may appear.
    assert s["leader"] in written["isr"] and set(written["isr"]) <= set(s["isr"]) <= set(written["isr"]) | {leader}, \
        (written, s)
    assert s["leader_epoch"] == state["leader_epoch"] + 1
    c.wait_consistent(["nl"], 30, lambda md: md["topics"]["nl"]["partitions"][p]["leader"] == s["leader"])
    assert c.zk.children("/isr_change_notification") == [], "the controller deletes what it processed"
