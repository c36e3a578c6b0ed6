"""kafka-dump-log.sh on real segments written by the broker (batch and record lines, offset and time
indexes, truncated and corrupted files), and kafka-log-dirs.sh --describe parsed as JSON."""

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

import clients
import wire

ROOT = Path(__file__).resolve().parents[2]
BASE_TS = 1_700_000_000_000


def _run_tool(script, args, timeout=120, check=True):
    env = dict(os.environ)
    res = subprocess.run([str(ROOT / "scripts" / script), *args], capture_output=True, timeout=timeout, env=env)
    if check:
        assert res.returncode == 0, f"{script} {args} exited {res.returncode}:\n{res.stdout.decode()}\n{res.stderr.decode()}"
    return res


def dump_log(args, **kw):
    return _run_tool("kafka-dump-log.sh", args, **kw)


def _topic(bootstrap, name, config=None):
    from confluent_kafka.admin import NewTopic
    a = clients.admin(bootstrap)
    a.create_topics([NewTopic(name, 1, 1, config=config or {})])[name].result(30)
    wire.wait_for_leader(bootstrap, name, 1)
    return name


def _build_batches(sizes, codec="none", value_fill=0):
    """One v2 batch per size; record i has key k<i>, value v<i> (plus value_fill bytes), timestamp
    BASE_TS + i and headers on every 3rd record. Returns (records, blobs)."""
    recs, blobs = [], []
    for n in sizes:
        batch = []
        for _ in range(n):
            i = len(recs)
            headers = [("h", str(i).encode()), ("h2", None)] if i % 3 == 0 else []
            r = (f"k{i}".encode(), f"v{i}".encode() + b"x" * value_fill, BASE_TS + i, headers)
            batch.append(r)
            recs.append(r)
        blobs.append(wire.record_batch(batch, batch[0][2], codec=codec))
    return recs, blobs


def _produce_blobs(bootstrap, topic, blobs):
    with wire.Connection(bootstrap) as c:
        for blob in blobs:
            resp = wire.decode_produce_v3(c.request(wire.API_PRODUCE, 7, wire.produce_v3_body(topic, 0, blob)), 7)
            assert resp["responses"][0]["partitions"][0]["error_code"] == 0


def _produce_batches(bootstrap, topic, sizes, codec="none", value_fill=0):
    recs, blobs = _build_batches(sizes, codec, value_fill)
    _produce_blobs(bootstrap, topic, blobs)
    return recs


BATCH_RE = re.compile(
    r"^baseOffset: (\d+) lastOffset: (\d+) count: (\d+) baseSequence: (-?\d+) lastSequence: (-?\d+) "
    r"producerId: (-?\d+) producerEpoch: (-?\d+) partitionLeaderEpoch: (-?\d+) isTransactional: (true|false) "
    r"isControl: (true|false) deleteHorizonMs: OptionalLong\.empty position: (\d+) (CreateTime|LogAppendTime): "
    r"(-?\d+) size: (\d+) magic: 2 compresscodec: (none|gzip|snappy|lz4|zstd) crc: (\d+) isvalid: (true|false)$")
RECORD_RE = re.compile(
    r"^\| offset: (\d+) (CreateTime|LogAppendTime): (-?\d+) keySize: (-?\d+) valueSize: (-?\d+) "
    r"sequence: (-?\d+) headerKeys: \[([^\]]*)\]( key: (\S*))?( payload: (.*))?$")


def parse_dump(text):
    batches, records, other = [], [], []
    for line in text.splitlines():
        if m := BATCH_RE.match(line):
            batches.append(m.groups())
        elif m := RECORD_RE.match(line):
            records.append(m.groups())
        else:
            other.append(line)
    return batches, records, other


def test_dump_log_on_a_real_segment(shared_broker):
    b = shared_broker
    recs, blobs = _build_batches([1, 10, 5, 20, 2], value_fill=30)
    # segment.bytes = the first four batches: the fifth rolls the segment, which seals (trims) the
    # indexes of segment 0 as a closed segment's are.
    seg_bytes = sum(len(x) for x in blobs[:4])
    topic = _topic(b.bootstrap, "dump-real", {"index.interval.bytes": "100", "segment.bytes": str(seg_bytes)})
    _produce_blobs(b.bootstrap, topic, blobs)
    recs = recs[:36]
    seg = b.partition_dir(topic, 0) / "00000000000000000000"
    assert (b.partition_dir(topic, 0) / "00000000000000000036.log").exists()

    res = dump_log(["--files", f"{seg}.log"])
    out = res.stdout.decode()
    lines = out.splitlines()
    assert lines[0] == f"Dumping {seg}.log"
    assert lines[1] == "Log starting offset: 0"
    batches, records, other = parse_dump(out)
    assert records == [] and other == lines[:2]
    assert [(int(x[0]), int(x[1]), int(x[2])) for x in batches] == [(0, 0, 1), (1, 10, 10), (11, 15, 5), (16, 35, 20)]
    positions = [int(x[10]) for x in batches]
    sizes = [int(x[13]) for x in batches]
    assert positions[0] == 0 and all(positions[i + 1] == positions[i] + sizes[i] for i in range(3))
    assert sum(sizes) == os.path.getsize(f"{seg}.log")
    assert all(x[16] == "true" and x[14] == "none" and x[11] == "CreateTime" for x in batches)
    assert [int(x[12]) for x in batches] == [BASE_TS + 0, BASE_TS + 10, BASE_TS + 15, BASE_TS + 35]

    # --print-data-log implies deep iteration: one line per record with key and payload.
    res = dump_log(["--files", f"{seg}.log", "--print-data-log"])
    batches, records, other = parse_dump(res.stdout.decode())
    assert len(batches) == 4 and len(records) == len(recs)
    for i, (r, (k, v, ts, h)) in enumerate(zip(records, recs)):
        assert int(r[0]) == i and r[1] == "CreateTime" and int(r[2]) == ts
        assert (int(r[3]), int(r[4]), int(r[5])) == (len(k), len(v), -1)
        assert r[6] == ",".join(hk for hk, _ in h)
        assert r[8] == k.decode() and r[10] == v.decode()
    # --deep-iteration alone: record lines without key/payload.
    res = dump_log(["--files", f"{seg}.log", "--deep-iteration"])
    _, records, _ = parse_dump(res.stdout.decode())
    assert len(records) == len(recs) and all(r[7] is None and r[9] is None for r in records)

    # Indexes: with index.interval.bytes=100 every batch after the first gets an entry.
    res = dump_log(["--files", f"{seg}.index,{seg}.timeindex"])
    out = res.stdout.decode().splitlines()
    assert out[0] == f"Dumping {seg}.index"
    idx_lines = out[1:out.index(f"Dumping {seg}.timeindex")]
    time_lines = out[out.index(f"Dumping {seg}.timeindex") + 1:]
    assert idx_lines, out
    by_offset = {int(x[1]): int(x[10]) for x in batches}  # last offset -> position
    for line in idx_lines:
        m = re.match(r"^offset: (\d+) position: (\d+)$", line)
        assert m, line
        assert by_offset[int(m.group(1))] == int(m.group(2))
    for line in time_lines:
        m = re.match(r"^timestamp: (\d+) offset: (\d+)$", line)
        assert m, line
        assert int(m.group(1)) == BASE_TS + int(m.group(2))
    assert res.stderr.decode() == ""  # no mismatch reported
    res = dump_log(["--files", f"{seg}.index", "--verify-index-only"])
    assert res.stdout.decode().splitlines() == [f"Dumping {seg}.index"] and res.stderr == b""
    res = dump_log(["--files", f"{seg}.index,{seg}.timeindex", "--index-sanity-check"])
    assert f"{seg}.index passed sanity check." in res.stdout.decode().splitlines()
    assert f"{seg}.timeindex passed sanity check." in res.stdout.decode().splitlines()
    dump_log(["--files", f"{seg}.log", "--value-decoder-class", "kafka.serializer.StringDecoder"])


def test_dump_log_corrupt_and_truncated_files(shared_broker, tmp_path):
    b = shared_broker
    topic = _topic(b.bootstrap, "dump-corrupt")
    _produce_batches(b.bootstrap, topic, [3, 4, 5])
    src = b.partition_dir(topic, 0) / "00000000000000000000.log"
    data = src.read_bytes()
    good = dump_log(["--files", str(src)]).stdout.decode()
    batches, _, _ = parse_dump(good)
    assert len(batches) == 3
    first, second = int(batches[0][13]), int(batches[1][13])

    # A torn tail: the last batch cut short is not shown; its bytes are reported.
    torn = tmp_path / "00000000000000000000.log"
    torn.write_bytes(data[:-7])
    res = dump_log(["--files", str(torn)])
    batches, _, other = parse_dump(res.stdout.decode())
    assert len(batches) == 2
    assert other[-1] == f"Found {len(data) - 7 - first - second} invalid bytes at the end of 00000000000000000000.log"

    # A flipped byte inside the second batch's records: isvalid false, records still listed.
    flipped = bytearray(data)
    flipped[first + second - 3] ^= 0x01
    torn.write_bytes(bytes(flipped))
    res = dump_log(["--files", str(torn), "--deep-iteration"])
    batches, records, _ = parse_dump(res.stdout.decode())
    assert [x[16] for x in batches] == ["true", "false", "true"]
    assert len(records) == 12

    # A size field below the minimum: Kafka's CorruptRecordException, exit 1, no crash.
    bad = bytearray(data)
    bad[first + 8:first + 12] = (3).to_bytes(4, "big")
    torn.write_bytes(bytes(bad))
    res = dump_log(["--files", str(torn)], check=False)
    assert res.returncode == 1
    assert len(parse_dump(res.stdout.decode())[0]) == 1
    assert "CorruptRecordException: Found record size 3 smaller than minimum record overhead (14)" in \
        res.stderr.decode()

    # Garbage and empty files never crash the tool.
    for blob in (b"", b"\x00" * 5, os.urandom(4096), b"\xff" * 100):
        torn.write_bytes(blob)
        res = dump_log(["--files", str(torn), "--print-data-log"], check=False)
        assert res.returncode in (0, 1), res
        assert res.stdout.decode().startswith(f"Dumping {torn}\nLog starting offset: 0\n")

    # Index files: an empty index, a wrong entry, and an index whose size is not a multiple of 8.
    idx = tmp_path / "00000000000000000000.index"
    torn.write_bytes(data)
    idx.write_bytes(b"")
    res = dump_log(["--files", str(idx)])
    assert res.stdout.decode().splitlines() == [f"Dumping {idx}", f"{idx} is empty."]
    idx.write_bytes((5).to_bytes(4, "big") + first.to_bytes(4, "big"))  # offset 5 at batch 2 (last offset 6)
    res = dump_log(["--files", str(idx)])
    assert res.stdout.decode().splitlines()[1] == f"offset: 5 position: {first}"
    assert f"Mismatches in :{idx}" in res.stderr.decode()
    assert "  Index offset: 5, log offset: 6" in res.stderr.decode()
    idx.write_bytes(b"\x00" * 13)
    res = dump_log(["--files", str(idx), "--index-sanity-check"], check=False)
    assert res.returncode == 1
    assert "is corrupt, found 13 bytes which is neither positive nor a multiple of 8." in res.stderr.decode()

    # Unknown suffixes are skipped.
    other = tmp_path / "notes.txt"
    other.write_text("x")
    res = dump_log(["--files", str(other)])
    assert f"Ignoring unknown file {other}" in res.stderr.decode()


def test_dump_log_missing_files_option_is_a_usage_error():
    res = dump_log([], check=False)
    assert res.returncode == 1
    assert "files" in res.stderr.decode()


def test_log_dirs_describe(shared_broker):
    b = shared_broker
    t1 = _topic(b.bootstrap, "logdirs-a")
    t2 = _topic(b.bootstrap, "logdirs-b")
    _produce_batches(b.bootstrap, t1, [10])
    res = _run_tool("kafka-log-dirs.sh", ["--bootstrap-server", b.bootstrap, "--describe"])
    lines = res.stdout.decode().splitlines()
    assert lines[0] == "Querying brokers for log directories information"
    assert lines[1] == f"Received log directory information from brokers {b.broker_id}"
    doc = json.loads(lines[2])
    assert doc["version"] == 1
    [broker] = doc["brokers"]
    assert broker["broker"] == b.broker_id
    [d] = broker["logDirs"]
    assert d["logDir"] == str(b.log_dir.resolve()) and d["error"] is None
    parts = {p["partition"]: p for p in d["partitions"]}
    size_a = os.path.getsize(b.partition_dir(t1, 0) / "00000000000000000000.log")
    assert parts[f"{t1}-0"] == {"partition": f"{t1}-0", "size": size_a, "offsetLag": 0, "isFuture": False}
    assert parts[f"{t2}-0"]["size"] == 0

    res = _run_tool("kafka-log-dirs.sh", ["--bootstrap-server", b.bootstrap, "--describe", "--topic-list", t2,
                                          "--broker-list", str(b.broker_id)])
    doc = json.loads(res.stdout.decode().splitlines()[2])
    assert [p["partition"] for p in doc["brokers"][0]["logDirs"][0]["partitions"]] == [f"{t2}-0"]

    res = _run_tool("kafka-log-dirs.sh", ["--bootstrap-server", b.bootstrap, "--describe", "--broker-list", "77"],
                    check=False)
    assert res.returncode == 1
    assert "ERROR: The given brokers do not exist from --broker-list: 77. Current existent brokers: " \
        f"{b.broker_id}" in res.stderr.decode()


def test_describe_log_dirs_v4_raw(shared_broker):
    """DescribeLogDirs v4 (flexible) with a topic filter: sizes and the dir's total/usable bytes."""
    b = shared_broker
    topic = _topic(b.bootstrap, "logdirs-raw")
    _produce_batches(b.bootstrap, topic, [5])
    import struct
    body = (wire.uvarint(2) + wire.compact_string(topic) + wire.uvarint(2) + struct.pack(">i", 0) + wire.uvarint(0)
            + wire.uvarint(0))
    with wire.Connection(b.bootstrap) as c:
        raw = c.request(35, 4, body, flexible_header=True)
    r = wire.Reader(raw)
    r.tagged_fields()  # response header v1
    assert r.int32() == 0  # throttle
    assert r.int16() == 0  # error
    n_dirs = r.uvarint() - 1
    assert n_dirs == 1
    assert r.int16() == 0
    log_dir = r.compact_string()
    assert log_dir == str(b.log_dir.resolve())
    n_topics = r.uvarint() - 1
    assert n_topics == 1
    assert r.compact_string() == topic
    assert r.uvarint() - 1 == 1
    assert r.int32() == 0
    size = r.int64()
    assert size == os.path.getsize(b.partition_dir(topic, 0) / "00000000000000000000.log") > 0
    assert r.int64() == 0  # offset lag
    assert r.int8() == 0   # is future
    r.tagged_fields()
    r.tagged_fields()
    total, usable = r.int64(), r.int64()
    st = shutil.disk_usage(b.log_dir)
    assert total == st.total and 0 < usable <= total
