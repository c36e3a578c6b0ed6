"""Compressed RecordBatch v2 built here (Python codecs) and sent with raw Produce requests, then read
back with confluent-kafka. This covers every codec and both snappy framings independently of what a
client library decides to compress (librdkafka 2.0.2 skips gzip/snappy/lz4 against this broker)."""

import pytest

import clients
import wire

CODECS = ["gzip", "snappy", "snappy-xerial", "lz4", "zstd"]
BASE_TS = 1_700_000_000_000


def _records(tag, n):
    out = []
    for i in range(n):
        headers = [("i", str(i).encode())] if i % 3 == 0 else []
        if i % 10 == 0:
            headers.append(("nul", None))
        key = None if i % 11 == 5 else f"{tag}-{i}".encode()
        value = None if i % 13 == 7 else (f"{tag} value {i} " * (1 + i % 5)).encode()
        out.append((key, value, BASE_TS + i * 3, headers))
    return out


def _produce(conn, topic, blob, version):
    body = wire.produce_v3_body(topic, 0, blob, acks=-1)  # the v3 body layout is the same up to v8
    resp = wire.decode_produce_v3(conn.request(wire.API_PRODUCE, version, body), version)
    assert resp["trailing"] == 0
    return resp["responses"][0]["partitions"][0]


@pytest.mark.parametrize("codec", CODECS)
def test_raw_compressed_batches_round_trip(shared_broker, codec):
    topic = f"raw-{codec}"
    clients.create_topic(shared_broker.bootstrap, topic, partitions=1)
    wire.wait_for_leader(shared_broker.bootstrap, topic, 1)
    batches = [_records(f"{codec}{b}", n) for b, n in enumerate([1, 50, 700, 3])]
    version = 7 if codec == "zstd" else 3
    expected = []
    with wire.Connection(shared_broker.bootstrap) as c:
        for recs in batches:
            p = _produce(c, topic, wire.record_batch(recs, recs[0][2], codec=codec), version)
            assert (p["error_code"], p["base_offset"]) == (0, len(expected))
            expected.extend(recs)
    got = clients.confluent_consume(shared_broker.bootstrap, topic, [0], len(expected))
    assert len(got) == len(expected)
    for off, (m, (k, v, ts, h)) in enumerate(zip(got, expected)):
        assert (m[1], m[2], m[3], m[5], m[6] or []) == (off, k, v, ts, h), f"offset {off}"


def test_zstd_below_produce_v7_is_rejected(shared_broker):
    topic = "raw-zstd-old"
    clients.create_topic(shared_broker.bootstrap, topic, partitions=1)
    wire.wait_for_leader(shared_broker.bootstrap, topic, 1)
    with wire.Connection(shared_broker.bootstrap) as c:
        blob = wire.record_batch(_records("z", 10), BASE_TS, codec="zstd")
        for version in (3, 6):
            assert _produce(c, topic, blob, version)["error_code"] == 76  # UNSUPPORTED_COMPRESSION_TYPE
        latest = wire.list_offsets_v1(c, topic, {0: -1})[0]
    assert latest[2] == 0


def test_garbage_compressed_payload_is_corrupt(shared_broker):
    topic = "raw-garbage"
    clients.create_topic(shared_broker.bootstrap, topic, partitions=1)
    wire.wait_for_leader(shared_broker.bootstrap, topic, 1)
    import struct
    with wire.Connection(shared_broker.bootstrap) as c:
        for codec_id in (1, 2, 3, 4):
            # A batch with a valid CRC whose compressed records area is junk.
            after_crc = struct.pack(">hiqqqhii", codec_id, 4, BASE_TS, BASE_TS, -1, -1, -1, 5) + b"\x13" * 40
            crc = wire.crc32c(after_crc)
            after_length = struct.pack(">ibI", -1, 2, crc) + after_crc
            blob = struct.pack(">qi", 0, len(after_length)) + after_length
            err = _produce(c, topic, blob, 7)["error_code"]
            assert err in (2, 87), f"codec {codec_id}: error {err}"  # CORRUPT_MESSAGE or INVALID_RECORD
        latest = wire.list_offsets_v1(c, topic, {0: -1})[0]
    assert latest[2] == 0
