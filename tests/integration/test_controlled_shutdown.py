"""Controlled shutdown (ZOOKEEPER-LAYOUT §7): SIGTERM makes a broker ask the controller to move its
leaderships away before it stops, so that no partition is ever without a leader. Also: the
ControlledShutdown API in every version over the wire, the old path with
controlled.shutdown.enable=false, and bounded retries when the controller does not answer."""

import json
import signal
import struct
import threading
import time

import pytest

import clients
import harness
import wire

API_CONTROLLED_SHUTDOWN = 7
ERR_BROKER_NOT_AVAILABLE = 8
ERR_NOT_CONTROLLER = 41
ERR_STALE_BROKER_EPOCH = 77

FAST = {"controlled.shutdown.retry.backoff.ms": "500"}


def _start_cluster(broker_factory, zk, n, extra=None):
    brokers = [broker_factory(broker_id=i, extra_props={**FAST, **(extra or {})}) for i in range(n)]
    ids = [str(i) for i in range(n)]
    harness.wait_until(lambda: zk.children("/brokers/ids") == ids, 30, 0.2, "every registration")
    harness.wait_until(lambda: all(len(wire.metadata_v1(b.bootstrap)["brokers"]) == n for b in brokers),
                       30, 0.2, "every broker in every metadata cache")
    return brokers


def _controller(zk):
    return json.loads(zk.get("/controller"))["brokerid"]


def _leaders(bootstrap, topic):
    md = wire.metadata_v1(bootstrap)
    t = next(t for t in md["topics"] if t["name"] == topic)
    return {p["partition"]: p["leader"] for p in t["partitions"]}


class LeaderWatch:
    """Polls Metadata v1 from one broker every 20 ms on a thread; records (time, leaders)."""

    def __init__(self, bootstrap, topic):
        self.bootstrap = bootstrap
        self.topic = topic
        self.samples = []
        self.errors = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join(10)

    def _run(self):
        with wire.Connection(self.bootstrap, timeout=5) as c:
            while not self._stop.is_set():
                try:
                    md = wire.metadata(c, 1, None)
                    t = next((t for t in md["topics"] if t["name"] == self.topic), None)
                    if t is not None:
                        self.samples.append((time.monotonic(), {p["partition"]: p["leader"] for p in t["partitions"]},
                                             {b["node_id"] for b in md["brokers"]}))
                except Exception as e:  # noqa: BLE001 - recorded and asserted on
                    self.errors.append(repr(e))
                    return
                time.sleep(0.02)


def _sigterm_leader_broker(brokers, zk, victim_id, survivor_id, topic, partitions):
    victim = brokers[victim_id]
    survivor = brokers[survivor_id]
    led_before = [p for p, leader in _leaders(survivor.bootstrap, topic).items() if leader == victim_id]
    assert led_before, "the victim must lead something for this test to mean anything"
    with LeaderWatch(survivor.bootstrap, topic) as watch:
        time.sleep(0.2)
        code = victim.stop(signal.SIGTERM, timeout=60)
        exited = time.monotonic()
        time.sleep(2.0)  # the controller's broker-change handling after the registration is gone
    assert code == 0
    assert not watch.errors, watch.errors
    assert len(watch.samples) > 20
    offline = [(t, leaders) for t, leaders, _ in watch.samples if -1 in leaders.values()]
    assert not offline, f"partitions without a leader during the controlled shutdown: {offline[:3]}"
    # Leadership moved while the victim was still a live, registered broker: without a controlled
    # shutdown it moves only once the registration is gone, in the same update that drops the broker.
    moved_while_registered = [t for t, leaders, live in watch.samples
                              if victim_id in live and victim_id not in leaders.values()]
    assert moved_while_registered, [(round(t - exited, 3), l, b) for t, l, b in watch.samples if abs(t - exited) < 1]
    assert min(moved_while_registered) < exited
    after = [leaders for t, leaders, _ in watch.samples if t > exited + 1.0]
    assert after and all(victim_id not in leaders.values() for leaders in after), after[-1:]
    log = victim.log_text()
    assert "Starting controlled shutdown" in log
    assert "Controlled shutdown request returned successfully" in log
    assert "Proceeding to do an unclean shutdown" not in log
    final = _leaders(survivor.bootstrap, topic)
    assert sorted(final) == list(range(partitions)) and all(l >= 0 and l != victim_id for l in final.values())
    return led_before


@pytest.mark.parametrize("stop_the_controller", [False, True], ids=["follower-broker", "controller-broker"])
def test_sigterm_moves_leadership_before_exit(broker_factory, zk, stop_the_controller):
    brokers = _start_cluster(broker_factory, zk, 3)
    clients.create_topic(brokers[0].bootstrap, "cs", partitions=3, replication=3)
    for b in brokers:
        clients.wait_topic_ready(b.bootstrap, "cs", 3)
    controller = _controller(zk)
    leaders = _leaders(brokers[0].bootstrap, "cs")
    if stop_the_controller:
        victim = controller
    else:
        victim = next(l for l in leaders.values() if l != controller)
    survivor = next(i for i in range(3) if i not in (victim, controller)) if not stop_the_controller else \
        next(i for i in range(3) if i != victim)
    _sigterm_leader_broker(brokers, zk, victim, survivor, "cs", 3)
    # Clients carry on against the survivors.
    bootstrap = ",".join(b.bootstrap for i, b in enumerate(brokers) if i != victim)
    records = clients.make_records(30, "after")
    delivered = clients.confluent_produce(bootstrap, "cs", records)
    assert len(delivered) == 30
    if stop_the_controller:
        harness.wait_until(lambda: zk.exists("/controller") and _controller(zk) != victim, 30, 0.2, "a new controller")


def test_disabled_controlled_shutdown_uses_the_old_path(broker_factory, zk):
    brokers = _start_cluster(broker_factory, zk, 2, {"controlled.shutdown.enable": "false"})
    clients.create_topic(brokers[0].bootstrap, "plain", partitions=2, replication=2)
    clients.wait_topic_ready(brokers[0].bootstrap, "plain", 2)
    assert brokers[1].stop() == 0
    assert "Starting controlled shutdown" not in brokers[1].log_text()
    # The controller reacts to the registration disappearing: every partition led by broker 0.
    harness.wait_until(lambda: set(_leaders(brokers[0].bootstrap, "plain").values()) == {0}, 30, 0.2,
                       "broker 0 to lead every partition")


def test_unreachable_controller_bounded_retries(broker_factory, zk):
    """The controller is frozen (SIGSTOP): every attempt times out after controller.socket.timeout.ms;
    after controlled.shutdown.max.retries attempts the broker stops anyway and exits 0."""
    extra = {"controller.socket.timeout.ms": "1000", "controlled.shutdown.max.retries": "3",
             "controlled.shutdown.retry.backoff.ms": "300", "zookeeper.session.timeout.ms": "30000"}
    brokers = _start_cluster(broker_factory, zk, 2, extra)
    assert _controller(zk) == 0
    brokers[0].proc.send_signal(signal.SIGSTOP)
    try:
        started = time.monotonic()
        code = brokers[1].stop(timeout=60)
        took = time.monotonic() - started
    finally:
        brokers[0].proc.send_signal(signal.SIGCONT)
    assert code == 0
    # Bound: 3 attempts x (connect + round trip, 1 s each at most) + 2 back-offs of 0.3 s, plus the
    # ordinary shutdown.
    assert took < 3 * 2 * 1.0 + 2 * 0.3 + 5, took
    log = brokers[1].log_text()
    assert log.count("Retrying controlled shutdown") == 2, log
    assert "Proceeding to do an unclean shutdown as all the controlled shutdown attempts failed" in log


# ------------------------------------------------------------------------------------ raw wire

def _controlled_shutdown(bootstrap, version, broker_id, broker_epoch=-1):
    """ControlledShutdown at `version`; v0 goes with request header v0 (no client id)."""
    flexible = version >= 3
    body = struct.pack(">i", broker_id)
    if version >= 2:
        body += struct.pack(">q", broker_epoch)
    if flexible:
        body += wire.uvarint(0)
    with wire.Connection(bootstrap) as c:
        corr = c.next_correlation()
        if version == 0:
            header = struct.pack(">hhi", API_CONTROLLED_SHUTDOWN, 0, corr)
        else:
            header = wire.request_header(API_CONTROLLED_SHUTDOWN, version, corr, "itest", flexible=flexible)
        c.send_raw(wire.frame(header + body))
        resp = c.recv_frame()
    assert struct.unpack(">i", resp[:4])[0] == corr
    r = wire.FlexReader(resp[4:], flexible)
    r.tags()
    error = r.int16()

    def partition(rr):
        out = (rr.str(), rr.int32())
        rr.tags()
        return out
    remaining = r.arr(partition)
    r.tags()
    assert r.remaining() == 0
    return error, remaining


@pytest.mark.parametrize("version", [0, 1, 2, 3])
def test_wire_every_version(broker_factory, zk, version):
    b0, b1 = _start_cluster(broker_factory, zk, 2)
    assert _controller(zk) == 0
    # Not the controller.
    assert _controlled_shutdown(b1.bootstrap, version, 1) == (ERR_NOT_CONTROLLER, [])
    # A broker the controller does not know.
    assert _controlled_shutdown(b0.bootstrap, version, 9) == (ERR_BROKER_NOT_AVAILABLE, [])
    if version >= 2:
        assert _controlled_shutdown(b0.bootstrap, version, 1, 1) == (ERR_STALE_BROKER_EPOCH, [])
    # Broker 1 leads only single-replica partitions: nothing to move.
    clients.create_topic(b0.bootstrap, "single", partitions=2, replication=1)
    clients.wait_topic_ready(b0.bootstrap, "single", 2)
    epoch = zk._kazoo.exists("/brokers/ids/1").czxid if zk._kazoo is not None else -1
    assert _controlled_shutdown(b0.bootstrap, version, 1, epoch if version >= 2 else -1) == (0, [])


def test_wire_remaining_partitions_listed(broker_factory, zk):
    """With no other replica in the ISR the controller cannot move a leadership: the reply lists the
    partition, and the broker's own shutdown gives up after its retries (and still exits 0)."""
    brokers = _start_cluster(broker_factory, zk, 2, {"controlled.shutdown.max.retries": "2",
                                                     "controlled.shutdown.retry.backoff.ms": "200"})
    b0, b1 = brokers
    admin = clients.admin(b0.bootstrap)
    from confluent_kafka.admin import NewTopic
    fs = admin.create_topics([NewTopic("stuck", 1, replica_assignment=[[1, 0]])], operation_timeout=30,
                             request_timeout=30)
    fs["stuck"].result(30)
    clients.wait_topic_ready(b0.bootstrap, "stuck", 1)
    # Broker 0 leaves the ISR when it stops; while it stays down broker 1 is the only replica in the
    # ISR and its leadership cannot move.
    b0.stop()
    harness.wait_until(lambda: json.loads(zk.get("/brokers/topics/stuck/partitions/0/state"))["isr"] == [1],
                       30, 0.2, "the ISR to shrink to broker 1")
    harness.wait_until(lambda: wire.metadata_v1(b1.bootstrap)["controller_id"] == 1 and
                       len(wire.metadata_v1(b1.bootstrap)["brokers"]) == 1, 30, 0.2, "metadata")
    controller = brokers[_controller(zk)]
    epoch = zk._kazoo.exists("/brokers/ids/1").czxid
    for version in (0, 3):
        error, remaining = _controlled_shutdown(controller.bootstrap, version, 1, epoch if version >= 2 else -1)
        assert (error, remaining) == (0, [("stuck", 0)])
    assert b1.stop() == 0
    log = b1.log_text()
    assert "Remaining partitions to move: [stuck-0]" in log
    assert "Proceeding to do an unclean shutdown as all the controlled shutdown attempts failed" in log


@pytest.mark.parametrize("ibp,version", [("0.8.2", 0), ("2.1", 1), ("2.3", 2), ("2.4", 3)])
def test_request_version_follows_inter_broker_protocol(broker_factory, zk, ibp, version):
    """Kafka picks the ControlledShutdown version from inter.broker.protocol.version; the controller
    (the broker itself here) answers each, v0 arriving with request header v0."""
    b0 = broker_factory(broker_id=0, extra_props={"inter.broker.protocol.version": ibp})
    assert b0.stop() == 0
    log = b0.log_text()
    assert f"(ControlledShutdown v{version} from" in log
    assert "Controlled shutdown request returned successfully" in log
