"""Durability (issue 6): no acknowledged write is lost when any one broker fails.

A 3-broker cluster, a topic with replication factor 3, 3 partitions and min.insync.replicas=2.
Two producers with acks=all write at a steady rate — confluent-kafka (every delivery report
recorded as (partition, offset, value)) and kcat (chunks of records; a chunk counts only when kcat
reported every record of it delivered) — while a loop, bounded in rounds and in time, kills -9 the
leader of a partition and restarts it, SIGSTOPs a follower long enough to leave the ISR and
SIGCONTs it, and kills -9 the controller and restarts it. Between rounds the cluster must heal:
every broker back and every replica in the ISR again.

Afterwards:
  - every acknowledged record is read back at the partition and offset the client was told, every
    partition holds exactly offsets 0..HW-1, and each producer's acknowledged records are in
    production order per partition (duplicates from retried requests are allowed: no idempotence);
  - after a clean stop of every broker, the three replicas' segment files hold byte-identical
    batches up to the high watermark, and the replication-offset-checkpoint files agree with it.
"""

import collections
import time

import pytest

import clients
import harness

TOPIC = "durable"
PARTITIONS = 3
ROUNDS = 6
CHAOS_BUDGET_S = 200          # the loop starts no round after this
HEAL_TIMEOUT_S = 90           # per round: brokers back and the ISR full again
LAG_MS = 3000                 # replica.lag.time.max.ms: a frozen follower leaves the ISR quickly
FREEZE_S = 4.5                # SIGSTOP long enough to leave the ISR ...
SESSION_MS = 10000            # ... and well short of the ZooKeeper session timeout

PROPS = {"replica.lag.time.max.ms": str(LAG_MS), "unclean.leader.election.enable": "false",
         "zookeeper.session.timeout.ms": str(SESSION_MS)}


def _full_isr(c, topic, partitions):
    """Every partition has a leader and every replica in its ISR, in ZooKeeper and in the
    Metadata of every live broker."""
    for p in range(partitions):
        state, _ = harness.partition_state(c.zk, topic, p)
        if state["leader"] < 0 or sorted(state["isr"]) != [0, 1, 2]:
            return False

    md = c.consistent_metadata([topic])
    return md is not None and all(v["leader"] >= 0 and sorted(v["isr"]) == [0, 1, 2]
                                  for v in md["topics"][topic]["partitions"].values())


def _heal(c, what):
    for b in c.brokers.values():
        if not b.alive():
            harness.start_after_kill(b)
    harness.wait_until(lambda: _full_isr(c, TOPIC, PARTITIONS), HEAL_TIMEOUT_S, 0.3,
                       f"every replica back in the ISR after {what}")


def _settled_high_watermarks(c, acked_offsets, timeout=60):
    """The high watermarks once every acknowledged offset is below them and they have not moved for
    two seconds (a new leader's high watermark may trail the old one's until its followers fetch)."""
    seen = []

    def settled():
        hws = clients.high_watermarks(c.bootstrap, TOPIC, range(PARTITIONS))
        seen.append(hws)
        below = all(o < hws[p] for p, o in acked_offsets.items())
        return hws if below and len(seen) >= 3 and seen[-3] == seen[-2] == hws else None
    try:
        return harness.wait_until(settled, timeout, 1.0, "settled high watermarks")
    except TimeoutError:
        # Read up to what the leaders expose: the read-back checks then name what is missing.
        return seen[-1] if seen else clients.high_watermarks(c.bootstrap, TOPIC, range(PARTITIONS))


def _progress(producers, since_counts, minimum=20, timeout=60):
    """Waits until each producer had `minimum` more acknowledgements than in since_counts."""
    harness.wait_until(lambda: all(p.acked_count() - since_counts[i] >= minimum for i, p in enumerate(producers)),
                       timeout, 0.2, "acknowledged writes after the cluster healed")


def _partition_for(rnd):
    """Rounds 0..5 pick partitions 0,1,2,1,2,0: each action meets two different partitions."""
    return (rnd + rnd // len(ACTIONS)) % PARTITIONS


def _kill_leader(c, rnd):
    p = _partition_for(rnd)
    state, _ = harness.partition_state(c.zk, TOPIC, p)
    victim = state["leader"]
    c[victim].kill9()
    harness.wait_until(lambda: harness.partition_state(c.zk, TOPIC, p)[0]["leader"] not in (-1, victim),
                       30, 0.1, f"a new leader for {TOPIC}-{p}")
    harness.start_after_kill(c[victim])
    return f"kill -9 of broker {victim} (leader of {TOPIC}-{p}) and restart"


def _freeze_follower(c, rnd):
    p = _partition_for(rnd)
    state, _ = harness.partition_state(c.zk, TOPIC, p)
    controller = c.controller_id()
    followers = [r for r in state["isr"] if r != state["leader"]]
    # Prefer a follower that is not the controller: the controller must stay awake to pass the
    # ISR change on to the other brokers.
    victim = next((r for r in followers if r != controller), followers[0])
    left_after = None
    harness.sigstop(c[victim])
    frozen_at = time.monotonic()
    try:
        while time.monotonic() - frozen_at < FREEZE_S:
            if left_after is None and victim not in harness.partition_state(c.zk, TOPIC, p)[0]["isr"]:
                left_after = time.monotonic() - frozen_at
            time.sleep(0.1)
    finally:
        harness.sigcont(c[victim])
    shrink = f"left the ISR after {left_after:.1f} s" if left_after is not None else "stayed in the ISR"
    return f"SIGSTOP of broker {victim} (follower of {TOPIC}-{p}) for {FREEZE_S} s: {shrink}"


def _kill_controller(c, rnd):  # noqa: ARG001
    victim = c.controller_id()
    c[victim].kill9()
    c.wait_controller(among=set(c.brokers) - {victim}, timeout=30)
    harness.start_after_kill(c[victim])
    return f"kill -9 of broker {victim} (the controller) and restart"


ACTIONS = [_kill_leader, _freeze_follower, _kill_controller]


@pytest.mark.timeout(900)
@pytest.mark.skipif(not harness.kcat_available(), reason="kcat not installed")
def test_acknowledged_writes_survive_kills_freezes_and_controller_loss(cluster_factory):
    c = cluster_factory(extra_props=PROPS)
    clients.create_topic_with_configs(c.bootstrap, TOPIC, PARTITIONS, 3, {"min.insync.replicas": "2"})
    harness.wait_until(lambda: _full_isr(c, TOPIC, PARTITIONS), 60, 0.2, "the topic fully replicated")
    bootstrap = c.bootstrap  # all three: the ports survive restarts

    confluent = clients.AckedProducer(bootstrap, TOPIC, range(PARTITIONS), "cf", rate=150).start()
    kcat = clients.KcatChunkProducer(bootstrap, TOPIC, range(PARTITIONS), "kc", chunk=40).start()
    producers = [confluent]
    history = []
    try:
        _progress(producers, [0], minimum=100)
        harness.wait_until(lambda: kcat.acked, 60, 0.2, "a first acknowledged kcat chunk")
        started = time.monotonic()
        for rnd in range(ROUNDS):
            if time.monotonic() - started > CHAOS_BUDGET_S:
                break
            before = [p.acked_count() for p in producers]
            t0 = time.monotonic()
            what = ACTIONS[rnd % len(ACTIONS)](c, rnd)
            _heal(c, what)
            _progress(producers, before)
            history.append(f"round {rnd}: {what}; healed in {time.monotonic() - t0:.1f} s")
            print(history[-1])
        assert len(history) >= 3, f"only {len(history)} rounds within {CHAOS_BUDGET_S} s: {history}"
        time.sleep(2)
    finally:
        for b in c.brokers.values():
            harness.sigcont(b)
        kcat.stop()
        confluent.stop()
    print(f"confluent: {len(confluent.acked)} acknowledged, {len(confluent.failed)} failed, "
          f"{confluent.undelivered} undelivered of {confluent.sent}; kcat: {kcat.acked_records()} acknowledged in "
          f"{len(kcat.acked)} chunks, {kcat.failed_chunks} of {kcat.chunks} chunks not fully acknowledged")
    assert confluent.undelivered == 0
    assert len(confluent.acked) > 500 and kcat.acked_records() > 200

    # Everything acknowledged is there, where the client was told.
    _heal(c, "the producers stopped")
    highest = collections.defaultdict(lambda: -1)
    for p, o, _ in confluent.acked:
        highest[p] = max(highest[p], o)
    for p, offsets, _ in kcat.acked:
        highest[p] = max(highest[p], offsets[-1])
    hws = _settled_high_watermarks(c, dict(highest))
    logs = {}
    for p in range(PARTITIONS):
        read = clients.read_partition(c.bootstrap, TOPIC, p, hws[p])
        assert [o for o, _ in read] == list(range(hws[p])), f"partition {p}: offsets read are not 0..{hws[p] - 1}"
        logs[p] = dict(read)
    _check_confluent(confluent, logs)
    _check_kcat(kcat, logs)
    known = {v for _, _, v in confluent.acked} | {v for _, _, vs in kcat.acked for v in vs}
    stray = [v for p in logs for v in logs[p].values()
             if not (v.startswith(b"cf-") or v.startswith(b"kc-"))]
    assert not stray, f"records nobody produced: {stray[:5]}"
    unacked = sum(1 for p in logs for v in logs[p].values() if v not in known)
    print(f"high watermarks {hws}; {unacked} records in the log were never acknowledged (allowed)")

    # The replicas are identical up to the high watermark.
    codes = c.stop()
    assert codes == {0: 0, 1: 0, 2: 0}, f"exit codes on SIGTERM: {codes}"
    for p in range(PARTITIONS):
        prefixes = {}
        for i, b in c.brokers.items():
            checkpoint = harness.read_checkpoint(b.log_dir / "replication-offset-checkpoint")
            hw = checkpoint.get((TOPIC, p))
            assert hw is not None and hw <= hws[p], f"broker {i}: checkpointed HW {hw} of {TOPIC}-{p} vs {hws[p]}"
            data, covered = harness.log_prefix(b.partition_dir(TOPIC, p), hws[p])
            assert covered == hws[p], f"broker {i}: {TOPIC}-{p} has whole batches up to {covered}, HW {hws[p]}"
            prefixes[i] = data
        leader_hw = max(harness.read_checkpoint(b.log_dir / "replication-offset-checkpoint")[(TOPIC, p)]
                        for b in c.brokers.values())
        assert leader_hw == hws[p], f"{TOPIC}-{p}: highest checkpointed HW {leader_hw}, ListOffsets said {hws[p]}"
        sizes = {i: len(d) for i, d in prefixes.items()}
        assert prefixes[0] == prefixes[1] == prefixes[2], f"{TOPIC}-{p}: replicas differ below the HW ({sizes} bytes)"
    print("\n".join(history))


def _check_confluent(producer, logs):
    """Each acknowledged (partition, offset, value) is in the log; per partition the acknowledged
    offsets grow with the production sequence."""
    missing = [(p, o, v) for p, o, v in producer.acked if logs[p].get(o) != v]
    assert not missing, f"{len(missing)} acknowledged confluent records lost or moved, first {missing[:5]}"
    per_partition = collections.defaultdict(list)
    for p, o, v in producer.acked:
        per_partition[p].append((int(v.split(b"-")[1]), o))
    for p, entries in per_partition.items():
        offsets = [o for _, o in sorted(entries)]
        assert offsets == sorted(offsets), f"partition {p}: acknowledged confluent records out of order"


def _check_kcat(producer, logs):
    """Each acknowledged chunk's records are in its partition at the offsets kcat reported, in
    production order, and chunks follow one another."""
    last = collections.defaultdict(lambda: -1)
    for part, offsets, values in producer.acked:
        found = [o for o in offsets if logs[part].get(o) is not None]
        assert found == offsets, f"chunk {values[0]!r}: reported offsets {offsets} not all in partition {part}"
        got = [logs[part][o] for o in offsets]
        assert got == values, f"chunk {values[0]!r} in partition {part}: {got[:3]}... at {offsets[:3]}..."
        assert offsets[0] > last[part], f"chunk {values[0]!r} before an earlier chunk in partition {part}"
        last[part] = offsets[-1]
