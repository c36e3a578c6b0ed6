"""Hostile and malformed input over raw sockets. After each case the broker must still serve kcat -L."""

import os
import socket
import struct
import time

import pytest

import clients
import schema_requests
import wire

MAX_REQUEST = 1024 * 1024  # socket.request.max.bytes for this module's broker


@pytest.fixture(scope="module")
def tough_broker(zookeeper, tmp_path_factory, request):
    from conftest import BrokerFactory, _chroot_for
    factory = BrokerFactory(tmp_path_factory.mktemp("bad-input"), zookeeper.connect + _chroot_for("bad-input"))
    b = factory(extra_props={"socket.request.max.bytes": MAX_REQUEST})
    clients.create_topic(b.bootstrap, "target", partitions=1)
    wire.wait_for_leader(b.bootstrap, "target", 1)
    yield b
    factory.teardown(print_logs=request.session.testsfailed > 0)


def _still_serves(broker):
    assert broker.alive(), f"broker died:\n{broker.log_text()}"
    md = clients.kcat_metadata(broker.bootstrap)
    assert [b["id"] for b in md["brokers"]] == [0]
    assert "target" in {t["topic"] for t in md["topics"]}


def test_truncated_frame_then_close(tough_broker):
    with wire.Connection(tough_broker.bootstrap) as c:
        c.send_raw(struct.pack(">i", 100) + b"\x00\x12\x00\x00\x00\x00\x00\x01\x00")
    _still_serves(tough_broker)


def test_truncated_frame_left_open_does_not_block_others(tough_broker):
    c = wire.Connection(tough_broker.bootstrap)
    try:
        c.send_raw(struct.pack(">i", 100) + b"\x00" * 10)
        _still_serves(tough_broker)
    finally:
        c.close()


def test_oversized_frame_is_closed_without_reading_body(tough_broker):
    with wire.Connection(tough_broker.bootstrap) as c:
        c.send_raw(struct.pack(">i", MAX_REQUEST + 1))
        assert c.wait_closed(5.0), "connection not closed after a size above socket.request.max.bytes"
    with wire.Connection(tough_broker.bootstrap) as c:
        c.send_raw(struct.pack(">i", 0x7FFFFFFF) + b"\x00\x12\x00\x00")
        assert c.wait_closed(5.0)
    _still_serves(tough_broker)


def test_negative_and_tiny_sizes_are_closed(tough_broker):
    for size in (-1, -100, 0, 3):
        with wire.Connection(tough_broker.bootstrap) as c:
            c.send_raw(struct.pack(">i", size) + b"\x00" * max(size, 0))
            assert c.wait_closed(5.0), f"size {size}"
    _still_serves(tough_broker)


def test_frame_at_the_limit_is_read(tough_broker):
    """A request exactly socket.request.max.bytes long is parsed and answered, not refused."""
    header = wire.request_header(wire.API_METADATA, 4, 5)
    # Metadata v4: topics array + allow_auto_topic_creation=false; fill with unknown topic names.
    budget = MAX_REQUEST - len(header) - 4 - 1
    names = []
    while budget > 0:
        n = min(200, budget - 2)
        if n < 1:  # cannot fit another name: lengthen the previous one instead
            names[-1] += "z" * budget
            break
        names.append(f"n{len(names):06d}".ljust(n, "p")[:n])
        budget -= 2 + n
    body = wire.array([wire.string(x) for x in names]) + b"\x00"
    payload = header + body
    assert len(payload) == MAX_REQUEST
    with wire.Connection(tough_broker.bootstrap, timeout=30) as c:
        c.send_raw(wire.frame(payload))
        resp = c.recv_frame()
        assert struct.unpack(">i", resp[:4])[0] == 5
    with wire.Connection(tough_broker.bootstrap) as c:
        # One byte over: the broker closes as soon as it has read the size prefix, so the rest of
        # the send may already fail with EPIPE/ECONNRESET; either way the connection must close.
        try:
            c.send_raw(wire.frame(payload + b"\x00"))
        except (BrokenPipeError, ConnectionResetError):
            pass
        else:
            assert c.wait_closed(5.0)
    _still_serves(tough_broker)


def test_unknown_api_key_closes_connection(tough_broker):
    with wire.Connection(tough_broker.bootstrap) as c:
        c.send_raw(wire.frame(wire.request_header(999, 0, 1)))
        assert c.wait_closed(5.0)
    _still_serves(tough_broker)


def _advertised(broker):
    with wire.Connection(broker.bootstrap) as c:
        return {key: (lo, hi) for key, lo, hi in wire.api_versions(c, 3)["api_keys"]}


def test_unsupported_version_of_served_api_closes_connection(tough_broker):
    advertised = _advertised(tough_broker)
    for api_key in (wire.API_METADATA, wire.API_PRODUCE, wire.API_LIST_OFFSETS):
        with wire.Connection(tough_broker.bootstrap) as c:
            c.send_raw(wire.frame(wire.request_header(api_key, 99, 1) + b"\x00" * 8))
            assert c.wait_closed(5.0), f"api {api_key} v99"
        # One above the highest advertised version, with a well-formed body of the highest one.
        hi = advertised[api_key][1]
        body = schema_requests.minimal_request(api_key, hi)
        with wire.Connection(tough_broker.bootstrap) as c:
            c.send_raw(wire.frame(wire.request_header(api_key, hi + 1, 1, flexible=True) + body))
            assert c.wait_closed(5.0), f"api {api_key} v{hi + 1}"
    _still_serves(tough_broker)


def test_unserved_api_closes_connection(tough_broker):
    # APIs the broker does not serve (KRaft-only or not implemented, e.g. SaslHandshake, DescribeAcls)
    # and a key no Kafka has: Kafka closes connections for APIs it does not serve.
    advertised = _advertised(tough_broker)
    unserved = sorted(set(schema_requests.requests()) - set(advertised))
    assert unserved, "every API with a schema is served: pick another unserved key"
    for key in unserved:
        lo = int(schema_requests.requests()[key].attrs["versions"].split("-")[0].rstrip("+"))
        with wire.Connection(tough_broker.bootstrap) as c:
            flexible = schema_requests.is_flexible(key, lo)
            c.send_raw(wire.frame(wire.request_header(key, lo, 1, flexible=flexible) +
                                  schema_requests.minimal_request(key, lo)))
            assert c.wait_closed(5.0), f"{schema_requests.name(key)} ({key}) v{lo} was answered"
    with wire.Connection(tough_broker.bootstrap) as c:
        c.send_raw(wire.frame(wire.request_header(999, 0, 1) + b"\x00" * 8))
        assert c.wait_closed(5.0)
    _still_serves(tough_broker)


def test_garbage_bytes(tough_broker):
    rng = __import__("random").Random(1234)
    for i in range(20):
        with wire.Connection(tough_broker.bootstrap) as c:
            blob = bytes(rng.randrange(256) for _ in range(rng.randrange(1, 300)))
            # After our half-close the broker must end the connection (EOF or reset) promptly,
            # whether it refused the bytes at once or was still waiting for the rest of a frame.
            try:
                c.send_raw(blob)
                c.sock.shutdown(socket.SHUT_WR)
                c.sock.settimeout(5)
                while c.sock.recv(65536):
                    pass
            except socket.timeout:
                pytest.fail(f"connection {i} still open 5 s after garbage {blob[:16].hex()}... and EOF")
            except OSError:  # reset by the broker, or already not connected when we half-closed
                pass
    _still_serves(tough_broker)


def test_malformed_bodies_of_served_apis(tough_broker):
    """Valid headers followed by truncated or lying bodies: each connection is closed, never crashes."""
    cases = [
        (wire.API_METADATA, 1, struct.pack(">i", 1000000)),                          # array count lies
        (wire.API_METADATA, 1, struct.pack(">i", 1) + struct.pack(">h", 500)),        # string length lies
        (wire.API_PRODUCE, 3, struct.pack(">h", -1) + struct.pack(">hi", 1, 1000) + struct.pack(">i", 2**30)),
        (wire.API_LIST_OFFSETS, 1, struct.pack(">i", -1) + struct.pack(">i", -5)),
        (wire.API_API_VERSIONS, 3, b"\xff\xff\xff\xff\xff\xff"),                   # varint overflow
        (wire.API_METADATA, 9, b"\x80\x80\x80\x80\x80\x01"),                         # compact array too long
    ]
    for api_key, version, body in cases:
        with wire.Connection(tough_broker.bootstrap) as c:
            flexible = (api_key == wire.API_API_VERSIONS and version >= 3) or (api_key == wire.API_METADATA and version >= 9)
            c.send_raw(wire.frame(wire.request_header(api_key, version, 1, flexible=flexible) + body))
            c.sock.settimeout(5)
            try:
                data = c.sock.recv(65536)
            except (ConnectionResetError, socket.timeout):
                data = b""
            if data and api_key == wire.API_API_VERSIONS:
                # Kafka answers an unparsable ApiVersions with an error response; accept that too.
                pass
            else:
                assert data == b"", f"api {api_key} v{version}: unexpected answer {data[:40].hex()}"
    _still_serves(tough_broker)


def _latest(broker, topic):
    with wire.Connection(broker.bootstrap) as c:
        return wire.list_offsets_v1(c, topic, {0: -1})[0]


def _produce_raw(broker, blob, acks=1):
    with wire.Connection(broker.bootstrap) as c:
        resp = wire.decode_produce_v3(c.request(wire.API_PRODUCE, 3, wire.produce_v3_body("target", 0, blob, acks)))
    assert resp["trailing"] == 0
    [t] = resp["responses"]
    [p] = t["partitions"]
    assert (t["name"], p["index"]) == ("target", 0)
    return p


def _batch(n=5, tag="x"):
    base = int(time.time() * 1000)
    recs = [(f"{tag}-k{i}".encode(), f"{tag}-v{i}".encode(), base + i, [("h", b"1")] if i % 2 else [])
            for i in range(n)]
    return wire.record_batch(recs, base)


def test_produce_with_corrupt_crc_is_rejected(tough_broker):
    # Positive control: our own encoder's batch is accepted and appended.
    before = _latest(tough_broker, "target")[2]
    ok = _produce_raw(tough_broker, _batch(5, "good"))
    assert (ok["error_code"], ok["base_offset"]) == (0, before)
    assert _latest(tough_broker, "target")[2] == before + 5

    # Flip one bit in the records area (covered by the CRC); the CRC field stays as computed.
    blob = bytearray(_batch(5, "bad"))
    blob[70] ^= 0x01
    bad = _produce_raw(tough_broker, bytes(blob))
    assert bad["error_code"] == 2, f"expected CORRUPT_MESSAGE, got {bad}"
    # Corrupt the CRC field itself.
    blob = bytearray(_batch(3, "bad2"))
    blob[17] ^= 0xFF
    assert _produce_raw(tough_broker, bytes(blob))["error_code"] == 2
    assert _latest(tough_broker, "target")[2] == before + 5, "a corrupt batch was appended"

    # The records that were appended read back intact (and nothing of the corrupt batches).
    got = clients.confluent_consume(tough_broker.bootstrap, "target", [0], before + 5)
    mine = [(m[2], m[3], m[6]) for m in got if m[1] >= before]
    assert mine == [(f"good-k{i}".encode(), f"good-v{i}".encode(), [("h", b"1")] if i % 2 else None)
                    for i in range(5)]
    _still_serves(tough_broker)


def test_produce_with_bad_batch_framing(tough_broker):
    before = _latest(tough_broker, "target")[2]
    good = _batch(4, "frame")
    # batchLength larger than the data present.
    blob = bytearray(good)
    struct.pack_into(">i", blob, 8, len(good) + 100)
    assert _produce_raw(tough_broker, bytes(blob))["error_code"] in (2, 87)
    # Two batches in one partition (v3+ allows exactly one).
    assert _produce_raw(tough_broker, good + _batch(2, "second"))["error_code"] == 87
    # Record count says more records than the batch holds (CRC recomputed so only the count is wrong).
    blob = bytearray(good)
    struct.pack_into(">i", blob, 57, 9)
    struct.pack_into(">I", blob, 17, wire.crc32c(bytes(blob[21:])))
    assert _produce_raw(tough_broker, bytes(blob))["error_code"] in (2, 87)
    assert _latest(tough_broker, "target")[2] == before
    _still_serves(tough_broker)


def test_produce_v3_with_magic_1_batch_is_invalid_record(tough_broker):
    before = _latest(tough_broker, "target")[2]
    blob = bytearray(_batch(4, "magic1"))
    blob[16] = 1
    assert _produce_raw(tough_broker, bytes(blob))["error_code"] == 87
    assert _latest(tough_broker, "target")[2] == before


def test_many_connections_opened_and_dropped(tough_broker):
    socks = []
    try:
        for _ in range(200):
            s = socket.create_connection(("127.0.0.1", tough_broker.port), timeout=5)
            s.sendall(os.urandom(2))
            socks.append(s)
    finally:
        for s in socks:
            s.close()
    _still_serves(tough_broker)
