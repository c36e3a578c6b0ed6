"""Helpers around the real clients (confluent-kafka / librdkafka, kafka-python, kcat) and test data."""

import ctypes
import json
import subprocess
import time

from confluent_kafka import Consumer, KafkaException, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

QUIET_LOG = {"log_level": 3}  # librdkafka: errors only; keeps pytest output readable


# ------------------------------------------------------------------------------------ test data

class Rec:
    """One record as produced; headers is a list of (str, bytes|None)."""
    __slots__ = ("key", "value", "timestamp", "headers")

    def __init__(self, key, value, timestamp, headers):
        self.key = key
        self.value = value
        self.timestamp = timestamp
        self.headers = headers

    def as_tuple(self):
        return (self.key, self.value, self.timestamp, tuple(self.headers))


def make_records(n, tag, base_ts=None, header_every=7, text_only=False):
    """n records with distinct keys and values and strictly increasing CreateTime timestamps.

    Every header_every-th record carries headers (one with a duplicate key, and in binary mode one
    with a null value). text_only keeps every byte printable and space-free (for kcat -f output)."""
    if base_ts is None:
        base_ts = int(time.time() * 1000) - 3_600_000  # an hour ago: within any timestamp window
    out = []
    for i in range(n):
        key = f"{tag}-k{i:07d}".encode()
        if text_only:
            value = f"v{i:07d}-{tag}-" + "x" * (i % 23)
            value = value.encode()
        else:
            # Vary the size and include non-ASCII bytes so that codecs see real work.
            value = f"value-{i}-{tag}-".encode() + bytes((i * 31 + j) % 256 for j in range(i % 97))
        headers = []
        if header_every and i % header_every == 0:
            headers = [("h-index", str(i).encode()), ("h-dup", b"a"), ("h-dup", b"b")]
            if not text_only and i % (header_every * 2) == 0:
                headers.append(("h-null", None))
        out.append(Rec(key, value, base_ts + i, headers))
    return out


# ------------------------------------------------------------------------------------ confluent-kafka

def admin(bootstrap):
    return AdminClient({"bootstrap.servers": bootstrap, **QUIET_LOG})


def create_topic(bootstrap, topic, partitions=1, replication=1, timeout=30):
    a = admin(bootstrap)  # must outlive the future: destroying the handle fails it with _DESTROY
    fs = a.create_topics([NewTopic(topic, partitions, replication)], operation_timeout=timeout,
                         request_timeout=timeout)
    fs[topic].result(timeout)


def wait_topic_ready(bootstrap, topic, partitions, timeout=30):
    """Waits until librdkafka's metadata shows every partition with leader >= 0."""
    a = admin(bootstrap)
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        md = a.list_topics(timeout=5)
        t = md.topics.get(topic)
        last = t
        if t is not None and t.error is None and len(t.partitions) == partitions and all(
                p.leader >= 0 and p.error is None for p in t.partitions.values()):
            return t
        time.sleep(0.1)
    raise TimeoutError(f"topic {topic} not ready: {last}")


def confluent_produce(bootstrap, topic, records, codec="none", acks="1", partition=None, extra=None):
    """Produces records (keyed partitioning unless partition is given); raises if any delivery failed.

    Returns {key: (partition, offset)} from the delivery reports."""
    conf = {
        "bootstrap.servers": bootstrap,
        "compression.codec": codec,
        "acks": str(acks),
        "linger.ms": 20,
        "batch.num.messages": 5000,
        "queue.buffering.max.messages": 500000,
        "enable.idempotence": False,
        "message.timeout.ms": 60000,
        **QUIET_LOG,
    }
    if extra:
        conf.update(extra)
    p = Producer(conf)
    errors = []
    delivered = {}

    def on_delivery(err, msg):
        if err is not None:
            errors.append((msg.key(), err))
        else:
            delivered[msg.key()] = (msg.partition(), msg.offset())

    for r in records:
        kwargs = {"key": r.key, "value": r.value, "timestamp": r.timestamp, "on_delivery": on_delivery}
        if r.headers:
            kwargs["headers"] = r.headers
        if partition is not None:
            kwargs["partition"] = partition
        while True:
            try:
                p.produce(topic, **kwargs)
                break
            except BufferError:
                p.poll(0.05)
        p.poll(0)
    remaining = p.flush(120)
    assert remaining == 0, f"{remaining} messages not delivered within 120 s"
    assert not errors, f"{len(errors)} delivery errors, first: {errors[:3]}"
    assert len(delivered) == len(records), f"{len(delivered)} delivery reports for {len(records)} records"
    return delivered


def _headers_of(msg):
    """msg.headers(), compensating confluent-kafka 1.7's lost reference to None.

    Message.headers() stores Py_None for a null header value without taking a reference
    (confluent-kafka-python issue #1191); enough of them crash the interpreter at exit with
    "deallocating None". Add back one reference per null value returned."""
    headers = msg.headers()
    if headers:
        for _, v in headers:
            if v is None:
                ctypes.pythonapi.Py_IncRef(ctypes.py_object(None))
    return headers


def confluent_consume(bootstrap, topic, partitions, expected, timeout=120, start_offsets=None):
    """Reads `expected` messages from the given partitions by assign() (no group); returns them.

    Each message is (partition, offset, key, value, timestamp_type, timestamp, headers)."""
    c = Consumer({
        "bootstrap.servers": bootstrap,
        "group.id": "unused-no-commits",  # required by the client; assign() never joins the group
        "enable.auto.commit": False,
        "enable.auto.offset.store": False,
        "auto.offset.reset": "error",
        "fetch.wait.max.ms": 100,
        **QUIET_LOG,
    })
    try:
        offsets = start_offsets or {}
        c.assign([TopicPartition(topic, p, offsets.get(p, 0)) for p in partitions])
        out = []
        deadline = time.monotonic() + timeout
        while len(out) < expected and time.monotonic() < deadline:
            for m in c.consume(num_messages=10000, timeout=0.5):
                if m.error() is not None:
                    raise KafkaException(m.error())
                ts_type, ts = m.timestamp()
                out.append((m.partition(), m.offset(), m.key(), m.value(), ts_type, ts, _headers_of(m)))
        # A little longer, to catch duplicates or extra records beyond the expected count.
        for m in c.consume(num_messages=10000, timeout=0.5):
            if m.error() is None:
                ts_type, ts = m.timestamp()
                out.append((m.partition(), m.offset(), m.key(), m.value(), ts_type, ts, _headers_of(m)))
        return out
    finally:
        c.close()


def compare_consumed(records, consumed, delivered=None):
    """Asserts consumed == records: every key/value/header/timestamp, no extras, and per-partition
    order equal to production order with contiguous offsets from 0."""
    from confluent_kafka import TIMESTAMP_CREATE_TIME
    by_key = {r.key: (i, r) for i, r in enumerate(records)}
    assert len(by_key) == len(records), "test data keys must be distinct"
    seen = set()
    per_partition = {}
    mismatches = []
    for (part, off, key, value, ts_type, ts, headers) in consumed:
        assert key in by_key, f"unexpected key {key!r} at {part}/{off}"
        assert key not in seen, f"duplicate key {key!r} at {part}/{off}"
        seen.add(key)
        idx, r = by_key[key]
        got = (value, ts_type, ts, list(headers or []))
        want = (r.value, TIMESTAMP_CREATE_TIME, r.timestamp, list(r.headers))
        if got != want and len(mismatches) < 5:
            mismatches.append((key, want, got))
        if delivered is not None:
            assert delivered[key] == (part, off), f"{key!r}: delivered at {delivered[key]}, read at {(part, off)}"
        per_partition.setdefault(part, []).append((off, idx))
    assert not mismatches, f"mismatched records (key, want, got): {mismatches}"
    assert len(seen) == len(records), f"read {len(seen)} of {len(records)} records"
    for part, entries in per_partition.items():
        offs = [o for o, _ in entries]
        assert offs == list(range(len(offs))), f"partition {part}: offsets are not 0..n-1"
        idxs = [i for _, i in entries]
        assert idxs == sorted(idxs), f"partition {part}: records out of production order"


# ------------------------------------------------------------------------------------ kcat

def kcat(args, input_bytes=None, timeout=120, check=True):
    res = subprocess.run(["kcat", *args], input=input_bytes, capture_output=True, timeout=timeout)
    if check and res.returncode != 0:
        raise AssertionError(f"kcat {' '.join(args)} failed with {res.returncode}: {res.stderr.decode()[-2000:]}")
    return res


def kcat_metadata(bootstrap):
    res = kcat(["-b", bootstrap, "-L", "-J", "-m", "10"], timeout=30)
    return json.loads(res.stdout)


def kafka_python_kwargs(bootstrap):
    return {"bootstrap_servers": [bootstrap], "request_timeout_ms": 30000, "api_version_auto_timeout_ms": 10000}
