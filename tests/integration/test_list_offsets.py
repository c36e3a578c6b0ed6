"""ListOffsets: earliest, latest and by-timestamp lookups through confluent-kafka, kafka-python and raw v1."""

import pytest
from confluent_kafka import Consumer, TopicPartition
from kafka import KafkaConsumer, TopicPartition as KTopicPartition

import clients
import wire

TOPIC = "offsets"
COUNTS = {0: 1500, 1: 3000, 2: 700}
BASE_TS = 1_700_000_000_000
STEP = 10  # ms between consecutive records of a partition


def ts_of(partition, i):
    # Partitions get disjoint-but-interleaved timestamps so a wrong partition mapping shows.
    return BASE_TS + partition + i * STEP


@pytest.fixture(scope="module")
def loaded_broker(shared_broker):
    clients.create_topic(shared_broker.bootstrap, TOPIC, partitions=3)
    clients.wait_topic_ready(shared_broker.bootstrap, TOPIC, 3)
    for p, n in COUNTS.items():
        recs = [clients.Rec(f"p{p}-{i}".encode(), f"v{i}".encode(), ts_of(p, i), []) for i in range(n)]
        clients.confluent_produce(shared_broker.bootstrap, TOPIC, recs, codec="lz4", partition=p,
                                  extra={"batch.num.messages": 200})
    return shared_broker



# (partition, query timestamp, expected offset); -1 = no record at or after the timestamp.
CASES = [
    (0, 0, 0),
    (0, ts_of(0, 0), 0),
    (0, ts_of(0, 0) + 1, 1),
    (0, ts_of(0, 777), 777),
    (0, ts_of(0, 777) - 1, 777),
    (0, ts_of(0, 1499), 1499),
    (0, ts_of(0, 1499) + 1, -1),
    (1, ts_of(1, 2500) - 3, 2500),
    (1, ts_of(1, 2999), 2999),
    (2, ts_of(2, 350) + STEP - 1, 351),
    (2, ts_of(2, 10_000), -1),
]


def test_confluent_watermarks(loaded_broker):
    c = Consumer({"bootstrap.servers": loaded_broker.bootstrap, "group.id": "unused", **clients.QUIET_LOG})
    try:
        for p, n in COUNTS.items():
            assert c.get_watermark_offsets(TopicPartition(TOPIC, p), timeout=10) == (0, n)
    finally:
        c.close()


def test_offsets_for_times_outside_the_data(loaded_broker):
    """Queries answered the same at batch or record granularity: before all data and after all data."""
    c = Consumer({"bootstrap.servers": loaded_broker.bootstrap, "group.id": "unused", **clients.QUIET_LOG})
    try:
        for p in COUNTS:
            [first] = c.offsets_for_times([TopicPartition(TOPIC, p, 0)], timeout=10)
            [none] = c.offsets_for_times([TopicPartition(TOPIC, p, ts_of(p, COUNTS[p]))], timeout=10)
            assert (first.offset, none.offset) == (0, -1)
    finally:
        c.close()


def test_confluent_offsets_for_times(loaded_broker):
    c = Consumer({"bootstrap.servers": loaded_broker.bootstrap, "group.id": "unused", **clients.QUIET_LOG})
    try:
        for p, t, want in CASES:
            [res] = c.offsets_for_times([TopicPartition(TOPIC, p, t)], timeout=10)
            assert res.error is None
            assert (res.partition, res.offset) == (p, want), f"partition {p} t={t}"
    finally:
        c.close()


def test_kafka_python_beginning_end_offsets(loaded_broker):
    c = KafkaConsumer(group_id=None, **clients.kafka_python_kwargs(loaded_broker.bootstrap))
    try:
        tps = [KTopicPartition(TOPIC, p) for p in COUNTS]
        assert c.beginning_offsets(tps) == {tp: 0 for tp in tps}
        assert c.end_offsets(tps) == {KTopicPartition(TOPIC, p): n for p, n in COUNTS.items()}
    finally:
        c.close()


def test_kafka_python_offsets_for_times(loaded_broker):
    c = KafkaConsumer(group_id=None, **clients.kafka_python_kwargs(loaded_broker.bootstrap))
    try:
        for p, t, want in CASES:
            tp = KTopicPartition(TOPIC, p)
            res = c.offsets_for_times({tp: t})[tp]
            if want < 0:
                assert res is None, f"partition {p} t={t}: {res}"
            else:
                # The returned timestamp is that of the record found.
                assert (res.offset, res.timestamp) == (want, ts_of(p, want)), f"partition {p} t={t}"
    finally:
        c.close()


def test_raw_list_offsets_v1(loaded_broker):
    with wire.Connection(loaded_broker.bootstrap) as c:
        earliest = wire.list_offsets_v1(c, TOPIC, {0: -2, 1: -2, 2: -2})
        latest = wire.list_offsets_v1(c, TOPIC, {0: -1, 1: -1, 2: -1})
        missing = wire.list_offsets_v1(c, TOPIC, {7: -1})
    assert {p: (e, o) for p, (e, _, o) in earliest.items()} == {0: (0, 0), 1: (0, 0), 2: (0, 0)}
    assert {p: (e, o) for p, (e, _, o) in latest.items()} == {p: (0, n) for p, n in COUNTS.items()}
    assert missing[7][0] == 3  # UNKNOWN_TOPIC_OR_PARTITION


def test_raw_list_offsets_v1_by_timestamp_inside_a_batch(loaded_broker):
    # Partition 1 was produced in batches of <= 200 records, so 1234 lies inside a batch.
    with wire.Connection(loaded_broker.bootstrap) as c:
        by_time = wire.list_offsets_v1(c, TOPIC, {1: ts_of(1, 1234) - 5})
    assert by_time == {1: (0, ts_of(1, 1234), 1234)}


def test_by_timestamp_with_out_of_order_timestamps(broker):
    """The answer is the FIRST offset whose timestamp is >= t, not the closest timestamp."""
    clients.create_topic(broker.bootstrap, "ooo", partitions=1)
    clients.wait_topic_ready(broker.bootstrap, "ooo", 1)
    stamps = [1000, 5000, 2000, 6000, 3000, 7000]
    recs = [clients.Rec(f"k{i}".encode(), b"v", BASE_TS + s, []) for i, s in enumerate(stamps)]
    # One record per request, so each is its own batch.
    clients.confluent_produce(broker.bootstrap, "ooo", recs, partition=0, extra={"linger.ms": 0,
                                                                              "batch.num.messages": 1})
    with wire.Connection(broker.bootstrap) as c:
        for t, want_offset, want_ts in [(BASE_TS + 1500, 1, 5000), (BASE_TS + 5500, 3, 6000),
                                        (BASE_TS + 6500, 5, 7000), (BASE_TS + 999, 0, 1000)]:
            got = wire.list_offsets_v1(c, "ooo", {0: t})[0]
            assert got == (0, BASE_TS + want_ts, want_offset), f"t={t - BASE_TS}"
