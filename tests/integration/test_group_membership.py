"""Consumer-group membership with real clients: confluent-kafka (librdkafka 2.0.2), kafka-python 2.0.2
and kcat -G. Partitions are split disjointly and completely; joining, leaving (close) and being killed
(session timeout) rebalance the group without losing a record or re-reading one below an offset
already committed; cooperative-sticky moves only the partitions it has to; a static member restarts
without a rebalance; kafka-python and librdkafka share one group.

Members commit synchronously after each record (clients.EventLog records reads and commits), so a
record read twice is allowed only when the first reader never committed it."""

import time

import pytest

import clients
import wire


def _topic(bootstrap, name, partitions):
    clients.create_topic(bootstrap, name, partitions=partitions)
    clients.wait_topic_ready(bootstrap, name, partitions)


def _wait_reads(log, n, timeout=60, what="records"):
    clients._wait(lambda: len(log.reads()) >= n, timeout, f"{n} {what} read (have {len(log.reads())})", 0.1)


def _wait_all_read(log, ends, timeout=90):
    """Waits until every offset below ends[p] was read at least once."""
    def done():
        seen = {}
        for p, o in log.reads():
            seen.setdefault(p, set()).add(o)
        return all(set(range(end)) <= seen.get(p, set()) for p, end in ends.items())
    clients._wait(done, timeout, "every produced record to be read", 0.2)


def _describe(bootstrap, group):
    with wire.Connection(bootstrap) as c:
        [g] = wire.describe_groups(c, 5, [group])
    return g


def _stop_all(members):
    for m in members:
        try:
            m.stop()
        except Exception:  # noqa: BLE001 - teardown: keep stopping the others
            pass


def _no_errors(*members):
    for m in members:
        real = [e for e in m.errors if "REBALANCE_IN_PROGRESS" not in e and "ILLEGAL_GENERATION" not in e
                and "UNKNOWN_MEMBER_ID" not in e]
        assert not real, f"{m.member}: {real[:5]}"


def test_three_consumers_split_six_partitions(broker):
    topic, group = "six", "g-three"
    _topic(broker.bootstrap, topic, 6)
    log = clients.EventLog()
    members = [clients.ConfluentMember(f"c{i}", broker.bootstrap, group, [topic], log) for i in range(3)]
    try:
        for m in members:
            m.start()
        assignment = clients.wait_assignments(members, range(6), timeout=60)
        assert sorted(len(v) for v in assignment.values()) == [2, 2, 2], assignment

        ends = clients.produce_sequence(broker.bootstrap, topic, range(6), 25, "three")
        _wait_all_read(log, ends)
        assert clients.check_group_consumption(log, ends) == 0
        # Each member read only its own partitions.
        for m in members:
            assert {p for p, _ in log.reads(m.member)} <= set(assignment[m.member]), m.member

        g = _describe(broker.bootstrap, group)
        assert (g["state"], g["protocol_type"], g["protocol"]) == ("Stable", "consumer", "range")
        by_client = {m["client_id"]: m for m in g["members"]}
        assert sorted(by_client) == ["c0", "c1", "c2"]
        for name, m in by_client.items():
            assert m["client_host"] == "/127.0.0.1"
            assert wire.decode_consumer_subscription(m["metadata"])["topics"] == [topic]
            assert wire.decode_consumer_assignment(m["assignment"]) == {topic: assignment[name]}
        assert clients.committed_offsets(broker.bootstrap, group, topic, range(6)) == ends
    finally:
        _stop_all(members)
    _no_errors(*members)
    assert _describe(broker.bootstrap, group)["state"] == "Empty"


def test_join_leave_and_kill_rebalance_without_loss(broker):
    """a alone; b joins; c (a separate process) joins and is killed -9 (its partitions return after
    the session timeout); a leaves with close() (at once, by LeaveGroup). Records are produced at
    every step; at the end every record was read and none below a committed offset."""
    topic, group = "rebal", "g-rebal"
    _topic(broker.bootstrap, topic, 6)
    log = clients.EventLog()
    ends = {}

    def produce(n, tag):
        for p, e in clients.produce_sequence(broker.bootstrap, topic, range(6), n, tag).items():
            ends[p] = max(ends.get(p, 0), e)

    produce(40, "s1")
    a = clients.ConfluentMember("a", broker.bootstrap, group, [topic], log, delay=0.01)
    b = clients.ConfluentMember("b", broker.bootstrap, group, [topic], log, delay=0.01)
    c = None
    try:
        a.start()
        clients.wait_assignments([a], range(6), timeout=60, what="a alone")
        _wait_reads(log, 30)

        # b joins: a gives up half (eager protocol: a revokes everything, then gets its share back).
        b.start()
        clients.wait_assignments([a, b], range(6), timeout=60, what="a and b")
        assert a.revoke_calls >= 1
        produce(40, "s2")
        _wait_reads(log, 300)

        # c joins as a separate process, reads a little, and is killed -9 while reading.
        c = clients.MemberProcess("c", broker.bootstrap, group, [topic], log, delay=0.05)
        clients.wait_assignments([a, b, c], range(6), timeout=60, what="a, b and c")
        produce(40, "s3")
        clients._wait(lambda: len(log.reads("c")) >= 5 and log.count("commit", "c") >= 3, 60, "c to read")
        killed_at = time.monotonic()
        c.kill9()
        clients.wait_assignments([a, b], range(6), timeout=60, stable_for=0.5, what="a and b after the kill")
        took = time.monotonic() - killed_at
        # Kafka notices a dead member only by its session timeout (6 s), not by the closed socket.
        assert 4.0 <= took <= 25.0, f"rebalance {took:.1f}s after the kill"
        produce(40, "s4")

        # a leaves: b takes everything, well within a session timeout (LeaveGroup, not expiry).
        left_at = time.monotonic()
        a.stop()
        clients.wait_assignments([b], range(6), timeout=30, stable_for=0.5, what="b alone")
        assert time.monotonic() - left_at < 5.5, "the departure was noticed by session timeout, not LeaveGroup"
        produce(20, "s5")
        _wait_all_read(log, ends, timeout=120)
        dups = clients.check_group_consumption(log, ends)
        # Only c's uncommitted last records may be read twice (a and b commit before giving anything up).
        assert dups <= 6, f"{dups} duplicate reads"
    finally:
        _stop_all([m for m in (a, b, c) if m is not None])
    assert clients.committed_offsets(broker.bootstrap, group, topic, range(6)) == ends
    _no_errors(a, b)


def test_cooperative_sticky_moves_only_what_it_must(broker):
    topic, group = "coop", "g-coop"
    _topic(broker.bootstrap, topic, 6)
    log = clients.EventLog()
    extra = {"partition.assignment.strategy": "cooperative-sticky"}
    a = clients.ConfluentMember("a", broker.bootstrap, group, [topic], log, extra=extra)
    b = clients.ConfluentMember("b", broker.bootstrap, group, [topic], log, extra=extra)
    c = clients.ConfluentMember("c", broker.bootstrap, group, [topic], log, extra=extra)
    ends = {}

    def produce(n, tag):
        for p, e in clients.produce_sequence(broker.bootstrap, topic, range(6), n, tag).items():
            ends[p] = max(ends.get(p, 0), e)

    def revoked(member):
        return [p for (_, m, k, p, _) in log.snapshot() if m == member and k == "revoke"]

    try:
        a.start()
        step1 = clients.wait_assignments([a], range(6), timeout=60, what="a alone")
        produce(20, "s1")
        b.start()
        step2 = clients.wait_assignments([a, b], range(6), timeout=60, what="a and b")
        # Incremental: a handed over exactly the partitions b got and kept the rest all along.
        assert sorted(revoked("a")) == step2["b"], (revoked("a"), step2)
        assert set(step2["a"]) <= set(step1["a"]) and len(step2["a"]) == 3
        produce(20, "s2")
        c.start()
        step3 = clients.wait_assignments([a, b, c], range(6), timeout=60, what="a, b and c")
        assert all(len(v) == 2 for v in step3.values()), step3
        assert set(step3["a"]) <= set(step2["a"]) and set(step3["b"]) <= set(step2["b"]), (step2, step3)
        # Revoked so far: what a gave b, then what a and b each gave c; nothing else.
        assert sorted(revoked("a")) == sorted(step2["b"] + sorted(set(step2["a"]) - set(step3["a"]))), \
            (revoked("a"), step2, step3)
        assert sorted(revoked("b")) == sorted(set(step2["b"]) - set(step3["b"])), (revoked("b"), step2, step3)
        g = _describe(broker.bootstrap, group)
        assert (g["state"], g["protocol"]) == ("Stable", "cooperative-sticky")
        produce(20, "s3")
        _wait_all_read(log, ends)

        # c leaves: a and b pick its partitions up without giving anything away.
        before = len(revoked("a")) + len(revoked("b"))
        c.stop()
        step4 = clients.wait_assignments([a, b], range(6), timeout=60, what="a and b after c left")
        assert set(step3["a"]) <= set(step4["a"]) and set(step3["b"]) <= set(step4["b"]), (step3, step4)
        assert len(revoked("a")) + len(revoked("b")) == before
        produce(20, "s4")
        _wait_all_read(log, ends)
        assert clients.check_group_consumption(log, ends) == 0
    finally:
        _stop_all([a, b, c])
    _no_errors(a, b, c)


def test_static_member_restarts_without_rebalance(broker):
    """Static members (group.instance.id) do not leave on close; one that comes back within the
    session timeout takes its old place and assignment, and the other member sees no rebalance.
    First the follower restarts, then the leader."""
    topic, group = "static", "g-static"
    _topic(broker.bootstrap, topic, 4)
    log = clients.EventLog()

    def member(name, instance):
        return clients.ConfluentMember(name, broker.bootstrap, group, [topic], log,
                                       extra={"group.instance.id": instance, "session.timeout.ms": 10000})

    a = member("a", "inst-a")
    b = member("b", "inst-b")
    b2 = a2 = None
    try:
        a.start()
        clients.wait_assignments([a], range(4), timeout=60, what="a alone")
        b.start()
        before = clients.wait_assignments([a, b], range(4), timeout=60, what="a and b")
        g = _describe(broker.bootstrap, group)
        ids = {m["group_instance_id"]: m["member_id"] for m in g["members"]}
        assert sorted(ids) == ["inst-a", "inst-b"]
        a_calls = (a.assign_calls, a.revoke_calls)

        # The follower b restarts.
        b.stop()
        g = _describe(broker.bootstrap, group)
        assert len(g["members"]) == 2, "a static member must not send LeaveGroup on close"
        b2 = member("b2", "inst-b")
        b2.start()
        clients._wait(lambda: sorted(b2.assignment) == before["b"], 20, "b2 to get b's partitions back")
        g = _describe(broker.bootstrap, group)
        assert g["state"] == "Stable"
        new_ids = {m["group_instance_id"]: m["member_id"] for m in g["members"]}
        assert new_ids["inst-a"] == ids["inst-a"] and new_ids["inst-b"] != ids["inst-b"]
        # Past the old member's session timeout: still nothing happens to a.
        time.sleep(12)
        assert (a.assign_calls, a.revoke_calls) == a_calls
        assert sorted(a.assignment) == before["a"]
        b2_calls = (b2.assign_calls, b2.revoke_calls)

        # The leader a restarts.
        a.stop()
        a2 = member("a2", "inst-a")
        a2.start()
        clients._wait(lambda: sorted(a2.assignment) == before["a"], 20, "a2 to get a's partitions back")
        time.sleep(3)
        assert (b2.assign_calls, b2.revoke_calls) == b2_calls
        assert sorted(b2.assignment) == before["b"]
        assert _describe(broker.bootstrap, group)["state"] == "Stable"

        ends = clients.produce_sequence(broker.bootstrap, topic, range(4), 10, "static")
        _wait_all_read(log, ends)
        assert clients.check_group_consumption(log, ends) == 0
        assert {p for p, _ in log.reads("a2")} <= set(before["a"])
        assert {p for p, _ in log.reads("b2")} <= set(before["b"])
    finally:
        _stop_all([m for m in (a, b, a2, b2) if m is not None])
    _no_errors(*[m for m in (a, b, a2, b2) if m is not None])


def test_kafka_python_and_confluent_share_a_group(broker):
    topic, group = "mixed", "g-mixed"
    _topic(broker.bootstrap, topic, 6)
    log = clients.EventLog()
    kp = clients.KafkaPythonMember("kp", broker.bootstrap, group, [topic], log)
    cf = clients.ConfluentMember("cf", broker.bootstrap, group, [topic], log)
    try:
        kp.start()
        clients.wait_assignments([kp], range(6), timeout=60, what="kafka-python alone")
        cf.start()
        split = clients.wait_assignments([kp, cf], range(6), timeout=60, what="kafka-python and confluent")
        assert len(split["kp"]) == 3 and len(split["cf"]) == 3
        g = _describe(broker.bootstrap, group)
        assert (g["state"], g["protocol"]) == ("Stable", "range")
        assert len(g["members"]) == 2

        ends = clients.produce_sequence(broker.bootstrap, topic, range(6), 20, "mixed")
        _wait_all_read(log, ends)
        assert {p for p, _ in log.reads("kp")} <= set(split["kp"])
        assert {p for p, _ in log.reads("cf")} <= set(split["cf"])

        # kafka-python leaves; confluent takes over from kafka-python's commits.
        kp.stop()
        clients.wait_assignments([cf], range(6), timeout=60, what="confluent alone")
        more = clients.produce_sequence(broker.bootstrap, topic, range(6), 10, "mixed2")
        ends = {p: max(ends[p], more[p]) for p in ends}
        _wait_all_read(log, ends)
        assert clients.check_group_consumption(log, ends) == 0
    finally:
        _stop_all([kp, cf])
    _no_errors(kp, cf)
    assert clients.committed_offsets(broker.bootstrap, group, topic, range(6)) == ends


def test_kafka_python_group_alone(broker):
    """kafka-python's own group path end to end: three members, disjoint cover, commits."""
    topic, group = "kp-only", "g-kp"
    _topic(broker.bootstrap, topic, 6)
    log = clients.EventLog()
    members = [clients.KafkaPythonMember(f"k{i}", broker.bootstrap, group, [topic], log) for i in range(3)]
    try:
        for m in members:
            m.start()
        split = clients.wait_assignments(members, range(6), timeout=90)
        assert sorted(len(v) for v in split.values()) == [2, 2, 2]
        ends = clients.produce_sequence(broker.bootstrap, topic, range(6), 15, "kp")
        _wait_all_read(log, ends)
        assert clients.check_group_consumption(log, ends) == 0
    finally:
        _stop_all(members)
    _no_errors(*members)
    assert clients.committed_offsets(broker.bootstrap, group, topic, range(6)) == ends


def test_kcat_balanced_consumer_resumes_at_committed_offset(broker):
    topic, group = "kcatg", "g-kcat"
    _topic(broker.bootstrap, topic, 3)
    first = clients.produce_sequence(broker.bootstrap, topic, range(3), 10, "k1")

    def kcat_group(count):
        res = clients.kcat(["-b", broker.bootstrap, "-G", group, "-X", "auto.offset.reset=earliest",
                            "-X", "session.timeout.ms=6000", "-X", "heartbeat.interval.ms=500",
                            "-c", str(count), "-q", "-f", "%p %o %s\\n", topic], timeout=90)
        return sorted(tuple(int(x) for x in line.split()[:2]) for line in res.stdout.decode().splitlines() if line)

    got = kcat_group(30)
    assert got == sorted((p, o) for p in range(3) for o in range(first[p]))
    assert clients.committed_offsets(broker.bootstrap, group, topic, range(3)) == first
    second = clients.produce_sequence(broker.bootstrap, topic, range(3), 5, "k2")
    got = kcat_group(15)
    assert got == sorted((p, o) for p in range(3) for o in range(first[p], second[p]))
    assert clients.committed_offsets(broker.bootstrap, group, topic, range(3)) == second


@pytest.mark.parametrize("strategy", ["range", "roundrobin"])
def test_assignment_strategy_is_the_one_all_members_support(broker, strategy):
    """The coordinator picks the protocol every member supports (first in the members' preference)."""
    topic, group = f"strat-{strategy}", f"g-strat-{strategy}"
    _topic(broker.bootstrap, topic, 4)
    log = clients.EventLog()
    # a supports only `strategy`; b prefers the other one but supports both (librdkafka refuses to mix
    # eager and cooperative assignors in one consumer, so both are eager).
    other = "roundrobin" if strategy == "range" else "range"
    a = clients.ConfluentMember("a", broker.bootstrap, group, [topic], log, commit=False,
                                extra={"partition.assignment.strategy": strategy})
    b = clients.ConfluentMember("b", broker.bootstrap, group, [topic], log, commit=False,
                                extra={"partition.assignment.strategy": f"{other},{strategy}"})
    try:
        a.start()
        b.start()
        clients.wait_assignments([a, b], range(4), timeout=60)
        g = _describe(broker.bootstrap, group)
        assert g["protocol"] == strategy
    finally:
        _stop_all([a, b])


def test_admin_clients_see_the_group(broker):
    """The group as confluent-kafka's AdminClient.list_groups (ListGroups + DescribeGroups) and
    kafka-python's KafkaAdminClient (its own DescribeGroups/OffsetFetch versions) show it."""
    from kafka import KafkaAdminClient, TopicPartition as KTP

    topic, group = "admin-view", "g-admin-view"
    _topic(broker.bootstrap, topic, 4)
    log = clients.EventLog()
    members = [clients.ConfluentMember(f"v{i}", broker.bootstrap, group, [topic], log) for i in range(2)]
    kp_admin = None
    try:
        for m in members:
            m.start()
        split = clients.wait_assignments(members, range(4), timeout=60)
        ends = clients.produce_sequence(broker.bootstrap, topic, range(4), 5, "admin")
        _wait_all_read(log, ends)
        clients._wait(lambda: clients.committed_offsets(broker.bootstrap, group, topic, range(4)) == ends, 30,
                      "all commits")

        [g] = [x for x in clients.admin(broker.bootstrap).list_groups(timeout=30) if x.id == group]
        assert (g.state, g.protocol_type, g.protocol) == ("Stable", "consumer", "range")
        assert sorted(m.client_id for m in g.members) == ["v0", "v1"]
        for m in g.members:
            assert m.client_host == "/127.0.0.1"
            assert wire.decode_consumer_assignment(m.assignment) == {topic: split[m.client_id]}

        kp_admin = KafkaAdminClient(**clients.kafka_python_kwargs(broker.bootstrap))
        assert (group, "consumer") in kp_admin.list_consumer_groups()
        [info] = kp_admin.describe_consumer_groups([group])
        assert (info.group, info.state, info.protocol_type, info.protocol) == (group, "Stable", "consumer", "range")
        assert sorted(m.client_id for m in info.members) == ["v0", "v1"]
        offsets = kp_admin.list_consumer_group_offsets(group)
        assert {tp.partition: om.offset for tp, om in offsets.items() if tp.topic == topic} == ends
        assert all(isinstance(tp, KTP) for tp in offsets)
    finally:
        if kp_admin is not None:
            kp_admin.close()
        _stop_all(members)


@pytest.mark.slow
def test_membership_churn_loses_nothing(broker):
    """Members come and go (close, kill -9 of a process member, kafka-python and confluent mixed)
    while records keep arriving; at the end every record was read and none below a committed offset."""
    import random
    topic, group = "churn", "g-churn"
    _topic(broker.bootstrap, topic, 8)
    log = clients.EventLog()
    rnd = random.Random(4)
    ends = {}
    live = []
    made = 0

    def produce(n, tag):
        for p, e in clients.produce_sequence(broker.bootstrap, topic, range(8), n, tag).items():
            ends[p] = max(ends.get(p, 0), e)

    def add():
        nonlocal made
        made += 1
        kind = rnd.choice(["confluent", "confluent", "kafka-python", "process"])
        name = f"{kind[0]}{made}"
        if kind == "confluent":
            m = clients.ConfluentMember(name, broker.bootstrap, group, [topic], log, delay=0.002)
            m.start()
        elif kind == "kafka-python":
            m = clients.KafkaPythonMember(name, broker.bootstrap, group, [topic], log, delay=0.002)
            m.start()
        else:
            m = clients.MemberProcess(name, broker.bootstrap, group, [topic], log, delay=0.002)
        live.append(m)

    try:
        for _ in range(3):
            add()
        for step in range(8):
            produce(15, f"c{step}")
            time.sleep(rnd.uniform(1.0, 3.0))
            if len(live) > 1 and rnd.random() < 0.5:
                m = live.pop(rnd.randrange(len(live)))
                if isinstance(m, clients.MemberProcess):
                    m.kill9()
                else:
                    m.stop()
            if len(live) < 4:
                add()
        produce(15, "last")
        _wait_all_read(log, ends, timeout=180)
        dups = clients.check_group_consumption(log, ends)
        total = sum(ends.values())
        assert dups <= total // 10, f"{dups} duplicate reads of {total} records"
    finally:
        for m in live:
            try:
                m.kill9() if isinstance(m, clients.MemberProcess) else m.stop()
            except Exception:  # noqa: BLE001 - teardown
                pass
