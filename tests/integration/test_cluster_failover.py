"""Failures on a 3-broker cluster: kill -9 of the controller (another broker takes over within the
ZooKeeper session timeout, with the next epoch) and of a partition leader under a running producer
(new leaders from the ISR, the producer never sees an error), and each broker's return.

Data replication is issue 6: followers hold empty logs, so these tests check leadership, metadata
and the clients' view, not that records survive a leader's death (the producer uses acks=1)."""

import collections
import json
import threading
import time

from confluent_kafka import Producer

import clients
import harness
import znode_schema

SESSION_TIMEOUT_S = 6.0  # zookeeper.session.timeout.ms in harness.Broker
# Time a survivor may need after the session expired: ZooKeeper's expiry check (tickTime 500 ms),
# the watch, the election and a loaded 2-core CI machine.
ELECTION_SLACK_S = 4.0


def _fully_led(topic, partitions):
    def check(md):
        parts = md["topics"][topic]["partitions"]
        return len(parts) == partitions and all(
            v["leader"] >= 0 and sorted(v["isr"]) == sorted(v["replicas"]) for v in parts.values())
    return check


def _led_without(topic, dead, live):
    """check(): every partition of topic is led by a live broker from its ISR, `dead` is out of every
    ISR and is the only offline replica."""
    def check(md):
        for v in md["topics"][topic]["partitions"].values():
            if v["leader"] not in live or v["leader"] not in v["isr"] or dead in v["isr"]:
                return False
            if v["offline"] != ([dead] if dead in v["replicas"] else []):
                return False
        return True
    return check


def _all_online(topic):
    def check(md):
        return all(v["leader"] >= 0 and v["offline"] == [] for v in md["topics"][topic]["partitions"].values())
    return check


def _states(c, topic, partitions):
    return {p: json.loads(c.zk.get(f"/brokers/topics/{topic}/partitions/{p}/state")) for p in range(partitions)}


def _czxid(c, path):
    return c.zk._kazoo.get(path)[1].czxid


def _assert_schema(c):
    problems = znode_schema.check_tree(c.zk._kazoo)
    assert problems == [], "\n".join(problems)


def test_kill9_controller_another_broker_takes_over_within_the_session_timeout(cluster_factory):
    c = cluster_factory()
    clients.create_topic(c.bootstrap, "cf", partitions=3, replication=3)
    c.wait_consistent(["cf"], 30, _fully_led("cf", 3))
    old = c.controller_id()
    epoch = c.controller_epoch()
    states = _states(c, "cf", 3)
    survivors = set(c.brokers) - {old}

    started = time.monotonic()
    c[old].kill9()
    new = c.wait_controller(among=survivors, timeout=SESSION_TIMEOUT_S + 30)
    elapsed = time.monotonic() - started
    print(f"broker {new} became controller {elapsed:.1f} s after broker {old} was killed")
    assert elapsed < SESSION_TIMEOUT_S + ELECTION_SLACK_S, f"new controller after {elapsed:.1f} s"
    assert c.controller_epoch() == epoch + 1

    # Every survivor: the new controller, the dead broker gone, leaders from the ISR.
    md = c.wait_consistent(["cf"], 30, _led_without("cf", old, survivors))
    assert md["controller_id"] == new and sorted(md["brokers"]) == sorted(survivors)
    after = _states(c, "cf", 3)
    for p, before in states.items():
        state = after[p]
        got = md["topics"]["cf"]["partitions"][p]
        assert (got["leader"], got["isr"], got["leader_epoch"]) == \
            (state["leader"], state["isr"], state["leader_epoch"])
        assert state["leader"] in before["isr"] and old not in state["isr"]
        # Kafka bumps the leader epoch on every controller-made leader or ISR change.
        assert state["leader_epoch"] > before["leader_epoch"], (p, before, state)
        assert state["controller_epoch"] == epoch + 1
    _assert_schema(c)

    # The old controller comes back as an ordinary broker: the controller stays, its replicas are
    # online again on every broker.
    controller_czxid = _czxid(c, "/controller")
    harness.start_after_kill(c[old])
    md = c.wait_consistent(["cf"], 60, _all_online("cf"))
    assert md["controller_id"] == new and sorted(md["brokers"]) == [0, 1, 2]
    assert c.controller_epoch() == epoch + 1 and _czxid(c, "/controller") == controller_czxid
    _assert_schema(c)


class _ProducerFlow:
    """A confluent-kafka producer (acks=1, retries, no idempotence: issue 7) sending to every
    partition of a topic from a thread until stopped. Delivery errors are what the application
    would see."""

    def __init__(self, bootstrap, topic, partitions):
        self.topic = topic
        self.partitions = partitions
        self.errors = []
        self.delivered = collections.defaultdict(list)  # partition -> monotonic delivery times
        self._stop = threading.Event()
        self._producer = Producer({
            "bootstrap.servers": bootstrap, "acks": "1", "linger.ms": 5, "enable.idempotence": False,
            "message.timeout.ms": 90000, "retry.backoff.ms": 100, "topic.metadata.refresh.interval.ms": 2000,
            **clients.QUIET_LOG})
        self._thread = threading.Thread(target=self._run, daemon=True)
        self.undelivered = None

    def _on_delivery(self, err, msg):
        if err is not None:
            self.errors.append(err)
        else:
            self.delivered[msg.partition()].append(time.monotonic())

    def _run(self):
        i = 0
        while not self._stop.is_set():
            try:
                self._producer.produce(self.topic, value=b"v%d" % i, key=b"k%d" % i, partition=i % self.partitions,
                                       on_delivery=self._on_delivery)
                i += 1
            except BufferError:
                pass
            self._producer.poll(0.005)
        self.undelivered = self._producer.flush(120)

    def start(self):
        self._thread.start()
        return self

    def stop(self):
        self._stop.set()
        self._thread.join(150)
        assert not self._thread.is_alive(), "the producer did not finish flushing"

    def delivered_since(self, t):
        return {p: sum(1 for d in self.delivered[p] if d >= t) for p in range(self.partitions)}


def test_kill9_leader_new_leaders_from_isr_producer_carries_on_and_it_rejoins(cluster_factory):
    c = cluster_factory()
    clients.create_topic(c.bootstrap, "flow", partitions=3, replication=3)
    md = c.wait_consistent(["flow"], 30, _fully_led("flow", 3))
    controller = c.controller_id()
    leaders = {p: v["leader"] for p, v in md["topics"]["flow"]["partitions"].items()}
    victim = next(b for b in sorted(set(leaders.values())) if b != controller)  # a leader, not the controller
    led_by_victim = sorted(p for p, b in leaders.items() if b == victim)
    before = _states(c, "flow", 3)
    victim_epoch = _czxid(c, f"/brokers/ids/{victim}")
    survivors = set(c.brokers) - {victim}

    flow = _ProducerFlow(c.bootstrap, "flow", 3).start()
    try:
        harness.wait_until(lambda: all(flow.delivered_since(0).values()), 30, 0.1, "deliveries to every partition")
        c[victim].kill9()
        md = c.wait_consistent(["flow"], SESSION_TIMEOUT_S + 30, _led_without("flow", victim, survivors))
        failed_over = time.monotonic()
        after = _states(c, "flow", 3)
        for p in range(3):
            assert after[p]["leader"] in before[p]["isr"], (p, before[p], after[p])
            if p in led_by_victim:
                assert after[p]["leader"] != victim and after[p]["leader_epoch"] > before[p]["leader_epoch"]
            else:
                assert after[p]["leader"] == before[p]["leader"], "a partition whose leader lived kept it"
        assert md["controller_id"] == controller
        # The producer goes on: every partition, including those that moved, takes records.
        harness.wait_until(lambda: all(n >= 20 for n in flow.delivered_since(failed_over).values()), 60, 0.1,
                           "deliveries to every partition after the fail-over")
        assert flow.errors == []

        # The victim restarts: a new registration (a new broker epoch), its replicas online again on
        # every broker, leadership where the fail-over put it.
        state_log = c[controller].log_files_dir / "state-change.log"
        logged_before = len(state_log.read_bytes())
        harness.start_after_kill(c[victim])
        assert _czxid(c, f"/brokers/ids/{victim}") > victim_epoch
        md = c.wait_consistent(["flow"], 60, _all_online("flow"))
        assert sorted(md["brokers"]) == [0, 1, 2]
        assert {p: v["leader"] for p, v in md["topics"]["flow"]["partitions"].items()} == \
            {p: s["leader"] for p, s in after.items()}
        # The controller's state-change.log (Kafka's file and wording) shows the victim's replicas
        # coming back online and the LeaderAndIsr that gives them back to it.
        wanted = [f"Changed state of replica {victim} for partition flow-{p} from OfflineReplica to OnlineReplica"
                  for p in range(3)] + [f"Sending LeaderAndIsr request to broker {victim}"]
        harness.wait_until(lambda: all(w in state_log.read_bytes()[logged_before:].decode() for w in wanted),
                           30, 0.2, f"{wanted} in {state_log}")
        rejoined = time.monotonic()
        harness.wait_until(lambda: all(n >= 20 for n in flow.delivered_since(rejoined).values()), 60, 0.1,
                           "deliveries after the broker rejoined")
    finally:
        flow.stop()
    assert flow.undelivered == 0 and flow.errors == [], (flow.undelivered, flow.errors[:5])
    _assert_schema(c)
