"""Crash recovery (ON-DISK-FORMAT §8) seen through clients: kill -9 under load, damaged segment
tails, and the checkpoint files a clean stop leaves behind."""

import struct
import time

from confluent_kafka import Producer

import clients
import harness
import wire
from harness import start_after_kill


def _log_end(bootstrap, topic, partition=0):
    with wire.Connection(bootstrap) as c:
        err, _, offset = wire.list_offsets_v1(c, topic, {partition: -1})[partition]
    assert err == 0, f"ListOffsets error {err}"
    return offset


def _batches(path):
    """(base_offset, position, size) of every whole batch header in a .log file."""
    data = path.read_bytes()
    out = []
    pos = 0
    while pos + 12 <= len(data):
        base, length = struct.unpack(">qi", data[pos:pos + 12])
        if length <= 0 or pos + 12 + length > len(data):
            break
        out.append((base, pos, 12 + length))
        pos += 12 + length
    return out


def _active_segment(broker, topic, partition=0):
    return sorted(broker.partition_dir(topic, partition).glob("*.log"))[-1]


def test_kill9_under_acks_all_with_flush_messages_1_loses_nothing_acknowledged(broker_factory, zk):
    b = broker_factory(extra_props={"log.flush.interval.messages": 1, "log.segment.bytes": 512 * 1024})
    clients.create_topic(b.bootstrap, "durable", partitions=1)
    clients.wait_topic_ready(b.bootstrap, "durable", 1)
    records = clients.make_records(200_000, "dur")
    acked = {}
    failed = []

    def on_delivery(err, msg):
        if err is None:
            acked[msg.key()] = msg.offset()
        else:
            failed.append(msg.key())

    p = Producer({"bootstrap.servers": b.bootstrap, "acks": "all", "linger.ms": 5, "batch.num.messages": 200,
                  "enable.idempotence": False, "message.timeout.ms": 8000, "retries": 0,
                  "queue.buffering.max.messages": 20000, **clients.QUIET_LOG})
    sent = 0
    killed = False
    deadline = time.monotonic() + 120
    while sent < len(records) and time.monotonic() < deadline:
        r = records[sent]
        try:
            p.produce("durable", key=r.key, value=r.value, timestamp=r.timestamp, partition=0, on_delivery=on_delivery)
            sent += 1
        except BufferError:
            p.poll(0.01)
        p.poll(0)
        if not killed and len(acked) >= 20_000:
            b.kill9()  # mid-stream: requests are in flight
            killed = True
            break
    assert killed, f"only {len(acked)} records acknowledged before the deadline"
    p.flush(30)
    assert acked, "nothing was acknowledged"
    start_after_kill(b, zk)

    end = _log_end(b.bootstrap, "durable")
    assert end >= max(acked.values()) + 1
    consumed = clients.confluent_consume(b.bootstrap, "durable", [0], end, timeout=180)
    offsets = [m[1] for m in consumed]
    assert offsets == list(range(end)), "offsets are not 0..end-1 exactly once, in order"
    by_key = {r.key: r for r in records[:sent]}
    for _, offset, key, value, _, _, _ in consumed:
        assert key in by_key, f"offset {offset}: a key that was never produced"
        assert value == by_key[key].value, f"offset {offset}: value differs from what was produced"
    seen = {m[2]: m[1] for m in consumed}
    lost = [k for k, off in acked.items() if seen.get(k) != off]
    assert not lost, f"{len(lost)} acknowledged records lost or moved, e.g. {lost[:3]}"
    # Produce continues after the recovered end.
    more = clients.make_records(100, "after")
    delivered = clients.confluent_produce(b.bootstrap, "durable", more, acks="all", partition=0)
    assert min(off for _, off in delivered.values()) == end


def test_kill9_then_damaged_tail_is_truncated_and_produce_continues(broker_factory, zk):
    b = broker_factory(extra_props={"log.segment.bytes": 4 * 1024 * 1024, "log.index.interval.bytes": 1024})
    clients.create_topic(b.bootstrap, "damaged", partitions=1)
    clients.wait_topic_ready(b.bootstrap, "damaged", 1)
    records = clients.make_records(6000, "dmg")
    clients.confluent_produce(b.bootstrap, "damaged", records, partition=0, extra={"batch.num.messages": 100})
    assert _log_end(b.bootstrap, "damaged") == len(records)
    b.kill9()

    seg = _active_segment(b, "damaged")
    batches = _batches(seg)
    assert len(batches) >= 3
    # Damage 1: a byte inside the last batch's records (CRC-covered) -> that batch goes.
    last_base, last_pos, last_size = batches[-1]
    data = bytearray(seg.read_bytes())
    data[last_pos + last_size - 3] ^= 0xFF
    # Damage 2: a torn half batch after it (a write the crash interrupted).
    prev_base, prev_pos, prev_size = batches[-2]
    data += data[prev_pos:prev_pos + prev_size // 2]
    seg.write_bytes(bytes(data))
    # Damage 3: garbage entries at the end of the index; a time index cut to a length that is not
    # a multiple of its entry size.
    with open(seg.with_suffix(".index"), "r+b") as f:
        f.seek(0, 2)
        f.seek(max(0, f.tell() - 64))
        f.write(b"\x7f" * 61)
    with open(seg.with_suffix(".timeindex"), "r+b") as f:
        f.seek(0, 2)
        f.truncate(max(0, f.tell() - 5))

    start_after_kill(b, zk)
    assert _log_end(b.bootstrap, "damaged") == last_base
    assert seg.stat().st_size == last_pos
    consumed = clients.confluent_consume(b.bootstrap, "damaged", [0], last_base)
    assert [m[1] for m in consumed] == list(range(last_base))
    assert [m[2] for m in consumed] == [r.key for r in records[:last_base]]
    assert [m[3] for m in consumed] == [r.value for r in records[:last_base]]
    assert "truncating" in b.log_text() or "truncated" in b.log_text()
    # Reads starting inside the recovered segment use the rebuilt index.
    mid = batches[len(batches) // 2][0] + 1
    tail = clients.confluent_consume(b.bootstrap, "damaged", [0], last_base - mid, start_offsets={0: mid})
    assert [m[1] for m in tail] == list(range(mid, last_base))
    more = clients.make_records(50, "again")
    delivered = clients.confluent_produce(b.bootstrap, "damaged", more, partition=0)
    assert sorted(off for _, off in delivered.values()) == list(range(last_base, last_base + 50))


def test_clean_stop_leaves_well_formed_checkpoints(broker_factory):
    b = broker_factory()
    for t in ("cp-a", "cp-b"):
        clients.create_topic(b.bootstrap, t, partitions=2)
        clients.wait_topic_ready(b.bootstrap, t, 2)
    clients.confluent_produce(b.bootstrap, "cp-a", clients.make_records(300, "a"), partition=1)
    clients.confluent_produce(b.bootstrap, "cp-b", clients.make_records(120, "b"), partition=0)
    assert b.stop() == 0
    d = b.log_dir

    def entries(name):
        lines = (d / name).read_text().split("\n")
        assert lines[0] == "0" and lines[-1] == "", f"{name}: {lines}"
        count = int(lines[1])
        body = lines[2:-1]
        assert count == len(body), f"{name}: count {count} but {len(body)} lines"
        out = {}
        for line in body:
            topic, part, off = line.split(" ")
            out[(topic, int(part))] = int(off)
        return out

    want = {("cp-a", 0): 0, ("cp-a", 1): 300, ("cp-b", 0): 120, ("cp-b", 1): 0}
    assert entries("recovery-point-offset-checkpoint") == want
    assert entries("replication-offset-checkpoint") == want
    assert entries("log-start-offset-checkpoint") == {}
    assert (d / ".kafka_cleanshutdown").exists()
    assert not list(d.glob("*.tmp"))
    epochs = (b.partition_dir("cp-a", 1) / "leader-epoch-checkpoint").read_text().split("\n")
    assert epochs[0] == "0" and epochs[1] == "1" and epochs[2].split(" ")[1] == "0", epochs
    b.start()
    assert _log_end(b.bootstrap, "cp-a", 1) == 300
    assert not (d / ".kafka_cleanshutdown").exists()


def test_flush_scheduler_and_periodic_checkpoints(broker_factory, zk):
    b = broker_factory(extra_props={"log.segment.bytes": 16 * 1024,
                                    "log.flush.interval.ms": 200, "log.flush.scheduler.interval.ms": 100,
                                    "log.flush.offset.checkpoint.interval.ms": 200,
                                    "replica.high.watermark.checkpoint.interval.ms": 200})
    clients.create_topic(b.bootstrap, "ticking", partitions=1)
    clients.wait_topic_ready(b.bootstrap, "ticking", 1)
    clients.confluent_produce(b.bootstrap, "ticking", clients.make_records(500, "tick"), partition=0,
                              extra={"batch.num.messages": 50})

    def checkpointed(name):
        path = b.log_dir / name
        if not path.exists():
            return None
        lines = path.read_text().split("\n")
        return "ticking 0 500" in lines[2:]
    # No clean stop: the flush timer moved the recovery point, the checkpoint timers wrote it.
    harness.wait_until(lambda: checkpointed("recovery-point-offset-checkpoint"), 10, 0.1,
                       "the recovery point checkpoint to reach the log end")
    harness.wait_until(lambda: checkpointed("replication-offset-checkpoint"), 10, 0.1,
                       "the high watermark checkpoint to reach the log end")
    bases = sorted(int(p.name.split(".")[0]) for p in b.partition_dir("ticking", 0).glob("*.log"))
    assert len(bases) > 2
    b.kill9()
    start_after_kill(b, zk)
    assert _log_end(b.bootstrap, "ticking") == 500
    # Only the segment holding the checkpointed recovery point (the last one) was re-verified.
    after_kill = b.log_path.read_text().split("===== starting")[2:]
    recovered = {int(line.rsplit(" ", 1)[1]) for part in after_kill for line in part.split("\n")
                 if "recovering segment" in line}
    assert recovered == {bases[-1]}, recovered
