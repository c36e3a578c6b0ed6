"""Committed offsets: OffsetCommit v1-9 / OffsetFetch v1-9 at the wire level, kafka-python's and
librdkafka's commit paths, the records in __consumer_offsets decoded from the segment files with
Kafka's formats (OffsetCommitKey v1 / OffsetCommitValue v3, GroupMetadataKey v2 /
GroupMetadataValue v3), offsets of a deleted topic, and offset retention."""

import time

import pytest

import clients
import wire

OFFSETS_TOPIC = "__consumer_offsets"


def _ready(bootstrap, group):
    clients.wait_group_coordinator(bootstrap, group)

    def loaded():
        with wire.Connection(bootstrap) as c:
            return wire.offset_fetch(c, 3, group, None)["error_code"] == 0
    clients._wait(loaded, 30, f"the coordinator of {group} to finish loading")


def _topic(bootstrap, name, partitions):
    clients.create_topic(bootstrap, name, partitions=partitions)
    clients.wait_topic_ready(bootstrap, name, partitions)


def _offsets_records(broker, group):
    """Every record of the group's __consumer_offsets partition, decoded:
    [(offset, key dict, value dict or None)] in log order."""
    pdir = broker.log_dir / f"{OFFSETS_TOPIC}-{wire.partition_for_group(group)}"
    out = []
    for seg in sorted(pdir.glob("*.log")):
        for batch in wire.decode_batches(seg.read_bytes()):
            for (offset, _ts, key, value) in batch["records"]:
                assert key is not None, f"record {offset} of {pdir.name} has a null key"
                k = wire.decode_offsets_key(key)
                if value is None:
                    v = None
                elif k["type"] == "offset":
                    v = wire.decode_offset_commit_value(value)
                else:
                    v = wire.decode_group_metadata_value(value)
                out.append((offset, k, v))
    return out


# ------------------------------------------------------------------------------------ versions

@pytest.fixture(scope="module")
def ob(shared_broker):
    """The module's broker with topics "ov" (4 partitions) and "known" (1)."""
    _topic(shared_broker.bootstrap, "ov", 4)
    _topic(shared_broker.bootstrap, "known", 1)
    return shared_broker


@pytest.mark.parametrize("commit_version", range(1, 10))
def test_commit_and_fetch_every_version(ob, commit_version):
    broker = ob
    topic = "ov"
    group = f"ov-c{commit_version}"
    _ready(broker.bootstrap, group)
    v = commit_version
    epoch = 7 if v >= 6 else -1
    with wire.Connection(broker.bootstrap) as c:
        res = wire.offset_commit(c, v, group, {(topic, 0): (100 + v, f"meta-{v}"), (topic, 1): (200 + v, None),
                                               (topic, 2): (300 + v, "")},
                                 leader_epoch=epoch, commit_timestamp=int(time.time() * 1000))
        assert res == {(topic, 0): 0, (topic, 1): 0, (topic, 2): 0}

        want = {(topic, 0): (100 + v, f"meta-{v}"), (topic, 1): (200 + v, ""), (topic, 2): (300 + v, ""),
                (topic, 3): (-1, "")}
        for fv in range(1, 8):
            got = wire.offset_fetch(c, fv, group, {topic: [0, 1, 2, 3]})
            assert got["trailing"] == 0
            assert {tp: (x["offset"], x["metadata"]) for tp, x in got["partitions"].items()} == want, fv
            assert all(x["error_code"] == 0 for x in got["partitions"].values()), got
            if fv >= 2:
                assert got["error_code"] == 0
            if fv >= 5:
                assert got["partitions"][(topic, 0)]["leader_epoch"] == epoch
                assert got["partitions"][(topic, 3)]["leader_epoch"] == -1
            if fv >= 2:
                # Null topics: every committed partition of the group.
                every = wire.offset_fetch(c, fv, group, None)
                assert every["error_code"] == 0
                assert {tp: x["offset"] for tp, x in every["partitions"].items()} == \
                    {tp: o for tp, (o, _) in want.items() if o >= 0}
        for fv in (8, 9):
            other = f"ov-none-{v}-{fv}"
            got = wire.offset_fetch_groups(c, fv, [(group, {topic: [0, 3]}), (other, {topic: [0]})])
            assert sorted(got) == sorted([group, other])
            assert got[group]["error_code"] == 0
            assert {tp: (x["offset"], x["metadata"], x["error_code"]) for tp, x in got[group]["partitions"].items()} \
                == {(topic, 0): (100 + v, f"meta-{v}", 0), (topic, 3): (-1, "", 0)}
            assert got[other]["error_code"] == 0 and got[other]["partitions"][(topic, 0)]["offset"] == -1
            every = wire.offset_fetch_groups(c, fv, [(group, None)])[group]
            assert {tp: x["offset"] for tp, x in every["partitions"].items()} == \
                {tp: o for tp, (o, _) in want.items() if o >= 0}


def test_commit_to_unknown_topic_or_partition(ob):
    broker = ob
    group = "ov-unknown"
    _ready(broker.bootstrap, group)
    with wire.Connection(broker.bootstrap) as c:
        for v in (2, 7, 8):
            res = wire.offset_commit(c, v, group, {("known", 0): 1, ("known", 5): 1, ("no-such-topic", 0): 1})
            assert res == {("known", 0): 0, ("known", 5): wire.ERR_UNKNOWN_TOPIC_OR_PARTITION,
                           ("no-such-topic", 0): wire.ERR_UNKNOWN_TOPIC_OR_PARTITION}, (v, res)
        # Metadata longer than offset.metadata.max.bytes (4096): OFFSET_METADATA_TOO_LARGE (12).
        res = wire.offset_commit(c, 2, group, {("known", 0): (9, "x" * 5000)})
        assert res == {("known", 0): 12}
        assert wire.offset_fetch(c, 1, group, {"known": [0]})["partitions"][("known", 0)]["offset"] == 1
        # OffsetFetch v1+ does not look topics up (only v0, served from ZooKeeper, does): -1, no error.
        for v in (1, 3, 7):
            got = wire.offset_fetch(c, v, group, {"no-such-topic": [0]})["partitions"][("no-such-topic", 0)]
            assert (got["offset"], got["metadata"], got["error_code"]) == (-1, "", 0), (v, got)


# ------------------------------------------------------------------------------------ clients

def test_kafka_python_and_confluent_commit_paths(broker):
    """kafka-python commits with OffsetCommit v2 and reads with OffsetFetch v1; confluent-kafka uses
    its newest versions; each sees the other's commits."""
    from kafka import KafkaConsumer, TopicPartition as KTP
    from kafka.structs import OffsetAndMetadata

    topic, group = "kpc", "g-kpc"
    _topic(broker.bootstrap, topic, 2)
    kp = KafkaConsumer(group_id=group, enable_auto_commit=False, **clients.kafka_python_kwargs(broker.bootstrap))
    try:
        kp.assign([KTP(topic, 0), KTP(topic, 1)])
        kp.commit({KTP(topic, 0): OffsetAndMetadata(5, "kp-meta"), KTP(topic, 1): OffsetAndMetadata(7, None)})
    finally:
        kp.close(autocommit=False)
    assert clients.committed_offsets(broker.bootstrap, group, topic, [0, 1]) == {0: 5, 1: 7}
    with wire.Connection(broker.bootstrap) as c:
        got = wire.offset_fetch(c, 1, group, {topic: [0, 1]})["partitions"]
        assert got[(topic, 0)]["metadata"] == "kp-meta" and got[(topic, 1)]["metadata"] == ""

    clients.commit_offsets(broker.bootstrap, group, topic, {0: 11, 1: 13})
    kp = KafkaConsumer(group_id=group, enable_auto_commit=False, **clients.kafka_python_kwargs(broker.bootstrap))
    try:
        assert kp.committed(KTP(topic, 0)) == 11 and kp.committed(KTP(topic, 1)) == 13
    finally:
        kp.close(autocommit=False)


# ------------------------------------------------------------------------------------ on disk

def test_offsets_records_on_disk_use_kafka_formats(broker):
    topic, group, v0_group = "disk", "g-disk", "g-disk-v0"
    _topic(broker.bootstrap, topic, 2)
    ends = clients.produce_sequence(broker.bootstrap, topic, [0, 1], 10, "disk")
    t0 = int(time.time() * 1000)
    log = clients.EventLog()
    m = clients.ConfluentMember("disk-member", broker.bootstrap, group, [topic], log)
    m.start()
    try:
        clients._wait(lambda: len(log.reads()) >= 20 and log.count("commit") >= 20, 60, "the member to commit")
    finally:
        m.stop()
    t1 = int(time.time() * 1000)

    # A JoinGroup v0 member: v0 has no rebalance timeout, the session timeout stands in.
    _ready(broker.bootstrap, v0_group)
    with wire.Connection(broker.bootstrap, timeout=30) as c:
        r = wire.join_group(c, 0, v0_group, "", session_timeout_ms=7000,
                            protocols=[("range", wire.consumer_subscription([topic]))])
        assert r["error_code"] == 0, r
        s = wire.sync_group(c, 0, v0_group, r["generation_id"], r["member_id"],
                            [(r["member_id"], wire.consumer_assignment({topic: [0, 1]}))])
        assert s["error_code"] == 0
        v0_member = r["member_id"]

    def group_records():
        return [(o, k, v) for (o, k, v) in _offsets_records(broker, group) if k["group"] == group]
    records = clients._wait(lambda: (lambda r: r if any(k["type"] == "group" and v and not v["members"]
                                                        for _, k, v in r) else None)(group_records()),
                            30, "the Empty group record")

    offset_records = [(k, v) for _, k, v in records if k["type"] == "offset"]
    group_values = [v for _, k, v in records if k["type"] == "group"]
    assert offset_records and group_values
    for k, v in offset_records:
        assert k["version"] == 1 and k["topic"] == topic and k["partition"] in (0, 1)
        assert v is not None and v["version"] == 3, v
        assert v["metadata"] == ""
        assert t0 - 1000 <= v["commit_timestamp"] <= t1 + 1000
        assert v["expire_timestamp"] is None
    last = {}
    for k, v in offset_records:
        last[k["partition"]] = v["offset"]
    assert last == ends
    # Offsets go up one commit at a time, each committed record by itself.
    assert [v["offset"] for k, v in offset_records if k["partition"] == 0] == list(range(1, ends[0] + 1))

    for v in group_values:
        assert v["version"] == 3 and v["protocol_type"] == "consumer"
        assert v["current_state_timestamp"] > 0
    stable = [v for v in group_values if v["members"]]
    assert stable, group_values
    g = stable[-1]
    assert g["protocol"] == "range" and g["generation"] >= 1
    [mem] = g["members"]
    assert g["leader"] == mem["member_id"] and mem["member_id"].startswith("disk-member-")
    assert (mem["client_id"], mem["client_host"]) == ("disk-member", "/127.0.0.1")
    assert mem["group_instance_id"] is None
    assert (mem["session_timeout_ms"], mem["rebalance_timeout_ms"]) == (6000, 300000)  # max.poll.interval.ms
    assert wire.decode_consumer_subscription(mem["subscription"])["topics"] == [topic]
    assert wire.decode_consumer_assignment(mem["assignment"]) == {topic: [0, 1]}
    # After the member left: Empty, the next generation, no protocol, no leader, no members.
    empty = group_values[-1]
    assert empty["members"] == [] and empty["protocol"] is None and empty["leader"] is None
    assert empty["generation"] == g["generation"] + 1

    v0_values = [v for _, k, v in _offsets_records(broker, v0_group) if k["type"] == "group" and k["group"] == v0_group]
    [v0] = [v for v in v0_values if v and v["members"]]
    assert v0["members"][0]["member_id"] == v0_member
    assert (v0["members"][0]["session_timeout_ms"], v0["members"][0]["rebalance_timeout_ms"]) == (7000, 7000)
    assert v0["members"][0]["client_id"] == "itest"


def test_offsets_of_a_deleted_topic_are_removed(broker):
    from confluent_kafka.admin import AdminClient
    topic, group = "doomed", "g-doomed"
    _topic(broker.bootstrap, topic, 2)
    _topic(broker.bootstrap, "kept", 1)
    _ready(broker.bootstrap, group)
    with wire.Connection(broker.bootstrap) as c:
        assert wire.offset_commit(c, 2, group, {(topic, 0): 3, (topic, 1): 4, ("kept", 0): 5}) == \
            {(topic, 0): 0, (topic, 1): 0, ("kept", 0): 0}
    a = AdminClient({"bootstrap.servers": broker.bootstrap, **clients.QUIET_LOG})
    a.delete_topics([topic], operation_timeout=30)[topic].result(60)

    def only_kept():
        with wire.Connection(broker.bootstrap) as c:
            got = wire.offset_fetch(c, 3, group, None)["partitions"]
        return {tp: x["offset"] for tp, x in got.items()} == {("kept", 0): 5}
    clients._wait(only_kept, 60, "the deleted topic's offsets to go")
    tombstones = {(k["topic"], k["partition"]) for _, k, v in _offsets_records(broker, group)
                  if k["type"] == "offset" and v is None}
    assert tombstones == {(topic, 0), (topic, 1)}


# ------------------------------------------------------------------------------------ retention

@pytest.mark.slow
def test_offsets_retention(broker_factory):
    """offsets.retention.minutes=1: the offsets of a group without members expire a minute after
    the commit (and the group goes with them); a group with a live subscribed member keeps its
    offsets."""
    b = broker_factory(extra_props={"offsets.retention.minutes": 1, "offsets.retention.check.interval.ms": 1000})
    topic, idle, live = "ret", "g-ret-idle", "g-ret-live"
    _topic(b.bootstrap, topic, 1)
    ends = clients.produce_sequence(b.bootstrap, topic, [0], 5, "ret")
    _ready(b.bootstrap, idle)
    _ready(b.bootstrap, live)
    log = clients.EventLog()
    m = clients.ConfluentMember("live", b.bootstrap, live, [topic], log)
    m.start()
    try:
        clients._wait(lambda: log.count("commit") >= 5, 60, "the live member to commit")
        committed_at = time.monotonic()
        clients.commit_offsets(b.bootstrap, idle, topic, {0: 3})

        def fetch(group):
            with wire.Connection(b.bootstrap) as c:
                return wire.offset_fetch(c, 1, group, {topic: [0]})["partitions"][(topic, 0)]["offset"]
        assert fetch(idle) == 3 and fetch(live) == ends[0]
        time.sleep(45)
        assert fetch(idle) == 3, "expired well before offsets.retention.minutes"
        clients._wait(lambda: fetch(idle) == -1, 60, "the idle group's offset to expire", 0.5)
        took = time.monotonic() - committed_at
        assert 55 <= took <= 100, f"expired {took:.0f}s after the commit"
        assert fetch(live) == ends[0], "a live member's offsets must not expire"

        with wire.Connection(b.bootstrap) as c:
            listed = {g["group_id"] for g in wire.list_groups(c, 0)["groups"]}
            assert idle not in listed and live in listed
            assert wire.describe_groups(c, 0, [idle])[0]["state"] == "Dead"
        idle_records = [(k, v) for _, k, v in _offsets_records(b, idle) if k["group"] == idle]
        assert any(k["type"] == "offset" and v is None for k, v in idle_records), "no offset tombstone"
    finally:
        m.stop()


def test_explicit_retention_time_of_old_commits(broker_factory):
    """OffsetCommit v2-4 may carry retention_time_ms: Kafka then stores OffsetCommitValue v1 with an
    expire timestamp and expires that offset at that time (the old per-commit semantics)."""
    b = broker_factory(extra_props={"offsets.retention.check.interval.ms": 1000})
    topic, group = "explicit", "g-explicit"
    _topic(b.bootstrap, topic, 2)
    _ready(b.bootstrap, group)
    with wire.Connection(b.bootstrap) as c:
        before = int(time.time() * 1000)
        assert wire.offset_commit(c, 2, group, {(topic, 0): 4}, retention_time_ms=3000) == {(topic, 0): 0}
        assert wire.offset_commit(c, 2, group, {(topic, 1): 5}) == {(topic, 1): 0}
        committed_at = time.monotonic()
        assert wire.offset_fetch(c, 1, group, {topic: [0]})["partitions"][(topic, 0)]["offset"] == 4

    def expired():
        with wire.Connection(b.bootstrap) as c:
            return wire.offset_fetch(c, 1, group, {topic: [0]})["partitions"][(topic, 0)]["offset"] == -1
    clients._wait(expired, 30, "the offset with a 3 s retention to expire", 0.2)
    took = time.monotonic() - committed_at
    assert 2.5 <= took <= 15, f"expired after {took:.1f}s"
    with wire.Connection(b.bootstrap) as c:
        assert wire.offset_fetch(c, 1, group, {topic: [1]})["partitions"][(topic, 1)]["offset"] == 5

    values = {}
    for _, k, v in _offsets_records(b, group):
        if k["type"] == "offset" and k["group"] == group and v is not None:
            values[k["partition"]] = v
    assert values[0]["version"] == 1 and values[0]["expire_timestamp"] == values[0]["commit_timestamp"] + 3000
    assert before <= values[0]["commit_timestamp"] <= before + 10000
    assert values[1]["version"] == 3 and values[1]["expire_timestamp"] is None
