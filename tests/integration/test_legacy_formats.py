"""Legacy message formats (magic 0/1): Produce v0-2 is up-converted to RecordBatch v2 and Fetch v0-3
is down-converted. Real old clients (kafka-python forced to api_version 0.9 / 0.10.0, kcat in
0.9.0 fallback mode) and raw requests built here from WIRE-PROTOCOL-NOTES §7."""

import gzip
import struct
import time
import zlib

import lz4.frame
import pytest
from kafka import KafkaConsumer, KafkaProducer, TopicPartition

import clients
import harness
import wire

API_PRODUCE = 0
API_FETCH = 1
BASE_TS = 1_700_000_000_000
OLD_APIS = {"0.9": (0, 9), "0.10.0": (0, 10, 0)}  # Produce v1 / magic 0 + Fetch v1; Produce v2 / magic 1 + Fetch v2
CODEC_IDS = {"none": 0, "gzip": 1, "snappy": 2, "lz4": 3, "zstd": 4}

try:
    import xxhash  # noqa: F401  (kafka-python needs it for magic-0 lz4)
    HAVE_XXHASH = True
except ImportError:
    HAVE_XXHASH = False


# ------------------------------------------------------------------------------------ helpers

def _xxh32(data, seed=0):
    """XXH32, for the lz4 frame-descriptor checksum (the python xxhash module may be missing)."""
    p1, p2, p3, p4, p5 = 2654435761, 2246822519, 3266489917, 668265263, 374761393
    m = 0xFFFFFFFF

    def rotl(x, r):
        return ((x << r) | (x >> (32 - r))) & m

    n, i = len(data), 0
    if n >= 16:
        v = [(seed + p1 + p2) & m, (seed + p2) & m, seed & m, (seed - p1) & m]
        while i + 16 <= n:
            for j in range(4):
                w = int.from_bytes(data[i + 4 * j:i + 4 * j + 4], "little")
                v[j] = (rotl((v[j] + w * p2) & m, 13) * p1) & m
            i += 16
        h = (rotl(v[0], 1) + rotl(v[1], 7) + rotl(v[2], 12) + rotl(v[3], 18)) & m
    else:
        h = (seed + p5) & m
    h = (h + n) & m
    while i + 4 <= n:
        h = (h + int.from_bytes(data[i:i + 4], "little") * p3) & m
        h = (rotl(h, 17) * p4) & m
        i += 4
    while i < n:
        h = (h + data[i] * p5) & m
        h = (rotl(h, 11) * p1) & m
        i += 1
    h ^= h >> 15
    h = (h * p2) & m
    h ^= h >> 13
    h = (h * p3) & m
    h ^= h >> 16
    return h


def _records(tag, n):
    """(key, value, timestamp) with distinct keys, a null key and a null value now and then."""
    out = []
    for i in range(n):
        key = None if i % 17 == 5 else f"{tag}-k{i:05d}".encode()
        value = None if i % 19 == 7 else (f"{tag} value {i} " * (1 + i % 7)).encode()
        out.append((key, value, BASE_TS + i * 3))
    return out


def _topic(bootstrap, name):
    clients.create_topic(bootstrap, name, partitions=1)
    wire.wait_for_leader(bootstrap, name, 1)
    return name


def _kp_produce(bootstrap, topic, api, codec, records):
    """kafka-python with a pinned api_version; returns the offsets of the delivered records."""
    p = KafkaProducer(bootstrap_servers=[bootstrap], api_version=api, acks=1, linger_ms=50,
                      compression_type=None if codec == "none" else codec, request_timeout_ms=30000,
                      retries=0)
    try:
        futures = [p.send(topic, key=k, value=v, partition=0, timestamp_ms=ts) for k, v, ts in records]
        p.flush(60)
        return [f.get(timeout=60).offset for f in futures]
    finally:
        p.close(timeout=10)


def _kp_consume(bootstrap, topic, api, expected, timeout=60):
    """kafka-python with a pinned api_version, by assign(); returns ConsumerRecords in order."""
    c = KafkaConsumer(bootstrap_servers=[bootstrap], api_version=api, group_id=None, enable_auto_commit=False,
                      auto_offset_reset="earliest", fetch_max_wait_ms=100, request_timeout_ms=30000)
    try:
        tp = TopicPartition(topic, 0)
        c.assign([tp])
        c.seek_to_beginning(tp)
        out = []
        deadline = time.monotonic() + timeout
        while len(out) < expected and time.monotonic() < deadline:
            for recs in c.poll(timeout_ms=500).values():
                out.extend(recs)
        for recs in c.poll(timeout_ms=300).values():  # nothing beyond the expected records
            out.extend(recs)
        return out
    finally:
        c.close()


def _kp_consumers(codec):
    """The kafka-python API versions that can read `codec`: magic-0 lz4 needs the xxhash module
    (kcat covers that case)."""
    return [api for api in OLD_APIS if not (api == "0.9" and codec == "lz4" and not HAVE_XXHASH)]


def _kcat_consume_v09(bootstrap, topic, expected):
    """kcat without ApiVersions, as a 0.9.0 client (Fetch v1, magic 0). Returns [(offset, key, value)]."""
    res = clients.kcat(["-b", bootstrap, "-X", "api.version.request=false", "-X", "broker.version.fallback=0.9.0",
                        "-C", "-t", topic, "-p", "0", "-o", "beginning", "-c", str(expected), "-e",
                        "-f", "%o|%K|%S|%k|%s\\n"], timeout=90)
    out = []
    for line in res.stdout.split(b"\n"):
        if not line:
            continue
        off, klen, vlen, rest = line.split(b"|", 3)
        klen, vlen = int(klen), int(vlen)
        key = None if klen < 0 else rest[:klen]
        at = max(klen, 0) + 1  # a null key prints as nothing
        value = None if vlen < 0 else rest[at:at + vlen]
        out.append((int(off), key, value))
    return out


def _legacy_message(offset, magic, attributes, timestamp, key, value):
    def nbytes(b):
        return struct.pack(">i", -1) if b is None else struct.pack(">i", len(b)) + b
    body = struct.pack(">bb", magic, attributes)
    if magic == 1:
        body += struct.pack(">q", timestamp)
    body += nbytes(key) + nbytes(value)
    msg = struct.pack(">I", zlib.crc32(body)) + body
    return struct.pack(">qi", offset, len(msg)) + msg


def _parse_legacy_set(blob, inner=False):
    """Top-level entries of a legacy set: dicts; stops at a partial trailing entry."""
    out, pos = [], 0
    while pos + 12 <= len(blob):
        offset, size = struct.unpack(">qi", blob[pos:pos + 12])
        if pos + 12 + size > len(blob):
            assert not inner, "partial message inside a wrapper"
            break
        msg = blob[pos + 12:pos + 12 + size]
        crc, magic, attributes = struct.unpack(">Ibb", msg[:6])
        assert crc == zlib.crc32(msg[4:]), f"bad CRC at {offset}"
        at, ts = 6, None
        if magic == 1:
            ts = struct.unpack(">q", msg[6:14])[0]
            at = 14
        klen = struct.unpack(">i", msg[at:at + 4])[0]
        key = None if klen < 0 else msg[at + 4:at + 4 + klen]
        at += 4 + max(klen, 0)
        vlen = struct.unpack(">i", msg[at:at + 4])[0]
        value = None if vlen < 0 else msg[at + 4:at + 4 + vlen]
        assert at + 4 + max(vlen, 0) == len(msg)
        out.append({"offset": offset, "magic": magic, "attributes": attributes, "timestamp": ts, "key": key,
                    "value": value})
        pos += 12 + size
    return out


def _fetch_body(version, topic, offset, partition_max_bytes=1 << 20, max_bytes=1 << 22):
    body = struct.pack(">iii", -1, 100, 1)
    if version >= 3:
        body += struct.pack(">i", max_bytes)
    if version >= 4:
        body += struct.pack(">b", 0)
    part = struct.pack(">iqi", 0, offset, partition_max_bytes)
    return body + wire.array([wire.string(topic) + wire.array([part])])


def fetch_partition(conn, version, topic, offset, **kw):
    r = wire.Reader(conn.request(API_FETCH, version, _fetch_body(version, topic, offset, **kw)))
    if version >= 1:
        r.int32()
    assert r.int32() == 1
    assert r.string() == topic
    assert r.int32() == 1
    assert r.int32() == 0
    error, hw = r.int16(), r.int64()
    if version >= 4:
        r.int64()  # last_stable_offset
        r.array(lambda rr: (rr.int64(), rr.int64()))
    n = r.int32()
    records = b"" if n < 0 else r._take(n)
    assert r.remaining() == 0
    return error, hw, records


def produce_legacy(conn, version, topic, message_set):
    """Raw Produce v0-2 of one partition: (error_code, base_offset)."""
    part = struct.pack(">i", 0) + wire.nbytes(message_set)
    body = struct.pack(">hi", 1, 10000) + wire.array([wire.string(topic) + wire.array([part])])
    r = wire.Reader(conn.request(API_PRODUCE, version, body))
    assert r.int32() == 1
    r.string()
    assert r.int32() == 1
    assert r.int32() == 0
    error, base = r.int16(), r.int64()
    if version >= 2:
        r.int64()  # log_append_time
    if version >= 1:
        r.int32()  # throttle_time_ms
    assert r.remaining() == 0
    return error, base


# ------------------------------------------------------------------------------------ real old clients

@pytest.mark.parametrize("codec", ["none", "gzip", "snappy", "lz4"])
@pytest.mark.parametrize("producer_api", list(OLD_APIS))
def test_old_producer_old_and_new_consumers(shared_broker, producer_api, codec):
    if producer_api == "0.9" and codec == "lz4" and not HAVE_XXHASH:
        pytest.skip("kafka-python writes magic-0 lz4 only with the xxhash module (covered by kcat below)")
    bootstrap = shared_broker.bootstrap
    topic = _topic(bootstrap, f"legacy-{producer_api}-{codec}")
    records = _records(f"{producer_api}{codec}", 300)
    offsets = _kp_produce(bootstrap, topic, OLD_APIS[producer_api], codec, records)
    assert offsets == list(range(len(records)))
    magic1 = producer_api == "0.10.0"

    # A modern client reads the up-converted v2 batches.
    got = clients.confluent_consume(bootstrap, topic, [0], len(records))
    assert [(m[1], m[2], m[3]) for m in got] == [(i, k, v) for i, (k, v, _) in enumerate(records)]
    if magic1:
        assert [m[5] for m in got] == [ts for _, _, ts in records]
    else:
        assert all(m[5] == -1 or m[4] == 0 for m in got), "magic 0 carries no timestamp"

    # Old clients read down-converted messages.
    for consumer_api in _kp_consumers(codec):
        got = _kp_consume(bootstrap, topic, OLD_APIS[consumer_api], len(records))
        assert [(m.offset, m.key, m.value) for m in got] == [(i, k, v) for i, (k, v, _) in enumerate(records)], \
            consumer_api
        if consumer_api == "0.10.0" and magic1:
            assert [m.timestamp for m in got] == [ts for _, _, ts in records]
    got = _kcat_consume_v09(bootstrap, topic, len(records))
    assert got == [(i, k, v) for i, (k, v, _) in enumerate(records)]


@pytest.mark.parametrize("codec", ["none", "gzip", "snappy", "lz4"])
def test_modern_producer_old_consumers(shared_broker, codec):
    bootstrap = shared_broker.bootstrap
    topic = _topic(bootstrap, f"legacy-modern-{codec}")
    recs = clients.make_records(500, f"m{codec}", base_ts=BASE_TS, text_only=True)  # kcat prints lines
    with wire.Connection(bootstrap) as c:
        # Several v2 batches of different sizes, with headers (dropped for old readers).
        start = 0
        for n in (1, 120, 300, 79):
            part = recs[start:start + n]
            blob = wire.record_batch([(r.key, r.value, r.timestamp, r.headers) for r in part], part[0].timestamp,
                                     codec=codec)
            body = wire.produce_v3_body(topic, 0, blob, acks=1)
            p = wire.decode_produce_v3(c.request(API_PRODUCE, 3, body), 3)["responses"][0]["partitions"][0]
            assert (p["error_code"], p["base_offset"]) == (0, start)
            start += n
    want = [(i, r.key, r.value) for i, r in enumerate(recs)]
    for consumer_api in _kp_consumers(codec):
        got = _kp_consume(bootstrap, topic, OLD_APIS[consumer_api], len(recs))
        assert [(m.offset, m.key, m.value) for m in got] == want, consumer_api
        if consumer_api == "0.10.0":
            assert [m.timestamp for m in got] == [r.timestamp for r in recs]
    assert _kcat_consume_v09(bootstrap, topic, len(recs)) == want


def test_kcat_09_producer_lz4_magic0(shared_broker):
    """librdkafka in 0.9.0 mode writes Produce v1 magic-0 messages, lz4 with the KAFKA-3160 checksum."""
    bootstrap = shared_broker.bootstrap
    topic = _topic(bootstrap, "legacy-kcat-lz4")
    lines = [f"key{i}:value {i} " + "x" * (i % 50) for i in range(400)]
    clients.kcat(["-b", bootstrap, "-X", "api.version.request=false", "-X", "broker.version.fallback=0.9.0",
                  "-P", "-t", topic, "-p", "0", "-z", "lz4", "-K", ":"], input_bytes="\n".join(lines).encode())
    got = clients.confluent_consume(bootstrap, topic, [0], len(lines))
    assert [(m[1], m[2], m[3]) for m in got] == [(i, ln.split(":", 1)[0].encode(), ln.split(":", 1)[1].encode())
                                                 for i, ln in enumerate(lines)]
    assert _kcat_consume_v09(bootstrap, topic, len(lines)) == [(m[1], m[2], m[3]) for m in got]


# ------------------------------------------------------------------------------------ raw requests

def test_fetch_v0_to_v3_wrapper_format(shared_broker):
    bootstrap = shared_broker.bootstrap
    topic = _topic(bootstrap, "legacy-raw-wrappers")
    plain = [(f"p{i}".encode(), b"plain", BASE_TS, []) for i in range(3)]
    recs = [(f"k{i}".encode(), f"v{i}".encode(), BASE_TS + i, []) for i in range(5)]
    with wire.Connection(bootstrap) as c:
        for batch, codec in ((plain, "none"), (recs, "lz4")):
            body = wire.produce_v3_body(topic, 0, wire.record_batch(batch, BASE_TS, codec=codec))
            assert wire.decode_produce_v3(c.request(API_PRODUCE, 3, body))["responses"][0]["partitions"][0][
                "error_code"] == 0
        for version, magic in ((0, 0), (1, 0), (2, 1), (3, 1)):
            error, hw, blob = fetch_partition(c, version, topic, 3)
            assert (error, hw) == (0, 8)
            [w] = _parse_legacy_set(blob)
            # The wrapper carries the offset of its last inner message.
            assert (w["offset"], w["magic"], w["attributes"] & 7, w["key"]) == (7, magic, 3, None)
            frame = w["value"]
            assert frame[:4] == b"\x04\x22\x4d\x18" and frame[4] == 0x60
            descriptor_hc = (_xxh32(frame[4:6]) >> 8) & 0xFF
            kafka3160_hc = (_xxh32(frame[0:6]) >> 8) & 0xFF
            assert frame[6] == (kafka3160_hc if magic == 0 else descriptor_hc)
            inner = _parse_legacy_set(lz4.frame.decompress(frame[:6] + bytes([descriptor_hc]) + frame[7:]), True)
            # Inner offsets: absolute in magic 0, relative (KIP-31) in magic 1.
            assert [m["offset"] for m in inner] == ([3, 4, 5, 6, 7] if magic == 0 else [0, 1, 2, 3, 4])
            assert [m["key"] for m in inner] == [r[0] for r in recs]
            assert all(m["attributes"] == 0 and m["magic"] == magic for m in inner)
            if magic == 1:
                assert w["timestamp"] == BASE_TS + 4
                assert [m["timestamp"] for m in inner] == [r[2] for r in recs]
        # The plain batch becomes plain messages.
        error, _, blob = fetch_partition(c, 1, topic, 0, partition_max_bytes=80)
        assert [(m["offset"], m["key"], m["attributes"]) for m in _parse_legacy_set(blob)] == [
            (0, b"p0", 0), (1, b"p1", 0)]
        # From offset 5 the first records of the lz4 batch are left out.
        error, _, blob = fetch_partition(c, 2, topic, 5)
        [w] = _parse_legacy_set(blob)
        assert w["offset"] == 7
        inner = _parse_legacy_set(lz4.frame.decompress(w["value"]), True)
        assert [m["offset"] for m in inner] == [0, 1, 2]  # relative; absolute 5, 6, 7
        assert [m["key"] for m in inner] == [b"k2", b"k3", b"k4"]


def test_fetch_v0_hard_limit_and_v3_first_message(shared_broker):
    bootstrap = shared_broker.bootstrap
    topic = _topic(bootstrap, "legacy-raw-limits")
    small = [(f"k{i:02d}".encode(), b"0123456789", BASE_TS + i, []) for i in range(100)]
    big = [(f"b{i}".encode(), b"x" * 5000, BASE_TS, []) for i in range(2)]
    with wire.Connection(bootstrap) as c:
        for batch in (small, big[:1], big[1:]):
            body = wire.produce_v3_body(topic, 0, wire.record_batch(batch, BASE_TS))
            assert wire.decode_produce_v3(c.request(API_PRODUCE, 3, body))["responses"][0]["partitions"][0][
                "error_code"] == 0
        # The 100-record v2 batch fits in 3000 bytes; as magic-0 messages (39 bytes each) it does
        # not: the answer is cut to whole messages within the limit.
        error, _, blob = fetch_partition(c, 0, topic, 0, partition_max_bytes=3000)
        assert error == 0
        assert [m["offset"] for m in _parse_legacy_set(blob)] == list(range(3000 // 39))
        assert len(blob) == (3000 // 39) * 39
        # v0-2: a hard limit; a message larger than it comes back partial, so the client knows.
        error, _, blob = fetch_partition(c, 1, topic, 100, partition_max_bytes=1000)
        assert error == 0 and len(blob) == 1000 and _parse_legacy_set(blob) == []
        # v3: the first message comes back whole even when larger than the limits.
        error, _, blob = fetch_partition(c, 3, topic, 100, partition_max_bytes=1000, max_bytes=1000)
        assert error == 0
        assert [(m["offset"], m["key"]) for m in _parse_legacy_set(blob)] == [(100, b"b0")]


def test_raw_legacy_produce(shared_broker):
    bootstrap = shared_broker.bootstrap
    topic = _topic(bootstrap, "legacy-raw-produce")
    with wire.Connection(bootstrap) as c:
        # v0: plain magic-0 messages.
        s0 = _legacy_message(0, 0, 0, None, b"a", b"1") + _legacy_message(0, 0, 0, None, None, b"2")
        assert produce_legacy(c, 0, topic, s0) == (0, 0)
        # v1: a gzip wrapper (inner offsets are placeholders in magic 0).
        inner = _legacy_message(0, 0, 0, None, b"c", b"3") + _legacy_message(0, 0, 0, None, b"d", None)
        assert produce_legacy(c, 1, topic, _legacy_message(0, 0, 1, None, None, gzip.compress(inner))) == (0, 2)
        # v2: magic 1, an lz4 wrapper with relative inner offsets, CreateTime kept.
        inner = (_legacy_message(0, 1, 0, BASE_TS, b"e", b"5") + _legacy_message(1, 1, 0, BASE_TS + 9, b"f", b"6"))
        wrapper = _legacy_message(1, 1, 3, BASE_TS + 9, None, lz4.frame.compress(inner, block_linked=False))
        assert produce_legacy(c, 2, topic, wrapper) == (0, 4)
        # Errors per partition: CRC (CORRUPT_MESSAGE), wrong magic for the version (INVALID_RECORD),
        # nested compression (INVALID_RECORD), a v2 batch in Produce v2.
        bad = bytearray(_legacy_message(0, 0, 0, None, b"k", b"value"))
        bad[-1] ^= 1
        assert produce_legacy(c, 1, topic, bytes(bad))[0] == 2
        assert produce_legacy(c, 1, topic, _legacy_message(0, 1, 0, BASE_TS, b"k", b"v"))[0] == 87
        assert produce_legacy(c, 2, topic, _legacy_message(0, 0, 0, None, b"k", b"v"))[0] == 87
        nested = _legacy_message(0, 1, 1, BASE_TS, None, gzip.compress(_legacy_message(0, 1, 0, BASE_TS, b"k", b"v")))
        assert produce_legacy(c, 2, topic, _legacy_message(0, 1, 1, BASE_TS, None, gzip.compress(nested)))[0] == 87
        v2 = wire.record_batch([(b"k", b"v", BASE_TS, [])], BASE_TS)
        assert produce_legacy(c, 2, topic, v2)[0] == 87
        # Nothing of the refused requests was appended.
        assert fetch_partition(c, 4, topic, 0)[1] == 6
    got = clients.confluent_consume(bootstrap, topic, [0], 6)
    assert [(m[1], m[2], m[3]) for m in got] == [(0, b"a", b"1"), (1, None, b"2"), (2, b"c", b"3"), (3, b"d", None),
                                                 (4, b"e", b"5"), (5, b"f", b"6")]
    assert [m[5] for m in got[4:]] == [BASE_TS, BASE_TS + 9]
    assert got[0][5] == -1 or got[0][4] == 0


def test_zstd_for_old_fetchers(shared_broker):
    bootstrap = shared_broker.bootstrap
    topic = _topic(bootstrap, "legacy-zstd")
    with wire.Connection(bootstrap) as c:
        for i, codec in enumerate(["gzip", "zstd"]):
            blob = wire.record_batch([(f"k{i}".encode(), b"v", BASE_TS, [])], BASE_TS, codec=codec)
            p = wire.decode_produce_v3(c.request(API_PRODUCE, 7, wire.produce_v3_body(topic, 0, blob)), 7)
            assert p["responses"][0]["partitions"][0]["error_code"] == 0
        for version in (1, 2, 3, 4):
            # From offset 0: the gzip batch only, cut before the zstd one.
            error, hw, blob = fetch_partition(c, version, topic, 0)
            assert (error, hw) == (0, 2), version
            if version >= 4:
                assert len(blob) > 61 and blob[16] == 2
                assert struct.unpack(">i", blob[8:12])[0] + 12 == len(blob), "exactly the gzip batch"
            else:
                [w] = _parse_legacy_set(blob)
                assert (w["offset"], w["attributes"] & 7) == (0, 1)
            # From the zstd batch: UNSUPPORTED_COMPRESSION_TYPE.
            error, hw, blob = fetch_partition(c, version, topic, 1)
            assert (error, blob) == (76, b""), version


def test_downconversion_can_be_disabled(broker_factory):
    b = broker_factory(extra_props={"log.message.downconversion.enable": "false"})
    topic = _topic(b.bootstrap, "legacy-disabled")
    with wire.Connection(b.bootstrap) as c:
        blob = wire.record_batch([(b"k", b"v", BASE_TS, [])], BASE_TS)
        assert wire.decode_produce_v3(c.request(API_PRODUCE, 3, wire.produce_v3_body(topic, 0, blob)))[
            "responses"][0]["partitions"][0]["error_code"] == 0
        for version in (0, 1, 2, 3):
            assert fetch_partition(c, version, topic, 0)[0] == 35, version  # UNSUPPORTED_VERSION
        error, hw, records = fetch_partition(c, 4, topic, 0)
        # The stored batch, with the leader epoch the broker stamped.
        assert (error, hw, records[:12], records[16:]) == (0, 1, blob[:12], blob[16:])


def test_downconversion_per_topic(broker_factory):
    """The topic setting wins over the broker default, both ways, and can change at run time."""
    from confluent_kafka.admin import ConfigResource, NewTopic
    b = broker_factory()
    a = clients.admin(b.bootstrap)
    fs = a.create_topics([NewTopic("no-old-fetchers", 1, 1, config={"message.downconversion.enable": "false"})],
                         operation_timeout=30)
    fs["no-old-fetchers"].result(30)
    wire.wait_for_leader(b.bootstrap, "no-old-fetchers", 1)
    allowed = _topic(b.bootstrap, "old-fetchers-ok")
    with wire.Connection(b.bootstrap) as c:
        blob = wire.record_batch([(b"k", b"v", BASE_TS, [])], BASE_TS)
        for topic in ("no-old-fetchers", allowed):
            assert wire.decode_produce_v3(c.request(API_PRODUCE, 3, wire.produce_v3_body(topic, 0, blob)))[
                "responses"][0]["partitions"][0]["error_code"] == 0
        assert fetch_partition(c, 1, "no-old-fetchers", 0)[0] == 35  # UNSUPPORTED_VERSION
        assert fetch_partition(c, 4, "no-old-fetchers", 0)[0] == 0
        assert fetch_partition(c, 1, allowed, 0)[0] == 0
    # Enabling it dynamically lets old fetchers in without a restart.
    res = ConfigResource(ConfigResource.Type.TOPIC, "no-old-fetchers",
                         set_config={"message.downconversion.enable": "true"})
    a.alter_configs([res])[res].result(30)
    with wire.Connection(b.bootstrap) as c:
        harness.wait_until(lambda: fetch_partition(c, 1, "no-old-fetchers", 0)[0] == 0, 30, 0.2,
                           "the topic change to reach the partition")

# ------------------------------------------------------------------------------------ kafka-python 0.8.2 / 0.10

def _dump_segment(broker, topic):
    """kafka-dump-log.sh batch lines of the topic's first segment: [(magic, codec)]."""
    import re
    import subprocess
    from pathlib import Path
    seg = broker.partition_dir(topic, 0) / "00000000000000000000.log"
    script = Path(__file__).resolve().parents[2] / "scripts" / "kafka-dump-log.sh"
    res = subprocess.run([str(script), "--files", str(seg)], capture_output=True, timeout=120)
    assert res.returncode == 0, res.stderr.decode()
    return re.findall(r" magic: (\d) compresscodec: (\w+) crc: \d+ isvalid: true$", res.stdout.decode(), re.M)


@pytest.mark.parametrize("codec", ["none", "gzip", "snappy"])
@pytest.mark.parametrize("api", [(0, 8, 2), (0, 10)], ids=["0.8.2", "0.10"])
def test_kafka_python_082_and_010_round_trip(shared_broker, api, codec):
    """kafka-python pinned to 0.8.2 (Produce v0 / Fetch v0, magic 0) and 0.10 (Produce v2 / Fetch v2,
    magic 1): what they produce is stored as RecordBatch v2 with their codec, and both old and modern
    consumers read it back (timestamps survive for magic 1)."""
    bootstrap = shared_broker.bootstrap
    name = ".".join(map(str, api))
    topic = _topic(bootstrap, f"kp-{name}-{codec}")
    records = _records(f"{name}{codec}", 250)
    offsets = _kp_produce(bootstrap, topic, api, codec, records)
    assert offsets == list(range(len(records)))
    stored = _dump_segment(shared_broker, topic)
    assert stored and all(m == "2" and c == codec for m, c in stored), stored

    got = _kp_consume(bootstrap, topic, api, len(records))
    assert [(m.offset, m.key, m.value) for m in got] == [(i, k, v) for i, (k, v, _) in enumerate(records)]
    if api == (0, 10):
        assert [m.timestamp for m in got] == [ts for _, _, ts in records]
    modern = clients.confluent_consume(bootstrap, topic, [0], len(records))
    assert [(m[1], m[2], m[3]) for m in modern] == [(i, k, v) for i, (k, v, _) in enumerate(records)]
    if api == (0, 10):
        assert [m[5] for m in modern] == [ts for _, _, ts in records]


@pytest.mark.parametrize("api", [(0, 8, 2), (0, 10)], ids=["0.8.2", "0.10"])
def test_kafka_python_old_consumers_read_modern_compressed_batches(shared_broker, api):
    """Magic-2 batches from a modern producer (gzip and snappy, with headers) read by 0.8.2/0.10
    consumers through down-conversion."""
    bootstrap = shared_broker.bootstrap
    name = ".".join(map(str, api))
    topic = _topic(bootstrap, f"kp-modern-{name}")
    recs = clients.make_records(400, f"mod{name}", base_ts=BASE_TS)
    with wire.Connection(bootstrap) as c:
        start = 0
        for n, codec in ((100, "gzip"), (150, "snappy"), (150, "none")):
            part = recs[start:start + n]
            blob = wire.record_batch([(r.key, r.value, r.timestamp, r.headers) for r in part], part[0].timestamp,
                                     codec=codec)
            p = wire.decode_produce_v3(c.request(API_PRODUCE, 3, wire.produce_v3_body(topic, 0, blob)), 3)
            assert p["responses"][0]["partitions"][0]["error_code"] == 0
            start += n
    got = _kp_consume(bootstrap, topic, api, len(recs))
    assert [(m.offset, m.key, m.value) for m in got] == [(i, r.key, r.value) for i, r in enumerate(recs)]
    if api == (0, 10):
        assert [m.timestamp for m in got] == [r.timestamp for r in recs]
