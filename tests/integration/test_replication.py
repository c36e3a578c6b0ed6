"""Replication on a 3-broker cluster (issue 6): followers fetch and catch up, the leader shrinks and
expands the ISR in ZooKeeper, the high watermark waits for the ISR, acks=all honours
min.insync.replicas, and a follower with a divergent tail truncates it by leader epoch.

Partitions are placed by hand (CreateTopics with a replica assignment) so that each test knows
which broker leads, which follows and which one is the controller: freezing or stopping a broker
then never takes the controller or the leader with it unless the test means to."""

import time

import pytest

import clients
import harness
import wire

ERR_NONE = 0
ERR_NOT_ENOUGH_REPLICAS = 19
ERR_NOT_ENOUGH_REPLICAS_AFTER_APPEND = 20

SESSION_MS = 10000  # ZooKeeper's maximum with the harness' tickTime: room to freeze a broker for seconds


def _others(c, first):
    return [i for i in sorted(c.brokers) if i != first]


def _produce(bootstrap, topic, partition, values, acks, timeout_ms=10000, socket_timeout=30.0):
    """One Produce v3 request of one batch (raw protocol: the exact error code, no client retries).
    Returns (error_code, base_offset)."""
    now = int(time.time() * 1000)
    blob = wire.record_batch([(None, v, now, ()) for v in values], now)
    with wire.Connection(bootstrap, timeout=socket_timeout) as conn:
        body = wire.produce_v3_body(topic, partition, blob, acks=acks, timeout_ms=timeout_ms)
        resp = wire.decode_produce_v3(conn.request(wire.API_PRODUCE, 3, body))
    [t] = resp["responses"]
    [p] = t["partitions"]
    return p["error_code"], p["base_offset"]


def _same_logs(c, topic, partition, brokers, end_offset):
    """Asserts that the replicas on `brokers` hold byte-identical whole batches covering [0, end)."""
    prefixes = {}
    for i in brokers:
        data, covered = harness.log_prefix(c[i].partition_dir(topic, partition), end_offset)
        assert covered == end_offset, f"broker {i}: {topic}-{partition} has whole batches up to {covered}, " \
                                      f"want {end_offset}"
        prefixes[i] = data
    first = prefixes[brokers[0]]
    for i in brokers[1:]:
        assert prefixes[i] == first, f"{topic}-{partition}: broker {i}'s log differs from broker {brokers[0]}'s " \
                                     f"below offset {end_offset}"


def _wait_hw(c, topic, partition, want, timeout=30):
    return harness.wait_until(
        lambda: clients.high_watermarks(c.bootstrap, topic, [partition])[partition] == want, timeout, 0.2,
        f"high watermark {want} on {topic}-{partition}")


# ------------------------------------------------------------------------------------------ catch-up

@pytest.mark.timeout(600)
def test_follower_catches_up_after_a_long_outage(cluster_factory):
    c = cluster_factory()
    controller = c.controller_id()
    follower = _others(c, controller)[0]
    replicas = [controller] + _others(c, controller)
    # Small segments: the follower's catch-up rolls several of them.
    clients.create_topic_with_configs(c.bootstrap, "catchup", configs={"min.insync.replicas": "2",
                                                                       "segment.bytes": "1048576"},
                                      replica_assignment=[replicas])
    harness.wait_isr(c.zk, "catchup", 0, lambda isr: isr == [0, 1, 2], 60)
    before = clients.make_records(1000, "before")
    clients.confluent_produce(c.bootstrap, "catchup", before, acks="all", partition=0)

    assert c[follower].stop() == 0
    harness.wait_isr(c.zk, "catchup", 0, lambda isr: follower not in isr, 30)
    during = clients.make_records(50_000, "during")
    delivered = clients.confluent_produce(c.bootstrap, "catchup", during, acks="all", partition=0)
    end = max(o for _, o in delivered.values()) + 1
    assert end == len(before) + len(during)
    state_out, version_out = harness.partition_state(c.zk, "catchup", 0)

    started = time.monotonic()
    c[follower].start()
    state_in, version_in = harness.wait_isr(c.zk, "catchup", 0, lambda isr: isr == [0, 1, 2], 180,
                                            f"broker {follower} back in the ISR")
    print(f"broker {follower} rejoined the ISR {time.monotonic() - started:.1f} s after its restart")
    assert version_in > version_out
    assert state_in["leader"] == controller == state_out["leader"]
    _wait_hw(c, "catchup", 0, end)
    _same_logs(c, "catchup", 0, [controller] + _others(c, controller), end)
    segments = sorted(c[follower].partition_dir("catchup", 0).glob("*.log"))
    assert len(segments) >= 4, f"the follower rolled only {len(segments)} segments"

    # The follower serves no client reads, but it can lead: move leadership there and read it all.
    c[controller].stop()
    md = c.wait_consistent(["catchup"], 60, lambda m: m["topics"]["catchup"]["partitions"][0]["leader"] >= 0)
    assert md["topics"]["catchup"]["partitions"][0]["leader"] in _others(c, controller)
    consumed = clients.confluent_consume(c.bootstrap, "catchup", [0], end)
    clients.compare_consumed(before + during, consumed)


# ------------------------------------------------------------------------------------------ ISR

LAG_MS = 2000


@pytest.mark.timeout(300)
def test_isr_shrinks_and_expands_in_zookeeper(cluster_factory):
    """A frozen follower leaves the ISR after replica.lag.time.max.ms and comes back once it caught
    up; both are the leader's own compare-and-set writes of the state znode (leader epoch
    unchanged, zkVersion +1 each), reported through /isr_change_notification, which the controller
    consumes (the node's children are created and deleted, controller.log names the partition) and
    passes on to every broker's metadata."""
    c = cluster_factory(extra_props={"replica.lag.time.max.ms": str(LAG_MS), "zookeeper.session.timeout.ms":
                                     str(SESSION_MS)})
    controller = c.controller_id()
    frozen, other = _others(c, controller)
    clients.create_topic_with_configs(c.bootstrap, "isr", replica_assignment=[[controller, frozen, other]])
    state0, version0 = harness.wait_isr(c.zk, "isr", 0, lambda isr: isr == [0, 1, 2], 60)
    notifications0 = harness.children_version(c.zk, "/isr_change_notification")

    producer = clients.AckedProducer(c.bootstrap, "isr", [0], "isr", rate=100, acks="1").start()
    try:
        harness.wait_until(lambda: producer.acked_count() >= 20, 30, 0.1, "first acknowledgements")
        harness.sigstop(c[frozen])
        try:
            frozen_at = time.monotonic()
            shrunk, version1 = harness.wait_isr(c.zk, "isr", 0, lambda isr: frozen not in isr,
                                                LAG_MS / 1000 * 1.5 + 4.0, f"broker {frozen} out of the ISR")
            print(f"ISR shrank {time.monotonic() - frozen_at:.1f} s after broker {frozen} froze")
        finally:
            harness.sigcont(c[frozen])
        expanded, version2 = harness.wait_isr(c.zk, "isr", 0, lambda isr: isr == [0, 1, 2], 30,
                                              f"broker {frozen} back in the ISR")
    finally:
        harness.sigcont(c[frozen])
        producer.stop()
    assert producer.failed == [] and producer.undelivered == 0

    assert sorted(shrunk["isr"]) == sorted([controller, other])
    for st in (shrunk, expanded):
        # A leader's ISR change keeps leader, leader epoch and controller epoch.
        assert (st["leader"], st["leader_epoch"], st["controller_epoch"]) == \
            (state0["leader"], state0["leader_epoch"], state0["controller_epoch"]), (state0, st)
    assert version1 > version0 and version2 > version1

    # The notification(s) were written and consumed.
    def consumed():
        return harness.children_version(c.zk, "/isr_change_notification") >= notifications0 + 2 and \
            c.zk.children("/isr_change_notification") == []
    harness.wait_until(consumed, 30, 0.2, "ISR change notifications written and deleted")
    log = c[controller].log_files_dir / "controller.log"
    harness.wait_until(lambda: "ISR changes reported for" in log.read_text() and "isr-0" in log.read_text(),
                       10, 0.2, "the controller to log the ISR change")
    md = c.wait_consistent(["isr"], 30, lambda m: sorted(m["topics"]["isr"]["partitions"][0]["isr"]) == [0, 1, 2])
    assert md["topics"]["isr"]["partitions"][0]["leader_epoch"] == state0["leader_epoch"]


@pytest.mark.timeout(300)
def test_high_watermark_waits_for_every_isr_member(cluster_factory):
    """Consumers never see past the high watermark: records a frozen ISR member has not fetched
    stay invisible (ListOffsets latest and Fetch) until it fetches them."""
    c = cluster_factory()  # replica.lag.time.max.ms 30 s: the frozen follower stays in the ISR
    controller = c.controller_id()
    frozen, other = _others(c, controller)
    clients.create_topic_with_configs(c.bootstrap, "hw", replica_assignment=[[controller, frozen, other]])
    harness.wait_isr(c.zk, "hw", 0, lambda isr: isr == [0, 1, 2], 60)
    leader = c[controller].bootstrap
    assert _produce(leader, "hw", 0, [b"a%d" % i for i in range(10)], acks=-1) == (ERR_NONE, 0)
    _wait_hw(c, "hw", 0, 10)

    harness.sigstop(c[frozen])
    try:
        assert _produce(leader, "hw", 0, [b"b%d" % i for i in range(5)], acks=1) == (ERR_NONE, 10)
        time.sleep(1.5)
        assert clients.high_watermarks(leader, "hw", [0])[0] == 10
        with wire.Connection(leader) as conn:
            f = wire.fetch_v4(conn, "hw", 0, 10, max_wait_ms=200)
        assert f["error_code"] == ERR_NONE and f["high_watermark"] == 10 and f["records"] is None, f
        state, _ = harness.partition_state(c.zk, "hw", 0)
        assert sorted(state["isr"]) == [0, 1, 2]
    finally:
        harness.sigcont(c[frozen])
    _wait_hw(c, "hw", 0, 15)
    consumed = clients.read_partition(c.bootstrap, "hw", 0, 15)
    assert [v for _, v in consumed] == [b"a%d" % i for i in range(10)] + [b"b%d" % i for i in range(5)]


# ------------------------------------------------------------------------------------------ min.insync.replicas

@pytest.mark.timeout(300)
def test_not_enough_replicas_when_both_followers_are_down(cluster_factory):
    c = cluster_factory()
    controller = c.controller_id()
    f1, f2 = _others(c, controller)
    clients.create_topic_with_configs(c.bootstrap, "mir", configs={"min.insync.replicas": "2"},
                                      replica_assignment=[[controller, f1, f2]])
    harness.wait_isr(c.zk, "mir", 0, lambda isr: isr == [0, 1, 2], 60)
    leader = c[controller].bootstrap
    assert _produce(leader, "mir", 0, [b"r0", b"r1"], acks=-1) == (ERR_NONE, 0)

    assert c[f1].stop() == 0
    harness.wait_isr(c.zk, "mir", 0, lambda isr: isr == sorted([controller, f2]), 30)
    assert _produce(leader, "mir", 0, [b"r2"], acks=-1) == (ERR_NONE, 2), "ISR of 2 meets min.insync.replicas=2"
    assert c[f2].stop() == 0
    harness.wait_isr(c.zk, "mir", 0, lambda isr: isr == [controller], 30)
    # The leader refuses before appending; acks=1 does not care.
    assert _produce(leader, "mir", 0, [b"refused"], acks=-1)[0] == ERR_NOT_ENOUGH_REPLICAS
    assert _produce(leader, "mir", 0, [b"r3"], acks=1) == (ERR_NONE, 3)

    c[f1].start()
    harness.wait_isr(c.zk, "mir", 0, lambda isr: isr == sorted([controller, f1]), 60)
    assert _produce(leader, "mir", 0, [b"r4"], acks=-1) == (ERR_NONE, 4)
    _wait_hw(c, "mir", 0, 5)
    assert [v for _, v in clients.read_partition(c.bootstrap, "mir", 0, 5)] == [b"r0", b"r1", b"r2", b"r3", b"r4"]


@pytest.mark.timeout(300)
def test_not_enough_replicas_after_append_when_the_isr_shrinks_meanwhile(cluster_factory):
    """acks=all appended with a full ISR; both followers freeze; the leader drops them from the ISR
    after replica.lag.time.max.ms and answers the waiting produce NOT_ENOUGH_REPLICAS_AFTER_APPEND
    (the records stay in the log, as in Kafka)."""
    c = cluster_factory(extra_props={"replica.lag.time.max.ms": str(LAG_MS),
                                     "zookeeper.session.timeout.ms": str(SESSION_MS)})
    controller = c.controller_id()
    f1, f2 = _others(c, controller)
    clients.create_topic_with_configs(c.bootstrap, "mira", configs={"min.insync.replicas": "2"},
                                      replica_assignment=[[controller, f1, f2]])
    harness.wait_isr(c.zk, "mira", 0, lambda isr: isr == [0, 1, 2], 60)
    leader = c[controller].bootstrap
    assert _produce(leader, "mira", 0, [b"x0"], acks=-1) == (ERR_NONE, 0)

    harness.sigstop(c[f1])
    harness.sigstop(c[f2])
    try:
        started = time.monotonic()
        err, base = _produce(leader, "mira", 0, [b"x1"], acks=-1, timeout_ms=20000)
        waited = time.monotonic() - started
    finally:
        harness.sigcont(c[f1])
        harness.sigcont(c[f2])
    print(f"acks=all answered {err} after {waited:.1f} s")
    assert err == ERR_NOT_ENOUGH_REPLICAS_AFTER_APPEND, (err, base)
    assert waited < 15, "answered when the ISR shrank, not at the request timeout"
    harness.wait_isr(c.zk, "mira", 0, lambda isr: isr == [0, 1, 2], 60)
    assert _produce(leader, "mira", 0, [b"x2"], acks=-1) == (ERR_NONE, 2)
    _wait_hw(c, "mira", 0, 3)
    assert [v for _, v in clients.read_partition(c.bootstrap, "mira", 0, 3)] == [b"x0", b"x1", b"x2"]


# ------------------------------------------------------------------------------------------ divergence

def _epochs_by_offset(partition_dir):
    return {base: epoch for base, _last, epoch, _ in harness.log_batches(partition_dir)}


@pytest.mark.timeout(600)
def test_follower_truncates_a_divergent_tail_by_leader_epoch(cluster_factory):
    """Construct a divergent tail on purpose (RF=2 on brokers A and B, the controller elsewhere,
    unclean election enabled on the topic):
      1. 100 records acks=all: both replicas hold offsets 0..99 (epoch e0);
      2. B stops (controlled shutdown: ISR = [A], epoch e0'); 50 records acks=1 land on A only
         (100..149, epoch e0');
      3. A is killed -9: the partition goes offline with ISR [A];
      4. B starts and is elected uncleanly (epoch e1 > e0); 30 different records go to B (100..129);
      5. A restarts as B's follower: its fetch (last fetched epoch e0', offset 150) diverges, it must
         truncate to 100 and copy B's records — its log then equals B's byte for byte, and the 50
         records only A had are gone everywhere."""
    c = cluster_factory(extra_props={"auto.leader.rebalance.enable": "false"})
    controller = c.controller_id()
    a, b = _others(c, controller)
    clients.create_topic_with_configs(c.bootstrap, "div", configs={"unclean.leader.election.enable": "true",
                                                                   "min.insync.replicas": "1"},
                                      replica_assignment=[[a, b]])
    state, _ = harness.wait_isr(c.zk, "div", 0, lambda isr: isr == sorted([a, b]), 60)
    assert state["leader"] == a
    e0 = state["leader_epoch"]

    base = [b"base-%03d" % i for i in range(100)]
    assert _produce(c[a].bootstrap, "div", 0, base, acks=-1) == (ERR_NONE, 0)
    _wait_hw(c, "div", 0, 100)

    assert c[b].stop() == 0
    state_lost, _ = harness.wait_isr(c.zk, "div", 0, lambda isr: isr == [a], 30)
    e_lost = state_lost["leader_epoch"]
    lost = [b"lost-%03d" % i for i in range(50)]
    for i in range(0, 50, 10):  # several batches, so that the truncation cuts inside the segment
        assert _produce(c[a].bootstrap, "div", 0, lost[i:i + 10], acks=1) == (ERR_NONE, 100 + i)

    c[a].kill9()
    harness.wait_until(lambda: harness.partition_state(c.zk, "div", 0)[0]["leader"] == -1, 30, 0.2,
                       "the partition offline after its last ISR member died")
    c[b].start()

    def elected():
        s, _ = harness.partition_state(c.zk, "div", 0)
        return s if s["leader"] == b else None
    state_b = harness.wait_until(elected, 60, 0.2, f"broker {b} elected uncleanly")
    e1 = state_b["leader_epoch"]
    assert e1 > e_lost >= e0 and state_b["isr"] == [b]
    c.wait_consistent(["div"], 30, lambda m: m["topics"]["div"]["partitions"][0]["leader"] == b)
    fresh = [b"new-%03d" % i for i in range(30)]
    assert _produce(c[b].bootstrap, "div", 0, fresh[:10], acks=-1) == (ERR_NONE, 100)
    assert _produce(c[b].bootstrap, "div", 0, fresh[10:], acks=-1) == (ERR_NONE, 110)

    # The divergence is real: same offsets, different records, older epoch on A.
    a_dir, b_dir = c[a].partition_dir("div", 0), c[b].partition_dir("div", 0)
    a_records, b_records = dict(harness.log_records(a_dir)), dict(harness.log_records(b_dir))
    assert [a_records[o] for o in range(150)] == base + lost, "A does not hold the tail it was given"
    assert [b_records[o] for o in range(130)] == base + fresh and 130 not in b_records
    assert _epochs_by_offset(a_dir)[100] == e_lost and _epochs_by_offset(b_dir)[100] == e1

    harness.start_after_kill(c[a])
    harness.wait_isr(c.zk, "div", 0, lambda isr: isr == sorted([a, b]), 90, f"broker {a} back in the ISR")
    assert harness.partition_state(c.zk, "div", 0)[0]["leader"] == b
    _wait_hw(c, "div", 0, 130)
    _same_logs(c, "div", 0, [b, a], 130)
    a_records = harness.log_records(a_dir)
    assert [v for _, v in a_records] == base + fresh, "A's log is not B's after the truncation"
    assert not any(v.startswith(b"lost-") for _, v in a_records)
    consumed = clients.read_partition(c.bootstrap, "div", 0, 130)
    assert [v for _, v in consumed] == base + fresh

    # Both replicas agree on the epoch history, which ends with e1 from offset 100 (e_lost is gone).
    def epoch_entries(d):
        lines = (d / "leader-epoch-checkpoint").read_text().split("\n")
        return [tuple(map(int, ln.split())) for ln in lines[2:] if ln.strip()]
    harness.wait_until(lambda: epoch_entries(a_dir) == epoch_entries(b_dir), 15, 0.5,
                       f"equal leader-epoch-checkpoint files: A {epoch_entries(a_dir)}, B {epoch_entries(b_dir)}")
    assert epoch_entries(b_dir)[-1] == (e1, 100)
    if e_lost > e0:
        assert all(e != e_lost for e, _ in epoch_entries(a_dir)), epoch_entries(a_dir)
