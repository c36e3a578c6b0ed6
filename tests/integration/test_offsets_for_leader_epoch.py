"""OffsetsForLeaderEpoch (API 23, v0-4) over a raw socket: on one broker (the current epoch ends at
the log end, an epoch above every known one is undefined, a newer current_leader_epoch is
UNKNOWN_LEADER_EPOCH) and on a 3-broker cluster after a leader change (epoch 0 ends where the next
epoch began, an older current_leader_epoch is FENCED_LEADER_EPOCH, followers answer
NOT_LEADER_OR_FOLLOWER)."""

import clients
import harness
import wire

API_OFFSET_FOR_LEADER_EPOCH = 23
FIRST_FLEXIBLE = 4
ERR_NONE = 0
ERR_UNKNOWN_TOPIC_OR_PARTITION = 3
ERR_NOT_LEADER_OR_FOLLOWER = 6
ERR_FENCED_LEADER_EPOCH = 74
ERR_UNKNOWN_LEADER_EPOCH = 75


def offsets_for_leader_epoch(bootstrap, version, topic, queries, replica_id=-1):
    """queries: [(partition, leader_epoch, current_leader_epoch)]. Returns {partition: (error,
    leader_epoch, end_offset)}; leader_epoch is None in v0 (not in the response)."""
    flexible = version >= FIRST_FLEXIBLE
    w = wire.Writer(flexible)
    if version >= 3:
        w.i32(replica_id)

    def part(ww, q):
        p, epoch, current = q
        ww.i32(p)
        if version >= 2:
            ww.i32(current)
        ww.i32(epoch)
        ww.tags()

    def top(ww, t):
        ww.str(t)
        ww.array(queries, part)
        ww.tags()

    w.array([topic], top)
    w.tags()
    with wire.Connection(bootstrap) as c:
        body = c.request(API_OFFSET_FOR_LEADER_EPOCH, version, w.build(), flexible_header=flexible)
    r = wire.FlexReader(body, flexible)
    r.tags()  # response header
    if version >= 2:
        assert r.int32() == 0  # throttle time
    out = {}

    def rpart(rr):
        err = rr.int16()
        p = rr.int32()
        epoch = rr.int32() if version >= 1 else None
        end = rr.int64()
        rr.tags()
        out[p] = (err, epoch, end)

    def rtopic(rr):
        assert rr.str() == topic
        rr.arr(rpart)
        rr.tags()

    r.arr(rtopic)
    r.tags()
    assert r.remaining() == 0, "trailing bytes in the response"
    return out


def produce(bootstrap, topic, n, tag):
    records = clients.make_records(n, tag)
    clients.confluent_produce(bootstrap, topic, records, acks="all", partition=0)


def test_single_broker_current_epoch_ends_at_the_log_end(broker):
    clients.create_topic(broker.bootstrap, "ofle", partitions=1, replication=1)
    clients.wait_topic_ready(broker.bootstrap, "ofle", 1)
    produce(broker.bootstrap, "ofle", 7, "a")
    for v in range(5):
        got = offsets_for_leader_epoch(broker.bootstrap, v, "ofle", [(0, 0, -1)])
        assert got[0] == (ERR_NONE, 0 if v >= 1 else None, 7), f"v{v}: {got}"
        # An epoch above every one this partition had: Kafka's UNDEFINED_EPOCH / UNDEFINED_EPOCH_OFFSET.
        got = offsets_for_leader_epoch(broker.bootstrap, v, "ofle", [(0, 5, -1)])
        assert got[0] == (ERR_NONE, -1 if v >= 1 else None, -1), f"v{v}: {got}"
    for v in range(2, 5):
        got = offsets_for_leader_epoch(broker.bootstrap, v, "ofle", [(0, 0, 0)])
        assert got[0] == (ERR_NONE, 0, 7), f"v{v}: {got}"
        got = offsets_for_leader_epoch(broker.bootstrap, v, "ofle", [(0, 0, 3)])
        assert got[0][0] == ERR_UNKNOWN_LEADER_EPOCH, f"v{v}: {got}"
    # Unknown partitions and topics.
    got = offsets_for_leader_epoch(broker.bootstrap, 4, "ofle", [(0, 0, -1), (9, 0, -1)])
    assert got[9] == (ERR_UNKNOWN_TOPIC_OR_PARTITION, -1, -1)
    got = offsets_for_leader_epoch(broker.bootstrap, 4, "no-such-topic", [(0, 0, -1)])
    assert got[0] == (ERR_UNKNOWN_TOPIC_OR_PARTITION, -1, -1)


def test_api_versions_advertises_0_to_4(broker):
    with wire.Connection(broker.bootstrap) as c:
        listed = {k: (lo, hi) for k, lo, hi in wire.api_versions(c, 3)["api_keys"]}
    assert listed.get(API_OFFSET_FOR_LEADER_EPOCH) == (0, 4)


def test_cluster_epoch_0_ends_where_the_next_epoch_began(cluster_factory):
    c = cluster_factory()
    topic = "ofle-cluster"
    clients.create_topic_with_configs(c.bootstrap, topic, configs={"min.insync.replicas": "2"},
                                      replica_assignment=[[0, 1, 2]])
    c.wait_consistent([topic], 30, lambda md: sorted(md["topics"][topic]["partitions"][0]["isr"]) == [0, 1, 2])
    produce(c.bootstrap, topic, 10, "before")
    # Every replica holds the 10 records (acks=all with the full ISR), so any of them may lead next.
    assert c.partitions(topic)[0][0] == 0

    # A controlled shutdown of the leader moves leadership to another ISR member (epoch 1); when
    # broker 0 is gone the controller takes it out of the ISR, which bumps the epoch again (as
    # Kafka's controller does). Wait for that, so that the epoch stays put below.
    assert c[0].stop() == 0
    md = c.wait_consistent([topic], 60, lambda m: m["topics"][topic]["partitions"][0]["leader"] in (1, 2) and
                           0 not in m["topics"][topic]["partitions"][0]["isr"])
    p = md["topics"][topic]["partitions"][0]
    leader, epoch = p["leader"], p["leader_epoch"]
    assert epoch >= 1, p
    follower = ({1, 2} - {leader}).pop()
    produce(c.bootstrap, topic, 5, "after")

    lb = c[leader].bootstrap
    for v in range(5):
        got = offsets_for_leader_epoch(lb, v, topic, [(0, 0, -1)])
        assert got[0] == (ERR_NONE, 0 if v >= 1 else None, 10), f"v{v}: {got}"
        got = offsets_for_leader_epoch(lb, v, topic, [(0, epoch, -1)])
        assert got[0] == (ERR_NONE, epoch if v >= 1 else None, 15), f"v{v}: {got}"
        # Every epoch between them had no records of its own: they end where the latest began.
        got = offsets_for_leader_epoch(lb, v, topic, [(0, epoch - 1, -1)])
        assert got[0][0] == ERR_NONE and got[0][2] == 10, f"v{v}: {got}"
    for v in range(2, 5):
        got = offsets_for_leader_epoch(lb, v, topic, [(0, 0, epoch - 1)])
        assert got[0][0] == ERR_FENCED_LEADER_EPOCH, f"v{v}: {got}"
        got = offsets_for_leader_epoch(lb, v, topic, [(0, 0, epoch + 1)])
        assert got[0][0] == ERR_UNKNOWN_LEADER_EPOCH, f"v{v}: {got}"
        got = offsets_for_leader_epoch(lb, v, topic, [(0, 0, epoch)], replica_id=follower)
        assert got[0] == (ERR_NONE, 0, 10), f"v{v}: {got}"
    # Only the leader answers.
    got = offsets_for_leader_epoch(c[follower].bootstrap, 4, topic, [(0, 0, epoch)])
    assert got[0][0] == ERR_NOT_LEADER_OR_FOLLOWER, got
    # The follower's own epoch cache agrees once it has replicated the new epoch's records.
    harness.wait_until(lambda: (_epoch_file(c[follower], topic) or [])[2:] == ["0 0", f"{epoch} 10"], 30, 0.2,
                       "the follower's leader-epoch-checkpoint")


def _epoch_file(b, topic):
    path = b.partition_dir(topic, 0) / "leader-epoch-checkpoint"
    try:
        return [ln.strip() for ln in path.read_text().splitlines() if ln.strip()]
    except FileNotFoundError:
        return None
