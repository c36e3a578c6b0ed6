"""read_committed isolation with transaction markers written through WriteTxnMarkers, as a
transaction coordinator sends them: transactional batches (our own encoder, a producer id chosen by
the test) hold the last stable offset back until their marker is replicated; Fetch read_committed
stops there and reports aborted transactions; ListOffsets v2 read_committed answers the LSO;
kcat and confluent-kafka (librdkafka) read_committed consumers see only committed data, and
read_uncommitted ones everything. All of it holds after a clean restart and after kill -9."""

import time

import clients
import harness
import wire

ERR_NONE = 0
ERR_INVALID_PRODUCER_EPOCH = 47
ERR_INVALID_TXN_STATE = 48
ERR_TRANSACTION_COORDINATOR_FENCED = 52
ERR_UNKNOWN_TOPIC_OR_PARTITION = 3

TOPIC = "iso"
COMMITTED_PID, ABORTED_PID, PLAIN_PID = 501, 502, 503


def _batch(pid, seq, tag, n=3, transactional=True, epoch=0):
    recs = clients.make_records(n, tag, header_every=0, text_only=True)
    return wire.record_batch([(r.key, r.value, r.timestamp, ()) for r in recs], recs[0].timestamp,
                             producer_id=pid, producer_epoch=epoch, base_sequence=seq, transactional=transactional)


def _produce(bootstrap, blob):
    with wire.Connection(bootstrap) as conn:
        body = conn.request(wire.API_PRODUCE, 3, wire.produce_v3_body(TOPIC, 0, blob, acks=-1))
    [t] = wire.decode_produce_v3(body, 3)["responses"]
    [p] = t["partitions"]
    return p["error_code"], p["base_offset"]


def _marker(bootstrap, pid, commit, coordinator_epoch=0, epoch=0, topic=TOPIC):
    with wire.Connection(bootstrap) as conn:
        return wire.write_txn_markers_v0(conn, [(pid, epoch, commit, coordinator_epoch, {topic: [0]})])[(pid, topic, 0)]


def _fetch(bootstrap, isolation_level):
    with wire.Connection(bootstrap) as conn:
        return wire.fetch_v4(conn, TOPIC, 0, 0, isolation_level=isolation_level)


def _latest(bootstrap, isolation_level):
    with wire.Connection(bootstrap) as conn:
        return wire.list_offsets_v2(conn, TOPIC, {0: -1}, isolation_level)[0][2]


def _kcat_values(bootstrap, isolation):
    out = clients.kcat(["-b", bootstrap, "-C", "-t", TOPIC, "-p", "0", "-o", "beginning", "-e",
                        "-X", f"isolation.level={isolation}", "-f", "%s\\n"], timeout=60)
    return [line for line in out.stdout.decode().splitlines() if line]


def _confluent_values(bootstrap, isolation):
    from confluent_kafka import Consumer, TopicPartition
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": f"iso-{isolation}", "enable.auto.commit": False,
                  "isolation.level": isolation, "auto.offset.reset": "earliest", "enable.partition.eof": True,
                  **clients.QUIET_LOG})
    values = []
    try:
        c.assign([TopicPartition(TOPIC, 0, 0)])
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            m = c.poll(1.0)
            if m is None:
                continue
            if m.error():
                if m.error().code() == -191:  # _PARTITION_EOF
                    break
                raise RuntimeError(str(m.error()))
            values.append(m.value().decode())
    finally:
        c.close()
    return values


def _values(tag, n=3):
    return [r.value.decode() for r in clients.make_records(n, tag, header_every=0, text_only=True)]


def _check_consumers(bootstrap, committed, everything):
    assert _kcat_values(bootstrap, "read_committed") == committed
    assert _kcat_values(bootstrap, "read_uncommitted") == everything
    assert _confluent_values(bootstrap, "read_committed") == committed
    assert _confluent_values(bootstrap, "read_uncommitted") == everything


def test_read_committed_sees_only_committed_transactions(broker):
    clients.create_topic(broker.bootstrap, TOPIC)
    b = broker.bootstrap
    assert _produce(b, _batch(ABORTED_PID, 0, "aborted")) == (ERR_NONE, 0)      # 0-2, open
    assert _produce(b, _batch(PLAIN_PID, 0, "plain", transactional=False)) == (ERR_NONE, 3)  # 3-5
    assert _produce(b, _batch(COMMITTED_PID, 0, "committed")) == (ERR_NONE, 6)  # 6-8, open

    # The open transaction at 0 holds the last stable offset there.
    committed_view = _fetch(b, 1)
    assert committed_view["last_stable_offset"] == 0 and committed_view["high_watermark"] == 9
    assert committed_view["records"] is None and committed_view["aborted_transactions"] == []
    assert _fetch(b, 0)["aborted_transactions"] is None
    assert _latest(b, 1) == 0 and _latest(b, 0) == 9
    # A non-transactional write of a producer with an open transaction is refused.
    assert _produce(b, _batch(ABORTED_PID, 3, "bad", transactional=False))[0] == ERR_INVALID_TXN_STATE

    assert _marker(b, ABORTED_PID, commit=False, coordinator_epoch=3) == ERR_NONE       # marker at 9
    assert _latest(b, 1) == 6  # the committed producer's transaction is still open
    assert _marker(b, COMMITTED_PID, commit=True, coordinator_epoch=3) == ERR_NONE      # marker at 10
    assert _latest(b, 1) == 11 and _latest(b, 0) == 11
    view = _fetch(b, 1)
    assert view["last_stable_offset"] == 11
    assert view["aborted_transactions"] == [(ABORTED_PID, 0)]

    # An older coordinator, a fenced producer epoch, an unknown partition.
    assert _marker(b, COMMITTED_PID, commit=True, coordinator_epoch=2) == ERR_TRANSACTION_COORDINATOR_FENCED
    assert _produce(b, _batch(COMMITTED_PID, 3, "c2")) == (ERR_NONE, 11)
    assert _marker(b, COMMITTED_PID, commit=False, coordinator_epoch=3, epoch=1) == ERR_NONE  # bumped epoch aborts
    assert _produce(b, _batch(COMMITTED_PID, 6, "late"))[0] == ERR_INVALID_PRODUCER_EPOCH
    assert _marker(b, COMMITTED_PID, commit=True, topic="no-such-topic") == ERR_UNKNOWN_TOPIC_OR_PARTITION

    committed = _values("plain") + _values("committed")
    everything = _values("aborted") + _values("plain") + _values("committed") + _values("c2")
    _check_consumers(b, committed, everything)

    broker.restart()
    wire.wait_for_leader(b, TOPIC, 1)
    _check_consumers(b, committed, everything)
    assert _fetch(b, 1)["aborted_transactions"] == [(ABORTED_PID, 0), (COMMITTED_PID, 11)]

    broker.kill9()
    harness.start_after_kill(broker)
    wire.wait_for_leader(b, TOPIC, 1)
    _check_consumers(b, committed, everything)


def test_markers_in_the_offsets_topic_do_not_disturb_group_loading(broker):
    """A transaction marker in __consumer_offsets (what a committing transactional consumer leaves
    there) is not read as an offset commit when the coordinator loads the partition."""
    from confluent_kafka import Consumer, TopicPartition
    clients.create_topic(broker.bootstrap, TOPIC)
    conf = {"bootstrap.servers": broker.bootstrap, "group.id": "iso-group", "enable.auto.commit": False,
            **clients.QUIET_LOG}
    c = Consumer(conf)
    try:
        c.commit(offsets=[TopicPartition(TOPIC, 0, 5)], asynchronous=False)
    finally:
        c.close()
    [offsets_topic] = [t for t in wire.metadata_v1(broker.bootstrap)["topics"] if t["name"] == "__consumer_offsets"]
    indexes = [p["partition"] for p in offsets_topic["partitions"]]
    with wire.Connection(broker.bootstrap) as conn:
        errors = wire.write_txn_markers_v0(conn, [(PLAIN_PID, 0, False, 0, {"__consumer_offsets": indexes})])
    assert set(errors.values()) == {ERR_NONE}

    broker.restart()
    c = Consumer(conf)
    try:
        [tp] = c.committed([TopicPartition(TOPIC, 0)], timeout=30)
        assert tp.offset == 5
    finally:
        c.close()
