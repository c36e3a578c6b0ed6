"""Every advertised API at every advertised version gets an answer: for each (key, version) in
ApiVersions, a minimal well-formed request (schema_requests.py: every field at its default, empty
arrays) is sent over its own connection and must be answered with the same correlation id, not
a closed connection or silence. The broker's id is not 0, so the inter-broker requests (their
broker and controller ids default to 0) are refused with an error answer rather than acted on.
Requests whose default would wait (Produce acks=0 gets no answer by design) get acks=1."""

import struct

import schema_requests
import wire


def _answered(bootstrap, key, version):
    """None if answered, else what went wrong."""
    flexible = schema_requests.is_flexible(key, version)
    corr = 1000 + key * 100 + version
    if key == 7 and version == 0:
        header = struct.pack(">hhi", key, version, corr)  # ControlledShutdown v0: header v0, no client id
    else:
        header = wire.request_header(key, version, corr, flexible=flexible)
    body = schema_requests.minimal_request(key, version)
    try:
        with wire.Connection(bootstrap, timeout=15.0) as c:
            c.send_raw(wire.frame(header + body))
            resp = c.recv_frame()
    except Exception as e:  # noqa: BLE001 - every failure is reported with its request
        return f"{type(e).__name__}: {e}"
    got = struct.unpack(">i", resp[:4])[0]
    return None if got == corr else f"correlation id {got}, sent {corr}"


def test_every_advertised_api_version_is_answered(broker_factory):
    b = broker_factory(broker_id=7)
    with wire.Connection(b.bootstrap) as c:
        advertised = wire.api_versions(c, 3)["api_keys"]
    assert len(advertised) >= 40, advertised
    known = schema_requests.requests()
    failures = []
    sent = 0
    for key, lo, hi in advertised:
        assert key in known, f"api key {key} is advertised but has no schema"
        for version in range(lo, hi + 1):
            why = _answered(b.bootstrap, key, version)
            sent += 1
            if why is not None:
                failures.append(f"{schema_requests.name(key)} ({key}) v{version}: {why}")
    assert not failures, "\n".join(failures)
    assert sent > 200
    # Still serving afterwards.
    with wire.Connection(b.bootstrap) as c:
        assert wire.api_versions(c, 3)["error_code"] == 0


ERR_FETCH_SESSION_ID_NOT_FOUND = 70


def test_fetch_sessions_are_answered_as_kafka_answers_them(broker):
    """The broker keeps no fetch sessions (it answers every fetch in full with session id 0, which
    clients accept). As in Kafka: a full fetch (epoch 0 or -1) is served whatever session id it
    names (Kafka closes that session first); an incremental one (any other epoch) names a session
    the broker does not have: FETCH_SESSION_ID_NOT_FOUND. Checked at the first version with
    sessions (v7), a flexible one (v12) and the last."""
    with wire.Connection(broker.bootstrap) as c:
        hi = {key: h for key, _, h in wire.api_versions(c, 3)["api_keys"]}[1]
    cases = {(0, -1): 0, (0, 0): 0, (123, -1): 0, (123, 0): 0, (123, 1): ERR_FETCH_SESSION_ID_NOT_FOUND,
             (0, 5): ERR_FETCH_SESSION_ID_NOT_FOUND, (123, -2): ERR_FETCH_SESSION_ID_NOT_FOUND}
    for version in sorted({7, 12, hi}):
        flexible = schema_requests.is_flexible(1, version)
        for (session_id, epoch), expected in cases.items():
            body = schema_requests.minimal_request(1, version, session_id=session_id, session_epoch=epoch)
            with wire.Connection(broker.bootstrap) as c:
                c.send_raw(wire.frame(wire.request_header(1, version, 5, flexible=flexible) + body))
                resp = c.recv_frame()
            assert struct.unpack(">i", resp[:4])[0] == 5
            at = 4 + (1 if flexible else 0)  # response header v1 adds an (empty) tagged-field section
            throttle, error, session = struct.unpack(">ihi", resp[at:at + 10])
            assert (error, session) == (expected, 0), (version, session_id, epoch, error, session)
