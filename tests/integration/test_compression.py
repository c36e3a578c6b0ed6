"""Compression on the broker: every producer codec round-trips, topic compression.type forces
recompression (checked on disk with kafka-dump-log.sh), compression bombs are refused without the
broker allocating them, topic limits (max.message.bytes, message.timestamp.difference.max.ms,
LogAppendTime) hold for compressed input, and the modern fetch path sends record data with
sendfile(2) (zero-copy, observed with strace)."""

import os
import re
import shutil
import struct
import subprocess
import threading
import time
import zlib
from pathlib import Path

import pytest
from confluent_kafka import TIMESTAMP_LOG_APPEND_TIME
from confluent_kafka.admin import NewTopic

import clients
import wire

ROOT = Path(__file__).resolve().parents[2]
BASE_TS = int(time.time() * 1000) - 60_000
CODECS = ["none", "gzip", "snappy", "lz4", "zstd"]

E_CORRUPT_MESSAGE = 2
E_MESSAGE_TOO_LARGE = 10
E_INVALID_TIMESTAMP = 32
E_INVALID_RECORD = 87


def _topic(bootstrap, name, config=None):
    a = clients.admin(bootstrap)
    a.create_topics([NewTopic(name, 1, 1, config=config or {})])[name].result(30)
    wire.wait_for_leader(bootstrap, name, 1)
    return name


def _records(tag, n, base_ts=None):
    base_ts = BASE_TS if base_ts is None else base_ts
    out = []
    for i in range(n):
        headers = [("i", str(i).encode())] if i % 4 == 0 else []
        key = None if i % 11 == 5 else f"{tag}-{i}".encode()
        value = (f"{tag} value {i} " * (1 + i % 6)).encode()
        out.append((key, value, base_ts + i, headers))
    return out


def _produce_raw(conn, topic, blob, version=7):
    body = wire.produce_v3_body(topic, 0, blob, acks=1)
    resp = wire.decode_produce_v3(conn.request(wire.API_PRODUCE, version, body), version)
    return resp["responses"][0]["partitions"][0]


def _codecs_on_disk(broker, topic):
    seg = broker.partition_dir(topic, 0) / "00000000000000000000.log"
    res = subprocess.run([str(ROOT / "scripts" / "kafka-dump-log.sh"), "--files", str(seg)], capture_output=True,
                         timeout=120)
    assert res.returncode == 0, res.stderr.decode()
    out = res.stdout.decode()
    return re.findall(r" compresscodec: (\w+) crc: \d+ isvalid: true$", out, re.M), out


def _consume_all(bootstrap, topic, n):
    got = clients.confluent_consume(bootstrap, topic, [0], n)
    assert len(got) == n, f"read {len(got)} of {n}"
    return [(m[1], m[2], m[3], m[5], list(m[6] or [])) for m in got]


def _expected(records):
    return [(i, k, v, ts, h) for i, (k, v, ts, h) in enumerate(records)]


@pytest.mark.parametrize("codec", CODECS)
def test_confluent_producer_codecs_round_trip(shared_broker, codec):
    b = shared_broker
    topic = _topic(b.bootstrap, f"codec-{codec}")
    recs = clients.make_records(3000, f"c{codec}")
    delivered = clients.confluent_produce(b.bootstrap, topic, recs, codec=codec)
    got = clients.confluent_consume(b.bootstrap, topic, [0], len(recs))
    clients.compare_consumed(recs, got, delivered)
    codecs, _ = _codecs_on_disk(b, topic)
    assert codecs, "no batch on disk"
    # compression.type=producer keeps whatever the client sent (librdkafka may send some codecs
    # uncompressed to this broker; see docs/STATUS.md).
    assert set(codecs) <= {codec, "none"}


@pytest.mark.parametrize("target", ["zstd", "gzip", "uncompressed"])
def test_topic_compression_type_recompresses(shared_broker, target):
    b = shared_broker
    topic = _topic(b.bootstrap, f"recompress-{target}", {"compression.type": target})
    want_codec = "none" if target == "uncompressed" else target
    expected = []
    with wire.Connection(b.bootstrap) as c:
        for i, codec in enumerate(["none", "gzip", "snappy", "lz4", "zstd", "snappy-xerial"]):
            recs = _records(f"{target}{i}", 40 + i * 17)
            p = _produce_raw(c, topic, wire.record_batch(recs, recs[0][2], codec=codec))
            assert (p["error_code"], p["base_offset"]) == (0, len(expected)), codec
            expected.extend(recs)
    # A real client too.
    more = clients.make_records(500, f"cf{target}")
    clients.confluent_produce(b.bootstrap, topic, more, codec="gzip")
    expected.extend((r.key, r.value, r.timestamp, r.headers) for r in more)

    codecs, dump = _codecs_on_disk(b, topic)
    assert codecs and set(codecs) == {want_codec}, dump[:3000]
    assert _consume_all(b.bootstrap, topic, len(expected)) == _expected(expected)


def test_recompression_keeps_log_append_time_and_producer_fields(shared_broker):
    b = shared_broker
    topic = _topic(b.bootstrap, "recompress-lat", {"compression.type": "lz4",
                                                    "message.timestamp.type": "LogAppendTime"})
    recs = _records("lat", 30, base_ts=1_000_000_000_000)
    before = int(time.time() * 1000)
    with wire.Connection(b.bootstrap) as c:
        p = _produce_raw(c, topic, wire.record_batch(recs, recs[0][2], codec="gzip"))
    after = int(time.time() * 1000)
    assert p["error_code"] == 0
    assert before <= p["log_append_time_ms"] <= after
    codecs, dump = _codecs_on_disk(b, topic)
    assert codecs == ["lz4"]
    assert f" LogAppendTime: {p['log_append_time_ms']} " in dump
    got = clients.confluent_consume(b.bootstrap, topic, [0], len(recs))
    assert [(m[2], m[3], m[4], m[5]) for m in got] == \
        [(k, v, TIMESTAMP_LOG_APPEND_TIME, p["log_append_time_ms"]) for k, v, _, _ in recs]


def _bomb_batch(uncompressed_bytes):
    """A gzip batch whose records area inflates to `uncompressed_bytes` zeros (streamed here, so the
    test never holds the inflated data either)."""
    z = zlib.compressobj(9, zlib.DEFLATED, 31)  # gzip container
    chunk = bytes(1 << 20)
    parts = [z.compress(chunk) for _ in range(uncompressed_bytes >> 20)]
    parts.append(z.flush())
    payload = b"".join(parts)
    after_crc = struct.pack(">hiqqqhii", 1, 0, BASE_TS, BASE_TS, -1, -1, -1, 1) + payload
    after_length = struct.pack(">ibI", -1, 2, wire.crc32c(after_crc)) + after_crc
    return struct.pack(">qi", 0, len(after_length)) + after_length


def _peak_rss_kb(pid):
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0


@pytest.mark.parametrize("target", ["producer", "zstd"])
def test_compression_bomb_is_refused(broker_factory, target):
    b = broker_factory()
    topic = _topic(b.bootstrap, "bomb", {"compression.type": target, "max.message.bytes": str(8 << 20)})
    blob = _bomb_batch(1 << 30)  # 1 GiB of zeros in about 1 MiB
    assert len(blob) < (4 << 20)
    pid = b.proc.proc.pid
    peak_before = _peak_rss_kb(pid)
    with wire.Connection(b.bootstrap, timeout=60) as c:
        p = _produce_raw(c, topic, blob)
        assert p["error_code"] in (E_CORRUPT_MESSAGE, E_INVALID_RECORD)
        assert wire.list_offsets_v1(c, topic, {0: -1})[0][2] == 0
        # The broker still serves, and a normal batch is accepted.
        recs = _records("ok", 3)
        assert _produce_raw(c, topic, wire.record_batch(recs, recs[0][2], codec="gzip"))["error_code"] == 0
    grown_mb = (_peak_rss_kb(pid) - peak_before) / 1024
    assert grown_mb < 300, f"peak RSS grew by {grown_mb:.0f} MiB for a 1 GiB bomb"


def test_topic_limits_on_compressed_input(shared_broker):
    b = shared_broker
    small = _topic(b.bootstrap, "limit-size", {"max.message.bytes": "2000"})
    window = _topic(b.bootstrap, "limit-time", {"message.timestamp.difference.max.ms": "60000"})
    with wire.Connection(b.bootstrap) as c:
        # MESSAGE_TOO_LARGE: a batch above max.message.bytes (uncompressed and compressed).
        big = [(f"k{i}".encode(), os.urandom(100), BASE_TS + i, []) for i in range(40)]
        for codec in ("none", "zstd"):
            assert _produce_raw(c, small, wire.record_batch(big, BASE_TS, codec=codec))["error_code"] == \
                E_MESSAGE_TOO_LARGE
        fits = _records("fits", 3)
        assert _produce_raw(c, small, wire.record_batch(fits, fits[0][2]))["error_code"] == 0
        # INVALID_TIMESTAMP: an hour outside the 60 s window, in a compressed batch too.
        now = int(time.time() * 1000)
        for codec in ("none", "gzip"):
            old = _records("old", 5, base_ts=now - 3_600_000)
            assert _produce_raw(c, window, wire.record_batch(old, old[0][2], codec=codec))["error_code"] == \
                E_INVALID_TIMESTAMP
        fresh = _records("fresh", 5, base_ts=now)
        assert _produce_raw(c, window, wire.record_batch(fresh, fresh[0][2], codec="gzip"))["error_code"] == 0
        assert wire.list_offsets_v1(c, small, {0: -1})[0][2] == 3
        assert wire.list_offsets_v1(c, window, {0: -1})[0][2] == 5


@pytest.mark.skipif(shutil.which("strace") is None, reason="strace is not installed (scripts/install-deps.sh)")
def test_fetch_v4_is_zero_copy(shared_broker, tmp_path):
    """Fetch v4+: the record bytes go from the segment file to the socket with sendfile(2); the
    broker reads at most batch headers from the .log into user space."""
    b = shared_broker
    topic = _topic(b.bootstrap, "zero-copy")
    marker = b"ZEROCOPY-MARKER-"
    with wire.Connection(b.bootstrap) as c:
        for i in range(8):
            recs = [(f"k{i}-{j}".encode(), marker + os.urandom(4000), BASE_TS + j, []) for j in range(30)]
            assert _produce_raw(c, topic, wire.record_batch(recs, BASE_TS))["error_code"] == 0
    seg = b.partition_dir(topic, 0) / "00000000000000000000.log"
    total = os.path.getsize(seg)
    trace = tmp_path / "strace.txt"
    st = subprocess.Popen(["strace", "-f", "-qq", "-e", "trace=sendfile,pread64,preadv,preadv2,read,readv",
                           "-e", "signal=none", "-s", "64", "-o", str(trace), "-p", str(b.proc.proc.pid)],
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        time.sleep(1.5)  # let strace attach to every thread
        with wire.Connection(b.bootstrap) as c:
            p = wire.fetch_v4(c, topic, 0, 0, max_bytes=4 << 20)
            assert p["error_code"] == 0 and p["records"]
            got = len(p["records"])
        time.sleep(0.5)
    finally:
        st.terminate()
        try:
            st.wait(10)
        except subprocess.TimeoutExpired:
            st.kill()
            st.wait(10)
    assert got == total
    text = trace.read_text(errors="replace")
    sent = sum(int(m.group(1)) for m in re.finditer(r"sendfile(?:\(| resumed>).*\)\s*=\s*(\d+)", text))
    assert sent >= total, f"sendfile moved {sent} of {total} record bytes:\n{text[-3000:]}"
    # No user-space read of record data: the marker never shows in what read calls returned, and
    # positional reads (of the segment) stay header-sized.
    assert marker.decode() not in text
    big_preads = []
    for ln in text.splitlines():
        ret = re.search(r"\)\s*=\s*(-?\d+)\s*$", ln)
        if re.search(r"\bpread(64|v|v2)?(\(| resumed>)", ln) and ret and int(ret.group(1)) > 4096:
            big_preads.append(ln)
    assert not big_preads, big_preads[:5]
