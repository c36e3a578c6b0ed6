"""Group coordinator errors at the wire level (raw requests from wire.py), where Kafka's
GroupCoordinator gives them: the JoinGroup member-id dance (v4+) and the v0 path, UNKNOWN_MEMBER_ID,
ILLEGAL_GENERATION, REBALANCE_IN_PROGRESS, INVALID_SESSION_TIMEOUT, GROUP_MAX_SIZE_REACHED,
FENCED_INSTANCE_ID, INCONSISTENT_GROUP_PROTOCOL, INVALID_GROUP_ID, stale-generation commits, and the
admin APIs (DescribeGroups, ListGroups, DeleteGroups, OffsetDelete).

Most tests share one broker (each uses its own group ids); the group.max.size test has its own.
Wire members use long session timeouts so that no member expires between the steps of a test."""

import concurrent.futures
import itertools
import time

import pytest

import clients
import wire

_ids = itertools.count()
SESSION = 30000
TOPIC = "ge-topic"


def _group(tag):
    return f"ge-{tag}-{next(_ids)}"


@pytest.fixture(scope="module")
def gb(shared_broker):
    """The shared broker with __consumer_offsets created (every partition loaded) and TOPIC
    (2 partitions) present."""
    clients.wait_group_coordinator(shared_broker.bootstrap, "ge-warmup")
    by_partition = {}
    for i in range(10000):
        by_partition.setdefault(wire.partition_for_group(f"ge-warmup-{i}"), f"ge-warmup-{i}")
        if len(by_partition) == 50:
            break
    for g in by_partition.values():
        _ready(shared_broker.bootstrap, g)
    clients.create_topic(shared_broker.bootstrap, TOPIC, partitions=2)
    clients.wait_topic_ready(shared_broker.bootstrap, TOPIC, 2)
    return shared_broker


def _ready(bootstrap, group):
    """Waits until the group's coordinator answers for it (no NOT_COORDINATOR / loading)."""
    clients.wait_group_coordinator(bootstrap, group)

    def loaded():
        with wire.Connection(bootstrap) as c:
            return wire.offset_fetch(c, 3, group, None)["error_code"] == 0
    clients._wait(loaded, 30, f"the coordinator of {group} to finish loading")


class WireMember:
    """One group member on its own connection (JoinGroup may block: one request at a time)."""

    def __init__(self, bootstrap, group, version=5, topics=(TOPIC,), instance_id=None, session=SESSION,
                 rebalance=SESSION, protocols=None, protocol_type="consumer"):
        self.conn = wire.Connection(bootstrap, timeout=90)
        self.group = group
        self.version = version
        self.instance_id = instance_id
        self.session = session
        self.rebalance = rebalance
        self.subscription = wire.consumer_subscription(list(topics))
        self.protocols = protocols if protocols is not None else [("range", self.subscription)]
        self.protocol_type = protocol_type
        self.member_id = ""
        self.generation = -1
        self.leader = None
        self.last_join = None

    def join(self):
        kwargs = dict(protocols=self.protocols, session_timeout_ms=self.session,
                      rebalance_timeout_ms=self.rebalance, protocol_type=self.protocol_type)
        if self.version >= 5:
            kwargs["group_instance_id"] = self.instance_id
        if self.member_id == "" and self.version >= 4 and self.instance_id is None:
            first = wire.join_group(self.conn, self.version, self.group, "", **kwargs)
            assert first["error_code"] == wire.ERR_MEMBER_ID_REQUIRED, first
            self.member_id = first["member_id"]
        r = wire.join_group(self.conn, self.version, self.group, self.member_id, **kwargs)
        self.last_join = r
        if r["error_code"] == 0:
            self.member_id = r["member_id"]
            self.generation = r["generation_id"]
            self.leader = r["leader"]
        return r

    def sync(self, assignments=()):
        # SyncGroup v5+ must carry the protocol type and name (Kafka answers INCONSISTENT_GROUP_PROTOCOL
        # otherwise).
        v = min(self.version, 5)
        protocol = self.protocols[0][0] if self.protocols else None
        return wire.sync_group(self.conn, v, self.group, self.generation, self.member_id, assignments,
                               group_instance_id=self.instance_id if v >= 3 else None,
                               protocol_type=self.protocol_type if v >= 5 else None,
                               protocol_name=protocol if v >= 5 else None)

    def heartbeat(self, generation=None, member_id=None):
        v = min(self.version, 4)
        return wire.heartbeat(self.conn, v, self.group, self.generation if generation is None else generation,
                              self.member_id if member_id is None else member_id,
                              group_instance_id=self.instance_id if v >= 3 else None)

    def commit(self, offsets, generation=None, member_id=None, version=7):
        return wire.offset_commit(self.conn, version, self.group, offsets,
                                  generation_id=self.generation if generation is None else generation,
                                  member_id=self.member_id if member_id is None else member_id,
                                  group_instance_id=self.instance_id if version >= 7 else None)

    def leave(self, version=3):
        if version <= 2:
            return wire.leave_group(self.conn, version, self.group, [(self.member_id, None)])
        return wire.leave_group(self.conn, version, self.group, [(self.member_id, self.instance_id)])

    def close(self):
        self.conn.close()


def _stable_single(bootstrap, group, version=5, **kwargs):
    """A one-member Stable group: join (leader) and sync with an assignment of both TOPIC partitions."""
    m = WireMember(bootstrap, group, version=version, **kwargs)
    r = m.join()
    assert r["error_code"] == 0, r
    assert r["leader"] == m.member_id
    assignment = wire.consumer_assignment({TOPIC: [0, 1]})
    s = m.sync([(m.member_id, assignment)])
    assert s["error_code"] == 0, s
    assert s["assignment"] == assignment
    return m, assignment


def _describe(bootstrap, group, version=5):
    with wire.Connection(bootstrap) as c:
        [g] = wire.describe_groups(c, version, [group])
    return g


# ------------------------------------------------------------------------------------ JoinGroup

@pytest.mark.parametrize("version", [4, 5, 6, 7, 8, 9])
def test_join_v4_plus_member_id_required_dance(gb, version):
    group = _group(f"dance{version}")
    _ready(gb.bootstrap, group)
    sub = wire.consumer_subscription([TOPIC])
    with wire.Connection(gb.bootstrap, timeout=60) as c:
        first = wire.join_group(c, version, group, "", protocols=[("range", sub)], session_timeout_ms=SESSION)
        assert first["error_code"] == wire.ERR_MEMBER_ID_REQUIRED, first
        assert first["member_id"], "MEMBER_ID_REQUIRED must carry the member id to rejoin with"
        assert first["generation_id"] == -1 and first["members"] == [] and first["leader"] == ""
        assert first["trailing"] == 0
        # The id Kafka generates is "<client id>-<uuid>".
        assert first["member_id"].startswith("itest-")

        r = wire.join_group(c, version, group, first["member_id"], protocols=[("range", sub)],
                            session_timeout_ms=SESSION)
        assert r["error_code"] == 0, r
        assert r["member_id"] == first["member_id"]
        assert r["generation_id"] == 1
        assert r["leader"] == r["member_id"]
        assert r["protocol_name"] == "range"
        if version >= 7:
            assert r["protocol_type"] == "consumer"
        assert r["skip_assignment"] is False
        assert [(m["member_id"], m["metadata"]) for m in r["members"]] == [(r["member_id"], sub)]
        assert r["trailing"] == 0

        assignment = wire.consumer_assignment({TOPIC: [0, 1]})
        sv = min(version, 5)
        s = wire.sync_group(c, sv, group, 1, r["member_id"], [(r["member_id"], assignment)],
                            protocol_type="consumer" if sv >= 5 else None,
                            protocol_name="range" if sv >= 5 else None)
        assert s["error_code"] == 0 and s["assignment"] == assignment, s
        if sv >= 5:
            assert (s["protocol_type"], s["protocol_name"]) == ("consumer", "range")
        assert wire.heartbeat(c, min(version, 4), group, 1, r["member_id"]) == 0
        left = wire.leave_group(c, min(version, 5), group, [(r["member_id"], None)])
        assert left["error_code"] == 0 and [m["error_code"] for m in left["members"]] == [0], left
    assert _describe(gb.bootstrap, group)["state"] == "Empty"


def test_join_static_member_needs_no_member_id(gb):
    group = _group("static-direct")
    _ready(gb.bootstrap, group)
    with wire.Connection(gb.bootstrap, timeout=60) as c:
        r = wire.join_group(c, 5, group, "", session_timeout_ms=SESSION, group_instance_id="inst-1")
        assert r["error_code"] == 0, r
        assert r["member_id"] and r["generation_id"] == 1
        assert r["members"][0]["group_instance_id"] == "inst-1"


@pytest.mark.parametrize("version", [0, 1, 2, 3])
def test_join_v0_to_v3_get_a_member_id_at_once(gb, version):
    group = _group(f"old{version}")
    _ready(gb.bootstrap, group)
    m, assignment = _stable_single(gb.bootstrap, group, version=version)
    assert m.generation == 1 and m.member_id.startswith("itest-")
    assert m.heartbeat() == 0
    assert m.leave(version=min(version, 2))["error_code"] == 0
    g = _describe(gb.bootstrap, group)
    assert g["state"] == "Empty" and g["members"] == []
    m.close()


def test_invalid_group_id(gb):
    with wire.Connection(gb.bootstrap) as c:
        r = wire.join_group(c, 5, "", "", session_timeout_ms=SESSION)
        assert r["error_code"] == wire.ERR_INVALID_GROUP_ID, r
        assert wire.heartbeat(c, 3, "", 1, "m") == wire.ERR_INVALID_GROUP_ID
        assert wire.sync_group(c, 3, "", 1, "m")["error_code"] == wire.ERR_INVALID_GROUP_ID


@pytest.mark.parametrize("session_ms", [1000, 5999, 1800001])
def test_invalid_session_timeout(gb, session_ms):
    group = _group("session")
    _ready(gb.bootstrap, group)
    with wire.Connection(gb.bootstrap) as c:
        for version in (0, 4, 5):
            r = wire.join_group(c, version, group, "", session_timeout_ms=session_ms, rebalance_timeout_ms=10000)
            assert r["error_code"] == wire.ERR_INVALID_SESSION_TIMEOUT, (version, r)


def test_inconsistent_group_protocol(gb):
    group = _group("proto")
    _ready(gb.bootstrap, group)
    a, _ = _stable_single(gb.bootstrap, group)
    sub = wire.consumer_subscription([TOPIC])
    with wire.Connection(gb.bootstrap) as c:
        # No protocol in common with the group's members.
        r = wire.join_group(c, 5, group, "", protocols=[("roundrobin", sub)], session_timeout_ms=SESSION)
        assert r["error_code"] == wire.ERR_INCONSISTENT_GROUP_PROTOCOL, r
        # Another protocol type.
        r = wire.join_group(c, 5, group, "", protocols=[("range", sub)], protocol_type="connect",
                            session_timeout_ms=SESSION)
        assert r["error_code"] == wire.ERR_INCONSISTENT_GROUP_PROTOCOL, r
        # A new group needs a protocol type and at least one protocol.
        fresh = _group("proto-empty")
        _ready(gb.bootstrap, fresh)
        r = wire.join_group(c, 5, fresh, "", protocols=[], session_timeout_ms=SESSION)
        assert r["error_code"] == wire.ERR_INCONSISTENT_GROUP_PROTOCOL, r
        r = wire.join_group(c, 5, fresh, "", protocol_type="", session_timeout_ms=SESSION)
        assert r["error_code"] == wire.ERR_INCONSISTENT_GROUP_PROTOCOL, r
    # The member in the group is untouched.
    assert a.heartbeat() == 0
    a.close()


# ------------------------------------------------------------------------------------ members

def test_unknown_member_and_illegal_generation(gb):
    group = _group("unknown")
    _ready(gb.bootstrap, group)
    a, _ = _stable_single(gb.bootstrap, group)
    with wire.Connection(gb.bootstrap) as c:
        # Heartbeat / SyncGroup from a member the group does not know, or to a group that does not exist.
        assert wire.heartbeat(c, 3, group, a.generation, "bogus") == wire.ERR_UNKNOWN_MEMBER_ID
        assert wire.heartbeat(c, 3, _group("nogroup"), 1, "bogus") == wire.ERR_UNKNOWN_MEMBER_ID
        assert wire.sync_group(c, 3, group, a.generation, "bogus")["error_code"] == wire.ERR_UNKNOWN_MEMBER_ID
        assert wire.sync_group(c, 3, _group("nogroup"), 1, "bogus")["error_code"] == wire.ERR_UNKNOWN_MEMBER_ID
        # JoinGroup with a member id the group never gave out (existing group, or none at all).
        r = wire.join_group(c, 5, group, "bogus", session_timeout_ms=SESSION)
        assert r["error_code"] == wire.ERR_UNKNOWN_MEMBER_ID, r
        r = wire.join_group(c, 5, _group("nogroup"), "bogus", session_timeout_ms=SESSION)
        assert r["error_code"] == wire.ERR_UNKNOWN_MEMBER_ID, r
        # LeaveGroup: v0-2 put the member's error at the top, v3+ per member.
        assert wire.leave_group(c, 1, group, [("bogus", None)])["error_code"] == wire.ERR_UNKNOWN_MEMBER_ID
        left = wire.leave_group(c, 3, group, [("bogus", None)])
        assert left["error_code"] == 0
        assert [(m["member_id"], m["error_code"]) for m in left["members"]] == [("bogus", wire.ERR_UNKNOWN_MEMBER_ID)]

    # A known member with a wrong generation.
    assert a.heartbeat(generation=a.generation + 1) == wire.ERR_ILLEGAL_GENERATION
    assert a.heartbeat(generation=0) == wire.ERR_ILLEGAL_GENERATION
    s = wire.sync_group(a.conn, 3, group, a.generation + 5, a.member_id)
    assert s["error_code"] == wire.ERR_ILLEGAL_GENERATION, s

    # OffsetCommit: wrong generation, unknown member, or a "simple" commit into a group with members.
    tp = (TOPIC, 0)
    assert a.commit({tp: 5}, generation=a.generation + 1) == {tp: wire.ERR_ILLEGAL_GENERATION}
    assert a.commit({tp: 5}, member_id="bogus") == {tp: wire.ERR_UNKNOWN_MEMBER_ID}
    assert a.commit({tp: 5}, generation=-1, member_id="") == {tp: wire.ERR_UNKNOWN_MEMBER_ID}
    assert a.commit({tp: 5}) == {tp: 0}
    assert a.commit({tp: 6}, version=2) == {tp: 0}  # kafka-python's version
    with wire.Connection(gb.bootstrap) as c:
        got = wire.offset_fetch(c, 1, group, {TOPIC: [0]})["partitions"]
        assert got[tp]["offset"] == 6 and got[tp]["error_code"] == 0
        # An old generation commit to a group the coordinator does not know at all.
        assert wire.offset_commit(c, 2, _group("nogroup"), {tp: 1}, generation_id=3, member_id="m") == \
            {tp: wire.ERR_ILLEGAL_GENERATION}
    a.close()


def test_rebalance_in_progress_and_stale_generation(gb):
    """A second member joins a Stable group: the first one's heartbeat says REBALANCE_IN_PROGRESS
    until it rejoins; during CompletingRebalance a heartbeat of the new generation is fine (Kafka 2.5+)
    but a commit says REBALANCE_IN_PROGRESS; afterwards the old generation is ILLEGAL_GENERATION."""
    group = _group("rebal")
    _ready(gb.bootstrap, group)
    a, _ = _stable_single(gb.bootstrap, group)
    tp = (TOPIC, 0)
    b = WireMember(gb.bootstrap, group)
    pool = concurrent.futures.ThreadPoolExecutor(4)
    try:
        b_join = pool.submit(b.join)
        # B's JoinGroup waits for A to rejoin; meanwhile the group is PreparingRebalance.
        clients._wait(lambda: _describe(gb.bootstrap, group)["state"] == "PreparingRebalance", 20,
                      "PreparingRebalance")
        assert not b_join.done()
        assert a.heartbeat() == wire.ERR_REBALANCE_IN_PROGRESS
        # Kafka still accepts a commit of the old generation while PreparingRebalance.
        assert a.commit({tp: 3}) == {tp: 0}
        # SyncGroup now: REBALANCE_IN_PROGRESS.
        assert a.sync()["error_code"] == wire.ERR_REBALANCE_IN_PROGRESS
        old_generation = a.generation

        ra = a.join()
        rb = b_join.result(timeout=30)
        assert ra["error_code"] == 0 and rb["error_code"] == 0, (ra, rb)
        assert ra["generation_id"] == rb["generation_id"] == old_generation + 1
        # The leader stays the leader and alone gets the member list.
        assert ra["leader"] == rb["leader"] == a.member_id
        assert sorted(m["member_id"] for m in ra["members"]) == sorted([a.member_id, b.member_id])
        assert rb["members"] == []

        # CompletingRebalance: waiting for the leader's SyncGroup.
        assert _describe(gb.bootstrap, group)["state"] == "CompletingRebalance"
        b_sync = pool.submit(b.sync)
        with wire.Connection(gb.bootstrap) as c:  # b.conn is busy with the waiting SyncGroup
            assert wire.heartbeat(c, 3, group, b.generation, b.member_id) == 0
            assert wire.offset_commit(c, 7, group, {tp: 4}, generation_id=b.generation, member_id=b.member_id) == \
                {tp: wire.ERR_REBALANCE_IN_PROGRESS}
        assert not b_sync.done()
        assign_a = wire.consumer_assignment({TOPIC: [0]})
        assign_b = wire.consumer_assignment({TOPIC: [1]})
        sa = a.sync([(a.member_id, assign_a), (b.member_id, assign_b)])
        sb = b_sync.result(timeout=30)
        assert (sa["error_code"], sa["assignment"]) == (0, assign_a)
        assert (sb["error_code"], sb["assignment"]) == (0, assign_b)
        assert _describe(gb.bootstrap, group)["state"] == "Stable"

        assert a.heartbeat() == 0 and b.heartbeat() == 0
        # The previous generation is gone.
        assert a.heartbeat(generation=old_generation) == wire.ERR_ILLEGAL_GENERATION
        assert a.commit({tp: 9}, generation=old_generation) == {tp: wire.ERR_ILLEGAL_GENERATION}
        assert a.commit({tp: 9}) == {tp: 0}

        # B leaves: A's next heartbeat sees the rebalance, A rejoins alone.
        assert b.leave()["error_code"] == 0
        assert a.heartbeat() == wire.ERR_REBALANCE_IN_PROGRESS
        r = a.join()
        assert r["error_code"] == 0 and r["generation_id"] == old_generation + 2
        assert [m["member_id"] for m in r["members"]] == [a.member_id]
    finally:
        pool.shutdown(wait=False, cancel_futures=True)
        a.close()
        b.close()


def test_sync_group_before_leader_assigns_gets_assignment_later(gb):
    """Followers' SyncGroup waits for the leader's; members missing from the leader's assignment get
    an empty one."""
    group = _group("sync")
    _ready(gb.bootstrap, group)
    a, _ = _stable_single(gb.bootstrap, group)
    b = WireMember(gb.bootstrap, group)
    pool = concurrent.futures.ThreadPoolExecutor(2)
    try:
        b_join = pool.submit(b.join)
        clients._wait(lambda: _describe(gb.bootstrap, group)["state"] == "PreparingRebalance", 20,
                      "PreparingRebalance")
        assert a.join()["error_code"] == 0
        assert b_join.result(timeout=30)["error_code"] == 0
        b_sync = pool.submit(b.sync)
        only_a = wire.consumer_assignment({TOPIC: [0, 1]})
        assert a.sync([(a.member_id, only_a)])["assignment"] == only_a
        sb = b_sync.result(timeout=30)
        assert sb["error_code"] == 0 and sb["assignment"] == b""
    finally:
        pool.shutdown(wait=False, cancel_futures=True)
        a.close()
        b.close()


def test_fenced_instance_id(gb):
    group = _group("fenced")
    _ready(gb.bootstrap, group)
    a, assignment = _stable_single(gb.bootstrap, group, instance_id="inst-a")
    old_id = a.member_id
    tp = (TOPIC, 0)
    # The same instance id joins again without a member id (a restarted process): it takes over with a
    # new member id, in the current generation, without a rebalance.
    a2 = WireMember(gb.bootstrap, group, instance_id="inst-a")
    r = a2.join()
    assert r["error_code"] == 0, r
    assert a2.member_id != old_id
    assert r["generation_id"] == a.generation
    s = a2.sync([(a2.member_id, assignment)])
    assert s["error_code"] == 0 and s["assignment"] == assignment, s
    assert _describe(gb.bootstrap, group)["state"] == "Stable"
    assert a2.heartbeat() == 0

    # The old member id of that instance is fenced everywhere.
    assert a.heartbeat() == wire.ERR_FENCED_INSTANCE_ID
    assert a.sync()["error_code"] == wire.ERR_FENCED_INSTANCE_ID
    assert a.commit({tp: 1}) == {tp: wire.ERR_FENCED_INSTANCE_ID}
    r = wire.join_group(a.conn, 5, group, old_id, session_timeout_ms=SESSION, group_instance_id="inst-a",
                        protocols=a.protocols)
    assert r["error_code"] == wire.ERR_FENCED_INSTANCE_ID, r
    left = wire.leave_group(a.conn, 3, group, [(old_id, "inst-a")])
    assert [m["error_code"] for m in left["members"]] == [wire.ERR_FENCED_INSTANCE_ID], left
    # The current one is fine, and can leave by instance id.
    assert a2.commit({tp: 2}) == {tp: 0}
    g = _describe(gb.bootstrap, group)
    assert [(m["member_id"], m["group_instance_id"]) for m in g["members"]] == [(a2.member_id, "inst-a")]
    left = wire.leave_group(a2.conn, 3, group, [("", "inst-a")])
    assert left["error_code"] == 0 and [m["error_code"] for m in left["members"]] == [0], left
    assert _describe(gb.bootstrap, group)["state"] == "Empty"
    a.close()
    a2.close()


def test_group_max_size(broker_factory):
    b = broker_factory(extra_props={"group.max.size": 1})
    group = _group("max")
    _ready(b.bootstrap, group)
    a, _ = _stable_single(b.bootstrap, group, version=4)
    with wire.Connection(b.bootstrap) as c:
        for version in (0, 4, 5):
            r = wire.join_group(c, version, group, "", session_timeout_ms=SESSION)
            assert r["error_code"] == wire.ERR_GROUP_MAX_SIZE_REACHED, (version, r)
        r = wire.join_group(c, 5, group, "", session_timeout_ms=SESSION, group_instance_id="late-static")
        assert r["error_code"] == wire.ERR_GROUP_MAX_SIZE_REACHED, r
    assert a.heartbeat() == 0
    assert a.leave()["error_code"] == 0
    # Room again.
    m, _ = _stable_single(b.bootstrap, group, version=4)
    m.close()
    a.close()


# ------------------------------------------------------------------------------------ admin

def test_describe_groups_every_version(gb):
    group = _group("describe")
    _ready(gb.bootstrap, group)
    a, assignment = _stable_single(gb.bootstrap, group, instance_id="desc-inst")
    unknown = _group("describe-unknown")
    _ready(gb.bootstrap, unknown)
    for version in range(6):
        with wire.Connection(gb.bootstrap) as c:
            got = wire.describe_groups(c, version, [group, unknown])
        assert [g["group_id"] for g in got] == [group, unknown]
        g, u = got
        assert (g["error_code"], g["state"], g["protocol_type"], g["protocol"]) == (0, "Stable", "consumer", "range")
        [m] = g["members"]
        assert m["member_id"] == a.member_id
        assert m["client_id"] == "itest"
        assert m["client_host"] == "/127.0.0.1"
        assert m["metadata"] == a.subscription
        assert m["assignment"] == assignment
        assert m["group_instance_id"] == ("desc-inst" if version >= 4 else None)
        if version >= 3:
            # Without include_authorized_operations Kafka sends Integer.MIN_VALUE.
            assert g["authorized_operations"] == -2147483648
        # An unknown group is described as Dead, without an error.
        assert (u["error_code"], u["state"], u["protocol_type"], u["protocol"], u["members"]) == \
            (0, "Dead", "", "", [])
    a.close()


def test_list_groups_every_version(gb):
    stable = _group("list-stable")
    empty = _group("list-empty")
    _ready(gb.bootstrap, stable)
    _ready(gb.bootstrap, empty)
    a, _ = _stable_single(gb.bootstrap, stable)
    with wire.Connection(gb.bootstrap) as c:
        # A group with only committed offsets: listed with an empty protocol type.
        assert wire.offset_commit(c, 2, empty, {(TOPIC, 0): 1}) == {(TOPIC, 0): 0}
        for version in range(6):
            res = wire.list_groups(c, version)
            assert res["error_code"] == 0 and res["trailing"] == 0
            by_id = {g["group_id"]: g for g in res["groups"]}
            assert by_id[stable]["protocol_type"] == "consumer"
            assert by_id[empty]["protocol_type"] == ""
            if version >= 4:
                assert by_id[stable]["state"] == "Stable" and by_id[empty]["state"] == "Empty"
            if version >= 5:
                assert by_id[stable]["type"] == "classic"
        ids = {g["group_id"] for g in wire.list_groups(c, 4, states=["Empty"])["groups"]}
        assert empty in ids and stable not in ids
        ids = {g["group_id"] for g in wire.list_groups(c, 4, states=["stable"])["groups"]}  # case-insensitive
        assert stable in ids and empty not in ids
        ids = {g["group_id"] for g in wire.list_groups(c, 5, types=["classic"])["groups"]}
        assert {stable, empty} <= ids
        assert wire.list_groups(c, 5, types=["consumer"])["groups"] == []
    a.close()


@pytest.mark.parametrize("version", [0, 1, 2])
def test_delete_groups(gb, version):
    active = _group(f"del-active{version}")
    idle = _group(f"del-idle{version}")
    unknown = _group(f"del-unknown{version}")
    for g in (active, idle, unknown):
        _ready(gb.bootstrap, g)
    a, _ = _stable_single(gb.bootstrap, active)
    tp = (TOPIC, 1)
    with wire.Connection(gb.bootstrap) as c:
        assert wire.offset_commit(c, 2, idle, {tp: 42}) == {tp: 0}
        res = wire.delete_groups(c, version, [active, idle, unknown])
        assert res == {active: wire.ERR_NON_EMPTY_GROUP, idle: 0, unknown: wire.ERR_GROUP_ID_NOT_FOUND}
        # The deleted group's offsets are gone, and so is the group.
        assert wire.offset_fetch(c, 1, idle, {TOPIC: [1]})["partitions"][tp]["offset"] == -1
        assert wire.describe_groups(c, 0, [idle])[0]["state"] == "Dead"
        assert idle not in {g["group_id"] for g in wire.list_groups(c, 0)["groups"]}
        # Once its last member has left, the other one can go too.
        assert a.leave()["error_code"] == 0
        assert wire.delete_groups(c, version, [active]) == {active: 0}
        assert wire.describe_groups(c, 0, [active])[0]["state"] == "Dead"
    a.close()


def test_offset_delete(gb):
    group = _group("odel")
    other = "ge-other-topic"
    clients.create_topic(gb.bootstrap, other, partitions=1)
    clients.wait_topic_ready(gb.bootstrap, other, 1)
    _ready(gb.bootstrap, group)
    a, _ = _stable_single(gb.bootstrap, group)  # subscribed to TOPIC only
    sub_tp, other_tp = (TOPIC, 0), (other, 0)
    assert a.commit({sub_tp: 10, other_tp: 20}) == {sub_tp: 0, other_tp: 0}
    with wire.Connection(gb.bootstrap) as c:
        res = wire.offset_delete(c, group, {TOPIC: [0], other: [0], "ge-no-such-topic": [0]})
        assert res["error_code"] == 0, res
        assert res["partitions"] == {sub_tp: wire.ERR_GROUP_SUBSCRIBED_TO_TOPIC, other_tp: 0,
                                     ("ge-no-such-topic", 0): wire.ERR_UNKNOWN_TOPIC_OR_PARTITION}
        got = wire.offset_fetch(c, 1, group, {TOPIC: [0], other: [0]})["partitions"]
        assert got[sub_tp]["offset"] == 10 and got[other_tp]["offset"] == -1
        # Unknown group: a top-level error.
        res = wire.offset_delete(c, _group("odel-unknown"), {TOPIC: [0]})
        assert res["error_code"] == wire.ERR_GROUP_ID_NOT_FOUND, res
        # Once the group is Empty, subscribed or not no longer matters.
        assert a.leave()["error_code"] == 0
        res = wire.offset_delete(c, group, {TOPIC: [0]})
        assert res["error_code"] == 0 and res["partitions"] == {sub_tp: 0}, res
        assert wire.offset_fetch(c, 1, group, {TOPIC: [0]})["partitions"][sub_tp]["offset"] == -1
    a.close()


# ------------------------------------------------------------------------------------ timeouts

def test_rebalance_timeout_drops_members_that_do_not_rejoin(gb):
    """A member that does not rejoin within the rebalance timeout is dropped; the rebalance completes
    without it and its member id is unknown afterwards."""
    group = _group("rto")
    _ready(gb.bootstrap, group)
    a, _ = _stable_single(gb.bootstrap, group, rebalance=3000)
    b = WireMember(gb.bootstrap, group, rebalance=3000)
    pool = concurrent.futures.ThreadPoolExecutor(1)
    try:
        started = time.monotonic()
        b_join = pool.submit(b.join)
        clients._wait(lambda: _describe(gb.bootstrap, group)["state"] == "PreparingRebalance", 20,
                      "PreparingRebalance")
        assert a.heartbeat() == wire.ERR_REBALANCE_IN_PROGRESS  # a is told, and does not rejoin
        r = b_join.result(timeout=30)
        took = time.monotonic() - started
        assert r["error_code"] == 0, r
        assert 2.5 <= took <= 15, f"the rebalance completed {took:.1f}s after b joined"
        assert r["generation_id"] == a.generation + 1
        assert r["leader"] == b.member_id and [m["member_id"] for m in r["members"]] == [b.member_id]
        assert a.heartbeat() == wire.ERR_UNKNOWN_MEMBER_ID
        assert b.sync([(b.member_id, wire.consumer_assignment({TOPIC: [0, 1]}))])["error_code"] == 0
    finally:
        pool.shutdown(wait=False, cancel_futures=True)
        a.close()
        b.close()


def test_session_timeout_removes_a_silent_member(gb):
    group = _group("expire")
    _ready(gb.bootstrap, group)
    a, _ = _stable_single(gb.bootstrap, group, session=6000)
    since = time.monotonic()
    clients._wait(lambda: _describe(gb.bootstrap, group)["state"] == "Empty", 30, "the silent member to expire")
    took = time.monotonic() - since
    assert 5.0 <= took <= 20, f"expired after {took:.1f}s with a 6 s session timeout"
    assert a.heartbeat() == wire.ERR_UNKNOWN_MEMBER_ID
    a.close()


def test_heartbeats_keep_a_member(gb):
    group = _group("alive")
    _ready(gb.bootstrap, group)
    a, _ = _stable_single(gb.bootstrap, group, session=6000)
    deadline = time.monotonic() + 9
    while time.monotonic() < deadline:
        assert a.heartbeat() == 0
        time.sleep(1)
    g = _describe(gb.bootstrap, group)
    assert g["state"] == "Stable" and [m["member_id"] for m in g["members"]] == [a.member_id]
    a.close()


def test_initial_rebalance_delay_gathers_members(broker_factory):
    """group.initial.rebalance.delay.ms: the first rebalance of an Empty group waits for more
    members (each newcomer extends the wait), so both land in generation 1."""
    b = broker_factory(extra_props={"group.initial.rebalance.delay.ms": 3000})
    group = _group("delay")
    _ready(b.bootstrap, group)
    m1 = WireMember(b.bootstrap, group, version=3, rebalance=20000)
    m2 = WireMember(b.bootstrap, group, version=3, rebalance=20000)
    pool = concurrent.futures.ThreadPoolExecutor(2)
    try:
        started = time.monotonic()
        f1 = pool.submit(m1.join)
        time.sleep(1.0)
        f2 = pool.submit(m2.join)
        r1, r2 = f1.result(timeout=40), f2.result(timeout=40)
        took = time.monotonic() - started
        assert r1["error_code"] == 0 and r2["error_code"] == 0, (r1, r2)
        assert r1["generation_id"] == r2["generation_id"] == 1
        leader = r1 if r1["leader"] == r1["member_id"] else r2
        assert sorted(m["member_id"] for m in leader["members"]) == sorted([m1.member_id, m2.member_id])
        assert 2.8 <= took <= 15, f"the first rebalance took {took:.1f}s with a 3 s initial delay"
    finally:
        pool.shutdown(wait=False, cancel_futures=True)
        m1.close()
        m2.close()


def test_rejoin_in_stable_group(gb):
    """In a Stable group a follower rejoining with unchanged metadata gets the current generation at
    once; the leader rejoining (or anyone with new metadata) starts a rebalance."""
    group = _group("rejoin")
    _ready(gb.bootstrap, group)
    a, _ = _stable_single(gb.bootstrap, group)
    b = WireMember(gb.bootstrap, group)
    pool = concurrent.futures.ThreadPoolExecutor(2)
    try:
        fb = pool.submit(b.join)
        clients._wait(lambda: _describe(gb.bootstrap, group)["state"] == "PreparingRebalance", 20, "rebalance")
        assert a.join()["error_code"] == 0 and fb.result(timeout=30)["error_code"] == 0
        fb = pool.submit(b.sync)
        assert a.sync([(a.member_id, wire.consumer_assignment({TOPIC: [0]})),
                       (b.member_id, wire.consumer_assignment({TOPIC: [1]}))])["error_code"] == 0
        assert fb.result(timeout=30)["error_code"] == 0
        gen = a.generation

        # Follower, same metadata: nothing changes.
        r = b.join()
        assert r["error_code"] == 0 and r["generation_id"] == gen and r["leader"] == a.member_id, r
        assert r["members"] == []
        assert _describe(gb.bootstrap, group)["state"] == "Stable"
        assert a.heartbeat() == 0

        # Leader rejoins: a rebalance; it completes when the follower rejoins too.
        fa = pool.submit(a.join)
        clients._wait(lambda: _describe(gb.bootstrap, group)["state"] == "PreparingRebalance", 20, "rebalance")
        assert b.heartbeat() == wire.ERR_REBALANCE_IN_PROGRESS
        assert b.join()["generation_id"] == gen + 1
        assert fa.result(timeout=30)["generation_id"] == gen + 1

        # Follower with new metadata (another subscription): a rebalance as well.
        fb = pool.submit(b.sync)
        assert a.sync([(a.member_id, b"")])["error_code"] == 0
        assert fb.result(timeout=30)["error_code"] == 0
        b.protocols = [("range", wire.consumer_subscription([TOPIC, "another-topic"]))]
        fb = pool.submit(b.join)
        clients._wait(lambda: _describe(gb.bootstrap, group)["state"] == "PreparingRebalance", 20, "rebalance")
        assert a.heartbeat() == wire.ERR_REBALANCE_IN_PROGRESS
        r = a.join()
        assert r["generation_id"] == gen + 2 and fb.result(timeout=30)["generation_id"] == gen + 2
        metas = {m["member_id"]: m["metadata"] for m in r["members"]}
        assert wire.decode_consumer_subscription(metas[b.member_id])["topics"] == [TOPIC, "another-topic"]
    finally:
        pool.shutdown(wait=False, cancel_futures=True)
        a.close()
        b.close()


def test_static_member_with_wrong_member_id(gb):
    group = _group("static-wrong")
    _ready(gb.bootstrap, group)
    a, _ = _stable_single(gb.bootstrap, group, instance_id="inst-w")
    with wire.Connection(gb.bootstrap) as c:
        # A member id that does not belong to the registered instance: fenced.
        r = wire.join_group(c, 5, group, "bogus", session_timeout_ms=SESSION, group_instance_id="inst-w",
                            protocols=a.protocols)
        assert r["error_code"] == wire.ERR_FENCED_INSTANCE_ID, r
        assert wire.heartbeat(c, 3, group, a.generation, "bogus", group_instance_id="inst-w") == \
            wire.ERR_FENCED_INSTANCE_ID
        # An instance id the group does not know, with a member id: unknown member.
        r = wire.join_group(c, 5, group, "bogus", session_timeout_ms=SESSION, group_instance_id="inst-new",
                            protocols=a.protocols)
        assert r["error_code"] == wire.ERR_UNKNOWN_MEMBER_ID, r
    assert a.heartbeat() == 0
    a.close()


def test_commit_checks_member_and_generation_before_completing_rebalance(gb):
    """Kafka's GroupCoordinator validates the committer (UNKNOWN_MEMBER_ID, ILLEGAL_GENERATION) before it
    looks at the group state; only a valid member of the new generation gets REBALANCE_IN_PROGRESS while
    the group waits for the leader's SyncGroup."""
    group = _group("commit-order")
    _ready(gb.bootstrap, group)
    a, _ = _stable_single(gb.bootstrap, group)
    b = WireMember(gb.bootstrap, group)
    tp = (TOPIC, 0)
    pool = concurrent.futures.ThreadPoolExecutor(1)
    try:
        fb = pool.submit(b.join)
        clients._wait(lambda: _describe(gb.bootstrap, group)["state"] == "PreparingRebalance", 20, "rebalance")
        old = a.generation
        assert a.join()["error_code"] == 0 and fb.result(timeout=30)["error_code"] == 0
        assert _describe(gb.bootstrap, group)["state"] == "CompletingRebalance"
        with wire.Connection(gb.bootstrap) as c:
            assert wire.offset_commit(c, 7, group, {tp: 1}, generation_id=a.generation,
                                      member_id=a.member_id) == {tp: wire.ERR_REBALANCE_IN_PROGRESS}
            assert wire.offset_commit(c, 7, group, {tp: 1}, generation_id=old, member_id=a.member_id) == \
                {tp: wire.ERR_ILLEGAL_GENERATION}
            assert wire.offset_commit(c, 7, group, {tp: 1}, generation_id=a.generation, member_id="bogus") == \
                {tp: wire.ERR_UNKNOWN_MEMBER_ID}
            assert wire.offset_commit(c, 7, group, {tp: 1}) == {tp: wire.ERR_UNKNOWN_MEMBER_ID}
    finally:
        pool.shutdown(wait=False, cancel_futures=True)
        a.close()
        b.close()
