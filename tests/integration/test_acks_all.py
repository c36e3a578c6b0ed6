"""acks=all on a 3-broker cluster, RF=3, min.insync.replicas=2: the produce succeeds with every
replica up; with both followers stopped (SIGSTOP) and dropped from the ISR the leader refuses it
with NOT_ENOUGH_REPLICAS before appending; with one follower stopped but still in the ISR the
produce waits for it and answers REQUEST_TIMED_OUT after its timeout_ms (the records stay in the
leader's log and are replicated once the follower resumes). Produce v3 over a raw socket shows the
broker's own error codes (a real producer would retry them)."""

import signal
import time

import clients
import harness
import wire

ERR_NONE = 0
ERR_REQUEST_TIMED_OUT = 7
ERR_NOT_ENOUGH_REPLICAS = 19

# Short enough that a stopped follower leaves the ISR quickly; the ZooKeeper session (6 s in the
# harness) may expire first, and then the controller removes it: either way the ISR shrinks.
LAG_MS = 3000


def _cluster(cluster_factory, lag_ms=LAG_MS):
    return cluster_factory(extra_props={"replica.lag.time.max.ms": str(lag_ms)})


def _topic_led_by_controller(c, topic):
    """Creates `topic` (1 partition, RF 3, min.insync.replicas=2) with the controller as preferred
    leader, so that stopping the followers never stops the controller. Returns (leader, followers)."""
    leader = c.controller_id()
    followers = sorted(set(c.brokers) - {leader})
    clients.create_topic_with_configs(c.bootstrap, topic, configs={"min.insync.replicas": "2"},
                                      replica_assignment=[[leader] + followers])
    c.wait_consistent([topic], 30, lambda md: md["topics"][topic]["partitions"][0]["leader"] == leader and
                      sorted(md["topics"][topic]["partitions"][0]["isr"]) == sorted(c.brokers))
    return leader, followers


def _produce_raw(bootstrap, topic, n, tag, acks=-1, timeout_ms=10000, socket_timeout=30.0):
    """One Produce v3 of n records to partition 0; returns (error_code, base_offset)."""
    recs = clients.make_records(n, tag, header_every=0)
    blob = wire.record_batch([(r.key, r.value, r.timestamp, ()) for r in recs], recs[0].timestamp)
    with wire.Connection(bootstrap, timeout=socket_timeout) as conn:
        body = conn.request(wire.API_PRODUCE, 3, wire.produce_v3_body(topic, 0, blob, acks=acks, timeout_ms=timeout_ms))
    resp = wire.decode_produce_v3(body, 3)
    [t] = resp["responses"]
    [p] = t["partitions"]
    return p["error_code"], p["base_offset"]


def _stop(c, ids):
    for i in ids:
        c[i].proc.send_signal(signal.SIGSTOP)


def _resume(c, ids):
    for i in ids:
        if c[i].alive():
            c[i].proc.send_signal(signal.SIGCONT)


def test_acks_all_succeeds_with_every_replica_up(cluster_factory):
    c = _cluster(cluster_factory)
    leader, _ = _topic_led_by_controller(c, "aa-up")
    records = clients.make_records(200, "up")
    delivered = clients.confluent_produce(c.bootstrap, "aa-up", records, acks="all", partition=0)
    assert sorted(o for _, o in delivered.values()) == list(range(200))
    assert _produce_raw(c[leader].bootstrap, "aa-up", 3, "raw") == (ERR_NONE, 200)
    # acks=all returned only after the high watermark passed the records.
    assert clients.high_watermarks(c.bootstrap, "aa-up", [0]) == {0: 203}


def test_not_enough_replicas_once_both_followers_left_the_isr(cluster_factory):
    c = _cluster(cluster_factory)
    leader, followers = _topic_led_by_controller(c, "aa-ner")
    assert _produce_raw(c[leader].bootstrap, "aa-ner", 5, "first") == (ERR_NONE, 0)
    _stop(c, followers)
    try:
        harness.wait_until(lambda: c.partitions("aa-ner", leader)[0][2] == [leader], 40, 0.2,
                           "the ISR to shrink to the leader")
        err, base = _produce_raw(c[leader].bootstrap, "aa-ner", 3, "refused")
        assert (err, base) == (ERR_NOT_ENOUGH_REPLICAS, -1)
        # acks=1 is not bound by min.insync.replicas; the refused records were never appended.
        assert _produce_raw(c[leader].bootstrap, "aa-ner", 2, "one", acks=1) == (ERR_NONE, 5)
    finally:
        _resume(c, followers)
    # The followers come back (their sessions may have expired: they register again), catch up and
    # rejoin the ISR; acks=all works again.
    c.wait_consistent(["aa-ner"], 60, lambda md: sorted(md["topics"]["aa-ner"]["partitions"][0]["isr"]) ==
                      sorted(c.brokers))
    assert _produce_raw(c[leader].bootstrap, "aa-ner", 1, "again") == (ERR_NONE, 7)


def test_request_timed_out_while_a_stopped_follower_is_still_in_the_isr(cluster_factory):
    # The follower stays in the ISR for replica.lag.time.max.ms (30 s here) and, while its
    # ZooKeeper session lasts (6 s), the controller keeps it there too.
    c = _cluster(cluster_factory, lag_ms=30000)
    leader, followers = _topic_led_by_controller(c, "aa-timeout")
    assert _produce_raw(c[leader].bootstrap, "aa-timeout", 4, "first") == (ERR_NONE, 0)
    stopped = followers[0]
    _stop(c, [stopped])
    try:
        started = time.monotonic()
        err, base = _produce_raw(c[leader].bootstrap, "aa-timeout", 3, "late", timeout_ms=1000)
        waited = time.monotonic() - started
        assert err == ERR_REQUEST_TIMED_OUT, (err, base)
        assert base == 4, "the base offset of a timed-out acks=all produce is kept"
        assert 0.9 <= waited < 5.0, f"answered after {waited:.1f} s"
        assert sorted(c.partitions("aa-timeout", leader)[0][2]) == sorted(c.brokers)
    finally:
        _resume(c, [stopped])
    # Resumed, the follower fetches the records the timed-out produce appended: the next acks=all
    # produce completes and the high watermark covers both.
    assert _produce_raw(c[leader].bootstrap, "aa-timeout", 2, "after") == (ERR_NONE, 7)
    assert clients.high_watermarks(c.bootstrap, "aa-timeout", [0]) == {0: 9}
