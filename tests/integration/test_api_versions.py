"""ApiVersions over a raw socket: every version, the unsupported-version fallback, and name checks."""

import struct

import pytest

import wire

# The APIs the broker served when this was written (state.md): each advertised range must cover at
# least these versions (ranges may grow as legacy versions and new APIs land, never shrink).
EXPECTED_APIS = {
    0: (3, 11),   # Produce
    1: (4, 17),   # Fetch
    2: (0, 6),    # ListOffsets
    3: (0, 12),   # Metadata
    18: (0, 4),   # ApiVersions
    19: (0, 7),   # CreateTopics
    20: (0, 6),   # DeleteTopics
    22: (0, 5),   # InitProducerId (min 0: librdkafka's idempotence gate)
    24: (0, 3),   # AddPartitionsToTxn
    25: (0, 4),   # AddOffsetsToTxn
    26: (0, 4),   # EndTxn
    27: (0, 1),   # WriteTxnMarkers
    32: (0, 4),   # DescribeConfigs
}
# Kafka 3.9's highest versions: advertising more than a real broker would mislead clients.
KAFKA_MAX = {0: 11, 1: 17, 2: 9, 3: 12, 18: 4, 19: 7, 20: 6, 22: 5, 24: 5, 25: 4, 26: 4, 27: 1, 32: 4}


def _check_listing(resp):
    assert resp["error_code"] == 0
    assert resp["trailing"] == 0
    listed = {k: (lo, hi) for k, lo, hi in resp["api_keys"]}
    assert len(listed) == len(resp["api_keys"]), "duplicate api keys"
    for key, (lo, hi) in EXPECTED_APIS.items():
        assert key in listed, f"api {key} not advertised"
        got_lo, got_hi = listed[key]
        assert got_lo <= lo and hi <= got_hi <= KAFKA_MAX[key], f"api {key}: listed {listed[key]}"
    assert listed[18] == (0, 4)
    for key, (lo, hi) in listed.items():
        assert 0 <= lo <= hi, f"api {key}: bad range {(lo, hi)}"
    return listed


@pytest.mark.parametrize("version", [0, 1, 2, 3, 4])
def test_api_versions_each_version(shared_broker, version):
    with wire.Connection(shared_broker.bootstrap) as c:
        resp = wire.api_versions(c, version)
    _check_listing(resp)
    if version >= 1:
        assert resp["throttle_time_ms"] == 0


def test_api_versions_all_versions_on_one_connection(shared_broker):
    with wire.Connection(shared_broker.bootstrap) as c:
        for version in (3, 0, 4, 1, 2):
            _check_listing(wire.api_versions(c, version))


def test_api_versions_above_max_gets_v0_unsupported_reply(shared_broker):
    with wire.Connection(shared_broker.bootstrap) as c:
        corr = c.next_correlation()
        # A v99 header is read as flexible (v2) by a v3+-aware broker only for known versions; the
        # broker must not parse the body at all. Send a body of junk to prove that.
        header = wire.request_header(wire.API_API_VERSIONS, 99, corr, "itest", flexible=True)
        c.send_raw(wire.frame(header + b"\xde\xad\xbe\xef"))
        resp = c.recv_frame()
        assert struct.unpack(">i", resp[:4])[0] == corr
        body = resp[4:]
        # Exactly: error 35, one entry {18, 0, 4}; v0 format (no throttle, no tagged fields).
        assert body == struct.pack(">hihhh", 35, 1, 18, 0, 4), body.hex()
        # The connection stays usable.
        _check_listing(wire.api_versions(c, 3))
        md = wire.metadata(c, 1, None)
        assert [b["node_id"] for b in md["brokers"]] == [0]


def test_api_versions_v5_also_unsupported(shared_broker):
    with wire.Connection(shared_broker.bootstrap) as c:
        corr = c.next_correlation()
        c.send_raw(wire.frame(wire.request_header(wire.API_API_VERSIONS, 5, corr, "x", flexible=True)
                              + wire.api_versions_body(3)))
        resp = c.recv_frame()
        assert resp == struct.pack(">ihihhh", corr, 35, 1, 18, 0, 4), resp.hex()


@pytest.mark.parametrize("name,version", [
    ("-leading-dash", "1.0"),
    ("trailing-dot.", "1.0"),
    ("has space", "1.0"),
    ("", "1.0"),
    ("gregor", "bad/version"),
    ("gregor", ""),
])
def test_api_versions_v3_invalid_software_name_or_version(shared_broker, name, version):
    with wire.Connection(shared_broker.bootstrap) as c:
        resp = wire.api_versions(c, 3, software_name=name, software_version=version)
        assert resp["error_code"] == 42, f"INVALID_REQUEST expected for {name!r}/{version!r}, got {resp}"
        # Still usable afterwards.
        _check_listing(wire.api_versions(c, 3))


@pytest.mark.parametrize("name", ["a", "librdkafka", "apache-kafka-java", "x.y-z9"])
def test_api_versions_v3_valid_names_accepted(shared_broker, name):
    with wire.Connection(shared_broker.bootstrap) as c:
        _check_listing(wire.api_versions(c, 3, software_name=name, software_version="2.0.2-RC1"))


@pytest.mark.parametrize("client_id", [None, "", "a" * 300, "ünïcode-id"])
def test_odd_client_ids_are_accepted(shared_broker, client_id):
    with wire.Connection(shared_broker.bootstrap) as c:
        corr = c.next_correlation()
        c.send_raw(wire.frame(wire.request_header(wire.API_API_VERSIONS, 2, corr, client_id)))
        resp = c.recv_frame()
        assert struct.unpack(">i", resp[:4])[0] == corr
        _check_listing(wire.decode_api_versions(resp[4:], 2))
        md = wire.metadata(c, 1, None)
        assert [b["node_id"] for b in md["brokers"]] == [0]
