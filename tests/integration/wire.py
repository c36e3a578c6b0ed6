"""A minimal hand-written Kafka wire encoder/decoder for the integration tests.

Only what the tests need: request headers v1/v2, ApiVersions v0-v4, Metadata v0/v1, Produce v3,
ListOffsets v1, RecordBatch v2 (uncompressed) with CRC-32C. It is deliberately independent of the
broker's generated codecs, so that a shared misreading of the protocol does not hide a bug.
"""

import socket
import struct
import time

API_PRODUCE = 0
API_LIST_OFFSETS = 2
API_METADATA = 3
API_API_VERSIONS = 18

# ------------------------------------------------------------------------------------ CRC-32C

def _crc32c_table():
    poly = 0x82F63B78  # Castagnoli, reflected
    table = []
    for i in range(256):
        c = i
        for _ in range(8):
            c = (c >> 1) ^ poly if c & 1 else c >> 1
        table.append(c)
    return table


_CRC32C_TABLE = _crc32c_table()


def crc32c(data, crc=0):
    crc ^= 0xFFFFFFFF
    table = _CRC32C_TABLE
    for b in data:
        crc = table[(crc ^ b) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF


# ------------------------------------------------------------------------------------ varints

def uvarint(n):
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def zigzag_varint(n):
    return uvarint((n << 1) ^ (n >> 63))


def read_uvarint(buf, pos):
    shift = 0
    value = 0
    while True:
        b = buf[pos]
        pos += 1
        value |= (b & 0x7F) << shift
        if not b & 0x80:
            return value, pos
        shift += 7
        if shift > 63:
            raise ValueError("varint too long")


# ------------------------------------------------------------------------------------ encoding

def string(s):
    if s is None:
        return struct.pack(">h", -1)
    b = s.encode() if isinstance(s, str) else s
    return struct.pack(">h", len(b)) + b


def compact_string(s):
    if s is None:
        return uvarint(0)
    b = s.encode() if isinstance(s, str) else s
    return uvarint(len(b) + 1) + b


def nbytes(b):
    if b is None:
        return struct.pack(">i", -1)
    return struct.pack(">i", len(b)) + b


def array(items):
    if items is None:
        return struct.pack(">i", -1)
    return struct.pack(">i", len(items)) + b"".join(items)


def request_header(api_key, api_version, correlation_id, client_id="itest", flexible=False):
    h = struct.pack(">hhi", api_key, api_version, correlation_id) + string(client_id)
    if flexible:
        h += uvarint(0)  # empty tagged-field section
    return h


def frame(payload):
    return struct.pack(">i", len(payload)) + payload


# ------------------------------------------------------------------------------------ decoding

class Reader:
    def __init__(self, buf):
        self.buf = bytes(buf)
        self.pos = 0

    def _take(self, n):
        if self.pos + n > len(self.buf):
            raise ValueError(f"short read: need {n} at {self.pos}, have {len(self.buf) - self.pos}")
        v = self.buf[self.pos:self.pos + n]
        self.pos += n
        return v

    def int8(self):
        return struct.unpack(">b", self._take(1))[0]

    def int16(self):
        return struct.unpack(">h", self._take(2))[0]

    def int32(self):
        return struct.unpack(">i", self._take(4))[0]

    def int64(self):
        return struct.unpack(">q", self._take(8))[0]

    def boolean(self):
        return self._take(1) != b"\x00"

    def string(self):
        n = self.int16()
        return None if n < 0 else self._take(n).decode()

    def uvarint(self):
        v, self.pos = read_uvarint(self.buf, self.pos)
        return v

    def compact_string(self):
        n = self.uvarint()
        return None if n == 0 else self._take(n - 1).decode()

    def array(self, element):
        n = self.int32()
        return None if n < 0 else [element(self) for _ in range(n)]

    def compact_array(self, element):
        n = self.uvarint()
        return None if n == 0 else [element(self) for _ in range(n - 1)]

    def tagged_fields(self):
        fields = {}
        for _ in range(self.uvarint()):
            tag = self.uvarint()
            size = self.uvarint()
            fields[tag] = self._take(size)
        return fields

    def remaining(self):
        return len(self.buf) - self.pos


# ------------------------------------------------------------------------------------ connection

class ConnectionClosed(Exception):
    pass


class Connection:
    """A blocking socket that sends frames and reads whole response frames."""

    def __init__(self, bootstrap, timeout=10.0):
        host, port = bootstrap.rsplit(":", 1)
        self.sock = socket.create_connection((host, int(port)), timeout=timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.timeout = timeout
        self._next_correlation = 1

    def close(self):
        self.sock.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def next_correlation(self):
        c = self._next_correlation
        self._next_correlation += 1
        return c

    def send_raw(self, data):
        self.sock.sendall(data)

    def _recv_exact(self, n):
        chunks = []
        while n:
            chunk = self.sock.recv(n)
            if not chunk:
                raise ConnectionClosed("peer closed the connection")
            chunks.append(chunk)
            n -= len(chunk)
        return b"".join(chunks)

    def recv_frame(self):
        size = struct.unpack(">i", self._recv_exact(4))[0]
        if size < 4 or size > 64 * 1024 * 1024:
            raise ValueError(f"bad response size {size}")
        return self._recv_exact(size)

    def request(self, api_key, api_version, body, flexible_header=False, client_id="itest"):
        """Sends one request; returns (correlation_id, response bytes after the correlation id)."""
        corr = self.next_correlation()
        self.send_raw(frame(request_header(api_key, api_version, corr, client_id, flexible_header) + body))
        resp = self.recv_frame()
        got = struct.unpack(">i", resp[:4])[0]
        if got != corr:
            raise ValueError(f"correlation id mismatch: sent {corr}, got {got}")
        return resp[4:]

    def wait_closed(self, timeout=5.0):
        """True if the peer closes the connection (EOF or reset) within timeout without sending data."""
        self.sock.settimeout(timeout)
        try:
            data = self.sock.recv(65536)
        except (ConnectionResetError, BrokenPipeError):
            return True
        except socket.timeout:
            return False
        finally:
            self.sock.settimeout(self.timeout)
        if data:
            raise AssertionError(f"expected the connection to close, got {len(data)} bytes: {data[:64].hex()}")
        return True


# ------------------------------------------------------------------------------------ ApiVersions

def api_versions_body(version, software_name="gregor-itest", software_version="1.0"):
    if version >= 3:
        return compact_string(software_name) + compact_string(software_version) + uvarint(0)
    return b""


def decode_api_versions(body, version):
    """Decodes an ApiVersions response body (the header v0 is already stripped)."""
    r = Reader(body)
    out = {"error_code": r.int16()}
    if version >= 3:
        def entry(rr):
            e = (rr.int16(), rr.int16(), rr.int16())
            rr.tagged_fields()
            return e
        out["api_keys"] = r.compact_array(entry)
        out["throttle_time_ms"] = r.int32()
        out["tagged"] = r.tagged_fields()
    else:
        out["api_keys"] = r.array(lambda rr: (rr.int16(), rr.int16(), rr.int16()))
        if version >= 1:
            out["throttle_time_ms"] = r.int32()
    out["trailing"] = r.remaining()
    return out


def api_versions(conn, version, software_name="gregor-itest", software_version="1.0"):
    body = conn.request(API_API_VERSIONS, version, api_versions_body(version, software_name, software_version),
                        flexible_header=version >= 3)
    return decode_api_versions(body, version)


# ------------------------------------------------------------------------------------ Metadata

def metadata_request_body(version, topics):
    if version == 0:
        return array([string(t) for t in (topics or [])])
    return array(None if topics is None else [string(t) for t in topics])


def decode_metadata(body, version):
    r = Reader(body)

    def broker(rr):
        b = {"node_id": rr.int32(), "host": rr.string(), "port": rr.int32()}
        if version >= 1:
            b["rack"] = rr.string()
        return b

    def partition(rr):
        return {"error_code": rr.int16(), "partition": rr.int32(), "leader": rr.int32(),
                "replicas": rr.array(lambda x: x.int32()), "isr": rr.array(lambda x: x.int32())}

    def topic(rr):
        t = {"error_code": rr.int16(), "name": rr.string()}
        if version >= 1:
            t["is_internal"] = rr.boolean()
        t["partitions"] = rr.array(partition)
        return t

    out = {"brokers": r.array(broker)}
    if version >= 1:
        out["controller_id"] = r.int32()
    out["topics"] = r.array(topic)
    out["trailing"] = r.remaining()
    return out


def metadata(conn, version, topics=None):
    body = conn.request(API_METADATA, version, metadata_request_body(version, topics))
    return decode_metadata(body, version)


def metadata_v1(bootstrap, topics=None, timeout=5.0):
    with Connection(bootstrap, timeout) as c:
        return metadata(c, 1, topics)


# ------------------------------------------------------------------------------------ RecordBatch v2

def encode_record(offset_delta, timestamp_delta, key, value, headers=()):
    body = bytearray()
    body += b"\x00"  # attributes
    body += zigzag_varint(timestamp_delta)
    body += zigzag_varint(offset_delta)
    for blob in (key, value):
        if blob is None:
            body += zigzag_varint(-1)
        else:
            body += zigzag_varint(len(blob)) + blob
    body += zigzag_varint(len(headers))
    for hk, hv in headers:
        hkb = hk.encode()
        body += zigzag_varint(len(hkb)) + hkb
        if hv is None:
            body += zigzag_varint(-1)
        else:
            body += zigzag_varint(len(hv)) + hv
    return zigzag_varint(len(body)) + bytes(body)


CODEC_IDS = {"none": 0, "gzip": 1, "snappy": 2, "lz4": 3, "zstd": 4}


def compress(codec, data):
    """Compresses a records area the way Kafka clients do. codec "snappy" writes one raw block
    (librdkafka's way); "snappy-xerial" writes the xerial framing (Java's and kafka-python's way)."""
    if codec == "none":
        return data
    if codec == "gzip":
        import gzip
        return gzip.compress(data)
    if codec == "snappy":
        import snappy
        return snappy.compress(data)
    if codec == "snappy-xerial":
        import snappy
        out = bytearray(b"\x82SNAPPY\x00" + struct.pack(">ii", 1, 1))
        for i in range(0, len(data), 32 * 1024):
            block = snappy.compress(data[i:i + 32 * 1024])
            out += struct.pack(">i", len(block)) + block
        return bytes(out)
    if codec == "lz4":
        import lz4.frame
        return lz4.frame.compress(data, block_linked=False)
    if codec == "zstd":
        import zstandard
        return zstandard.ZstdCompressor().compress(data)
    raise ValueError(codec)


TRANSACTIONAL_BIT = 0x10


def record_batch(records, base_timestamp, attributes=0, codec="none", producer_id=-1, producer_epoch=-1,
                 base_sequence=-1, transactional=False):
    """records: list of (key, value, timestamp, headers). Returns a v2 batch with a valid CRC, its
    records area compressed with codec (the codec bits are added to attributes). producer_id,
    producer_epoch and base_sequence make it an idempotent (or, with transactional, a
    transactional) producer's batch."""
    payload = b"".join(encode_record(i, ts - base_timestamp, k, v, h)
                       for i, (k, v, ts, h) in enumerate(records))
    payload = compress(codec, payload)
    attributes |= CODEC_IDS[codec.split("-")[0]]
    if transactional:
        attributes |= TRANSACTIONAL_BIT
    max_ts = max(ts for _, _, ts, _ in records)
    after_crc = struct.pack(">hiqqqhii", attributes, len(records) - 1, base_timestamp, max_ts,
                            producer_id, producer_epoch, base_sequence, len(records)) + payload
    crc = crc32c(after_crc)
    after_length = struct.pack(">ibI", -1, 2, crc) + after_crc
    return struct.pack(">qi", 0, len(after_length)) + after_length


# ------------------------------------------------------------------------------------ Produce v3

def produce_v3_body(topic, partition, records_blob, acks=1, timeout_ms=10000):
    part = struct.pack(">i", partition) + nbytes(records_blob)
    t = string(topic) + array([part])
    return string(None) + struct.pack(">hi", acks, timeout_ms) + array([t])


def decode_produce_v3(body, version=3):
    """Decodes a Produce response body of version 3..8 (the non-flexible ones with RecordBatch v2)."""
    r = Reader(body)

    def partition(rr):
        p = {"index": rr.int32(), "error_code": rr.int16(), "base_offset": rr.int64(),
             "log_append_time_ms": rr.int64()}
        if version >= 5:
            p["log_start_offset"] = rr.int64()
        if version >= 8:
            p["record_errors"] = rr.array(lambda x: (x.int32(), x.string()))
            p["error_message"] = rr.string()
        return p

    out = {"responses": r.array(lambda rr: {"name": rr.string(), "partitions": rr.array(partition)})}
    out["throttle_time_ms"] = r.int32()
    out["trailing"] = r.remaining()
    return out


# ------------------------------------------------------------------------------------ ListOffsets v1

def _list_offsets(conn, version, topic, partitions_ts, isolation_level=0):
    """ListOffsets v1 or v2 (v2: isolation level, throttle time). Returns {partition: (error,
    timestamp, offset)}."""
    parts = [struct.pack(">iq", p, ts) for p, ts in sorted(partitions_ts.items())]
    head = struct.pack(">i", -1) if version == 1 else struct.pack(">ib", -1, isolation_level)
    r = Reader(conn.request(API_LIST_OFFSETS, version, head + array([string(topic) + array(parts)])))
    if version >= 2:
        r.int32()  # throttle
    out = {}
    for _ in range(r.int32()):
        r.string()
        for _ in range(r.int32()):
            p = r.int32()
            out[p] = (r.int16(), r.int64(), r.int64())
    return out


def list_offsets_v1(conn, topic, partitions_ts):
    """partitions_ts: {partition: timestamp}. Returns {partition: (error, timestamp, offset)}."""
    return _list_offsets(conn, 1, topic, partitions_ts)


def list_offsets_v2(conn, topic, partitions_ts, isolation_level=0):
    """ListOffsets v2 with an isolation level. Returns {partition: (error, timestamp, offset)}."""
    return _list_offsets(conn, 2, topic, partitions_ts, isolation_level)


# ------------------------------------------------------------------------------------ WriteTxnMarkers

API_WRITE_TXN_MARKERS = 27


def write_txn_markers_v0(conn, markers):
    """markers: [(producer_id, producer_epoch, commit, coordinator_epoch, {topic: [partitions]})].
    Returns {(producer_id, topic, partition): error_code}."""
    encoded = []
    for pid, epoch, commit, coordinator_epoch, topics in markers:
        ts = [string(t) + array([struct.pack(">i", p) for p in ps]) for t, ps in sorted(topics.items())]
        encoded.append(struct.pack(">qh?", pid, epoch, commit) + array(ts) + struct.pack(">i", coordinator_epoch))
    r = Reader(conn.request(API_WRITE_TXN_MARKERS, 0, array(encoded)))
    out = {}
    for _ in range(r.int32()):
        pid = r.int64()
        for _ in range(r.int32()):
            t = r.string()
            for _ in range(r.int32()):
                p = r.int32()
                out[(pid, t, p)] = r.int16()
    return out


# ------------------------------------------------------------------------------------ Fetch v4

API_FETCH = 1


def fetch_v4(conn, topic, partition, offset, max_wait_ms=0, max_bytes=1024 * 1024, isolation_level=0):
    """One-partition Fetch v4 (isolation_level 0 read_uncommitted, 1 read_committed). Returns that
    partition's response, including the raw records size field (-1 = null records), the records
    bytes and the aborted transactions ([(producer_id, first_offset)], None when null)."""
    part = struct.pack(">iqi", partition, offset, max_bytes)
    body = struct.pack(">iiiib", -1, max_wait_ms, 1 if max_wait_ms else 0, max_bytes, isolation_level) + \
        array([string(topic) + array([part])])
    r = Reader(conn.request(API_FETCH, 4, body))

    def partition_response(rr):
        p = {"partition": rr.int32(), "error_code": rr.int16(), "high_watermark": rr.int64(),
             "last_stable_offset": rr.int64(),
             "aborted_transactions": rr.array(lambda y: (y.int64(), y.int64())),
             "records_size": rr.int32()}
        p["records"] = rr._take(p["records_size"]) if p["records_size"] > 0 else None
        return p

    out = {"throttle_time_ms": r.int32()}
    topics = r.array(lambda rr: (rr.string(), rr.array(partition_response)))
    out["trailing"] = r.remaining()
    [(name, [p])] = topics
    out.update(p)
    out["topic"] = name
    return out


def wait_for_leader(bootstrap, topic, partitions, timeout=30.0):
    """Waits until Metadata v1 shows a leader for each of `partitions` partitions of topic.

    Asks for all topics (a null list): naming the topic in Metadata v1 would auto-create it."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        try:
            md = metadata_v1(bootstrap, None)
            t = next((x for x in md["topics"] if x["name"] == topic), None)
            last = t
            if t is not None and t["error_code"] == 0 and len(t["partitions"]) == partitions and all(
                    p["leader"] >= 0 and p["error_code"] == 0 for p in t["partitions"]):
                return t
        except (OSError, ValueError, ConnectionClosed) as e:
            last = e
        time.sleep(0.1)
    raise TimeoutError(f"topic {topic} has no leaders after {timeout}s: {last}")


# ==================================================================================================
# Consumer groups (issue 4): the group and offset APIs in every version, the ConsumerProtocol
# subscription/assignment bytes, Java's String.hashCode placement, and the __consumer_offsets
# record formats. Encoders follow Kafka's message schemas field by field; flexible versions use
# compact strings/arrays and an empty tagged-field section at the end of every struct.

API_OFFSET_COMMIT = 8
API_OFFSET_FETCH = 9
API_FIND_COORDINATOR = 10
API_JOIN_GROUP = 11
API_HEARTBEAT = 12
API_LEAVE_GROUP = 13
API_SYNC_GROUP = 14
API_DESCRIBE_GROUPS = 15
API_LIST_GROUPS = 16
API_DELETE_GROUPS = 42
API_OFFSET_DELETE = 47

# First flexible version of each API (None: never flexible).
FIRST_FLEXIBLE = {
    API_OFFSET_COMMIT: 8, API_OFFSET_FETCH: 6, API_FIND_COORDINATOR: 3, API_JOIN_GROUP: 6,
    API_HEARTBEAT: 4, API_LEAVE_GROUP: 4, API_SYNC_GROUP: 4, API_DESCRIBE_GROUPS: 5,
    API_LIST_GROUPS: 3, API_DELETE_GROUPS: 2, API_OFFSET_DELETE: None,
}

# Kafka error codes the group tests look for.
ERR_NONE = 0
ERR_UNKNOWN_TOPIC_OR_PARTITION = 3
ERR_COORDINATOR_LOAD_IN_PROGRESS = 14
ERR_COORDINATOR_NOT_AVAILABLE = 15
ERR_NOT_COORDINATOR = 16
ERR_ILLEGAL_GENERATION = 22
ERR_INCONSISTENT_GROUP_PROTOCOL = 23
ERR_INVALID_GROUP_ID = 24
ERR_UNKNOWN_MEMBER_ID = 25
ERR_INVALID_SESSION_TIMEOUT = 26
ERR_REBALANCE_IN_PROGRESS = 27
ERR_INVALID_REQUEST = 42
ERR_NON_EMPTY_GROUP = 68
ERR_GROUP_ID_NOT_FOUND = 69
ERR_MEMBER_ID_REQUIRED = 79
ERR_GROUP_MAX_SIZE_REACHED = 81
ERR_FENCED_INSTANCE_ID = 82
ERR_GROUP_SUBSCRIBED_TO_TOPIC = 86


class Writer:
    """Builds a request body; flexible=True switches to compact strings/arrays/bytes."""

    def __init__(self, flexible):
        self.flexible = flexible
        self.parts = []

    def i8(self, v):
        self.parts.append(struct.pack(">b", v))

    def i16(self, v):
        self.parts.append(struct.pack(">h", v))

    def i32(self, v):
        self.parts.append(struct.pack(">i", v))

    def i64(self, v):
        self.parts.append(struct.pack(">q", v))

    def boolean(self, v):
        self.parts.append(b"\x01" if v else b"\x00")

    def str(self, s):
        """A string (None encodes as null: only valid where the schema says nullable)."""
        self.parts.append(compact_string(s) if self.flexible else string(s))

    def bytes_(self, b):
        if self.flexible:
            self.parts.append(uvarint(0) if b is None else uvarint(len(b) + 1) + b)
        else:
            self.parts.append(nbytes(b))

    def array(self, items, element):
        """element(writer, item) writes one item; items None encodes a null array."""
        if items is None:
            self.parts.append(uvarint(0) if self.flexible else struct.pack(">i", -1))
            return
        items = list(items)
        self.parts.append(uvarint(len(items) + 1) if self.flexible else struct.pack(">i", len(items)))
        for item in items:
            element(self, item)

    def tags(self):
        """End of a struct: the empty tagged-field section in flexible versions."""
        if self.flexible:
            self.parts.append(uvarint(0))

    def build(self):
        return b"".join(self.parts)


class FlexReader(Reader):
    """Reader that follows the flexible/non-flexible encodings of one response version."""

    def __init__(self, buf, flexible):
        super().__init__(buf)
        self.flexible = flexible

    def str(self):
        return self.compact_string() if self.flexible else self.string()

    def bytes_(self):
        if self.flexible:
            n = self.uvarint()
            return None if n == 0 else self._take(n - 1)
        n = self.int32()
        return None if n < 0 else self._take(n)

    def arr(self, element):
        return self.compact_array(element) if self.flexible else self.array(element)

    def tags(self):
        if self.flexible:
            return self.tagged_fields()
        return {}


def is_flexible(api_key, version):
    first = FIRST_FLEXIBLE[api_key]
    return first is not None and version >= first


def group_call(conn, api_key, version, encode):
    """Sends one request whose body encode(writer) writes; returns a FlexReader positioned at the
    start of the response body (after the response header's tagged fields in flexible versions)."""
    flexible = is_flexible(api_key, version)
    w = Writer(flexible)
    encode(w)
    w.tags()
    resp = conn.request(api_key, version, w.build(), flexible_header=flexible)
    r = FlexReader(resp, flexible)
    r.tags()  # response header v1
    return r


def _finish(r, out):
    r.tags()
    out["trailing"] = r.remaining()
    return out


# ------------------------------------------------------------------------------------ FindCoordinator

def find_coordinator(conn, version, keys, key_type=0):
    """FindCoordinator for one key (v0-3; `keys` may be a str) or several (v4+, batched).
    Returns a list of {key, error_code, error_message, node_id, host, port}."""
    if isinstance(keys, str):
        keys = [keys]

    def enc(w):
        if version <= 3:
            assert len(keys) == 1, "FindCoordinator v0-3 carries one key"
            w.str(keys[0])
        if version >= 1:
            w.i8(key_type)
        if version >= 4:
            w.array(keys, lambda ww, k: ww.str(k))

    r = group_call(conn, API_FIND_COORDINATOR, version, enc)
    out = []
    if version >= 1:
        r.int32()  # throttle
    if version <= 3:
        c = {"key": keys[0], "error_code": r.int16()}
        c["error_message"] = r.str() if version >= 1 else None
        c["node_id"], c["host"], c["port"] = r.int32(), r.str(), r.int32()
        out.append(c)
    else:
        def coord(rr):
            c = {"key": rr.str(), "node_id": rr.int32(), "host": rr.str(), "port": rr.int32(),
                 "error_code": rr.int16(), "error_message": rr.str()}
            rr.tags()
            return c
        out = r.arr(coord)
    r.tags()
    assert r.remaining() == 0, f"{r.remaining()} trailing bytes in FindCoordinator v{version}"
    return out


# ------------------------------------------------------------------------------------ JoinGroup

def join_group(conn, version, group_id, member_id="", protocols=None, session_timeout_ms=6000,
               rebalance_timeout_ms=None, group_instance_id=None, protocol_type="consumer", reason=None):
    """protocols: list of (name, metadata bytes); default one "range" protocol with an empty
    subscription. Returns {error_code, generation_id, protocol_type, protocol_name, leader,
    skip_assignment, member_id, members: [{member_id, group_instance_id, metadata}]}."""
    if protocols is None:
        protocols = [("range", consumer_subscription([]))]
    if rebalance_timeout_ms is None:
        rebalance_timeout_ms = session_timeout_ms

    def enc(w):
        w.str(group_id)
        w.i32(session_timeout_ms)
        if version >= 1:
            w.i32(rebalance_timeout_ms)
        w.str(member_id)
        if version >= 5:
            w.str(group_instance_id)
        w.str(protocol_type)

        def proto(ww, p):
            ww.str(p[0])
            ww.bytes_(p[1])
            ww.tags()
        w.array(protocols, proto)
        if version >= 8:
            w.str(reason)

    r = group_call(conn, API_JOIN_GROUP, version, enc)
    out = {}
    if version >= 2:
        out["throttle_time_ms"] = r.int32()
    out["error_code"] = r.int16()
    out["generation_id"] = r.int32()
    out["protocol_type"] = r.str() if version >= 7 else None
    out["protocol_name"] = r.str()
    out["leader"] = r.str()
    out["skip_assignment"] = r.boolean() if version >= 9 else False
    out["member_id"] = r.str()

    def member(rr):
        m = {"member_id": rr.str()}
        m["group_instance_id"] = rr.str() if version >= 5 else None
        m["metadata"] = rr.bytes_()
        rr.tags()
        return m
    out["members"] = r.arr(member)
    return _finish(r, out)


def join_group_dance(conn, version, group_id, **kwargs):
    """JoinGroup as a new dynamic member: v4+ first get MEMBER_ID_REQUIRED with a member id, then
    join with it. Returns (first response or None, final response)."""
    first = join_group(conn, version, group_id, "", **kwargs)
    if version >= 4 and first["error_code"] == ERR_MEMBER_ID_REQUIRED and kwargs.get("group_instance_id") is None:
        return first, join_group(conn, version, group_id, first["member_id"], **kwargs)
    return None, first


# ------------------------------------------------------------------------------------ SyncGroup

def sync_group(conn, version, group_id, generation_id, member_id, assignments=(), group_instance_id=None,
               protocol_type=None, protocol_name=None):
    """assignments: list of (member_id, assignment bytes) (leader only).
    Returns {error_code, protocol_type, protocol_name, assignment}."""
    def enc(w):
        w.str(group_id)
        w.i32(generation_id)
        w.str(member_id)
        if version >= 3:
            w.str(group_instance_id)
        if version >= 5:
            w.str(protocol_type)
            w.str(protocol_name)

        def assign(ww, a):
            ww.str(a[0])
            ww.bytes_(a[1])
            ww.tags()
        w.array(assignments, assign)

    r = group_call(conn, API_SYNC_GROUP, version, enc)
    out = {}
    if version >= 1:
        out["throttle_time_ms"] = r.int32()
    out["error_code"] = r.int16()
    out["protocol_type"] = r.str() if version >= 5 else None
    out["protocol_name"] = r.str() if version >= 5 else None
    out["assignment"] = r.bytes_()
    return _finish(r, out)


# ------------------------------------------------------------------------------------ Heartbeat

def heartbeat(conn, version, group_id, generation_id, member_id, group_instance_id=None):
    """Returns the error code."""
    def enc(w):
        w.str(group_id)
        w.i32(generation_id)
        w.str(member_id)
        if version >= 3:
            w.str(group_instance_id)

    r = group_call(conn, API_HEARTBEAT, version, enc)
    if version >= 1:
        r.int32()
    err = r.int16()
    r.tags()
    assert r.remaining() == 0, f"{r.remaining()} trailing bytes in Heartbeat v{version}"
    return err


# ------------------------------------------------------------------------------------ LeaveGroup

def leave_group(conn, version, group_id, members):
    """members: list of (member_id, group_instance_id) (v0-2: exactly one, instance id ignored).
    Returns {error_code, members: [{member_id, group_instance_id, error_code}]} (members v3+)."""
    def enc(w):
        w.str(group_id)
        if version <= 2:
            assert len(members) == 1
            w.str(members[0][0])
        else:
            def m(ww, item):
                ww.str(item[0])
                ww.str(item[1])
                if version >= 5:
                    ww.str(None)  # reason
                ww.tags()
            w.array(members, m)

    r = group_call(conn, API_LEAVE_GROUP, version, enc)
    out = {}
    if version >= 1:
        out["throttle_time_ms"] = r.int32()
    out["error_code"] = r.int16()
    if version >= 3:
        def m(rr):
            x = {"member_id": rr.str(), "group_instance_id": rr.str(), "error_code": rr.int16()}
            rr.tags()
            return x
        out["members"] = r.arr(m)
    else:
        out["members"] = None
    return _finish(r, out)


# ------------------------------------------------------------------------------------ OffsetCommit

def offset_commit(conn, version, group_id, offsets, generation_id=-1, member_id="", group_instance_id=None,
                  retention_time_ms=-1, commit_timestamp=-1, leader_epoch=-1):
    """offsets: {(topic, partition): offset} or {(topic, partition): (offset, metadata)}.
    Returns {(topic, partition): error_code} (and raises on trailing bytes)."""
    by_topic = {}
    for (t, p), v in offsets.items():
        off, meta = v if isinstance(v, tuple) else (v, "")
        by_topic.setdefault(t, []).append((p, off, meta))

    def enc(w):
        w.str(group_id)
        if version >= 1:
            w.i32(generation_id)
            w.str(member_id)
        if version >= 7:
            w.str(group_instance_id)
        if 2 <= version <= 4:
            w.i64(retention_time_ms)

        def part(ww, x):
            ww.i32(x[0])
            ww.i64(x[1])
            if version >= 6:
                ww.i32(leader_epoch)
            if version == 1:
                ww.i64(commit_timestamp)
            ww.str(x[2])
            ww.tags()

        def topic(ww, item):
            ww.str(item[0])
            ww.array(item[1], part)
            ww.tags()
        w.array(sorted(by_topic.items()), topic)

    r = group_call(conn, API_OFFSET_COMMIT, version, enc)
    if version >= 3:
        r.int32()
    out = {}

    def part(rr, t):
        p = rr.int32()
        out[(t, p)] = rr.int16()
        rr.tags()

    def topic(rr):
        t = rr.str()
        rr.arr(lambda x: part(x, t))
        rr.tags()
    r.arr(topic)
    r.tags()
    assert r.remaining() == 0, f"{r.remaining()} trailing bytes in OffsetCommit v{version}"
    return out


# ------------------------------------------------------------------------------------ OffsetFetch

def _offset_fetch_partitions(rr, version, t, into):
    p = rr.int32()
    off = rr.int64()
    epoch = rr.int32() if version >= 5 else -1
    meta = rr.str()
    err = rr.int16()
    rr.tags()
    into[(t, p)] = {"offset": off, "leader_epoch": epoch, "metadata": meta, "error_code": err}


def offset_fetch(conn, version, group_id, partitions=None, require_stable=False):
    """OffsetFetch v0-7 for one group. partitions: {topic: [partition, ...]} or None (all; v2+).
    Returns {error_code (v2+, else None), partitions: {(topic, p): {offset, leader_epoch, metadata,
    error_code}}}."""
    assert version <= 7

    def enc(w):
        w.str(group_id)

        def topic(ww, item):
            ww.str(item[0])
            ww.array(item[1], lambda w3, p: w3.i32(p))
            ww.tags()
        w.array(None if partitions is None else sorted(partitions.items()), topic)
        if version >= 7:
            w.boolean(require_stable)

    r = group_call(conn, API_OFFSET_FETCH, version, enc)
    if version >= 3:
        r.int32()
    parts = {}

    def topic(rr):
        t = rr.str()
        rr.arr(lambda x: _offset_fetch_partitions(x, version, t, parts))
        rr.tags()
    r.arr(topic)
    out = {"partitions": parts, "error_code": r.int16() if version >= 2 else None}
    return _finish(r, out)


def offset_fetch_groups(conn, version, groups, require_stable=False):
    """OffsetFetch v8+ (batched). groups: list of (group_id, {topic: [p]} or None).
    Returns {group_id: {error_code, partitions: {...}}}."""
    assert version >= 8

    def enc(w):
        def group(ww, g):
            ww.str(g[0])
            if version >= 9:
                ww.str(None)   # member id
                ww.i32(-1)     # member epoch

            def topic(w3, item):
                w3.str(item[0])
                w3.array(item[1], lambda w4, p: w4.i32(p))
                w3.tags()
            ww.array(None if g[1] is None else sorted(g[1].items()), topic)
            ww.tags()
        w.array(groups, group)
        w.boolean(require_stable)

    r = group_call(conn, API_OFFSET_FETCH, version, enc)
    r.int32()
    out = {}

    def group(rr):
        gid = rr.str()
        parts = {}

        def topic(r3):
            t = r3.str()
            r3.arr(lambda x: _offset_fetch_partitions(x, 8, t, parts))
            r3.tags()
        rr.arr(topic)
        out[gid] = {"partitions": parts, "error_code": rr.int16()}
        rr.tags()
    r.arr(group)
    r.tags()
    assert r.remaining() == 0, f"{r.remaining()} trailing bytes in OffsetFetch v{version}"
    return out


# ------------------------------------------------------------------------------------ OffsetDelete

def offset_delete(conn, group_id, partitions):
    """OffsetDelete v0. partitions: {topic: [p]}. Returns {error_code, partitions: {(t, p): error}}."""
    def enc(w):
        w.str(group_id)

        def topic(ww, item):
            ww.str(item[0])
            ww.array(item[1], lambda w3, p: w3.i32(p))
        w.array(sorted(partitions.items()), topic)

    r = group_call(conn, API_OFFSET_DELETE, 0, enc)
    out = {"error_code": r.int16(), "throttle_time_ms": r.int32()}
    parts = {}

    def topic(rr):
        t = rr.str()

        def part(x):
            p = x.int32()
            parts[(t, p)] = x.int16()
        rr.arr(part)
    r.arr(topic)
    out["partitions"] = parts
    return _finish(r, out)


# ------------------------------------------------------------------------------------ DescribeGroups

def describe_groups(conn, version, group_ids, include_authorized_operations=False):
    """Returns a list of {error_code, group_id, state, protocol_type, protocol, members: [{member_id,
    group_instance_id, client_id, client_host, metadata, assignment}], authorized_operations}."""
    def enc(w):
        w.array(group_ids, lambda ww, g: ww.str(g))
        if version >= 3:
            w.boolean(include_authorized_operations)

    r = group_call(conn, API_DESCRIBE_GROUPS, version, enc)
    if version >= 1:
        r.int32()

    def member(rr):
        m = {"member_id": rr.str()}
        m["group_instance_id"] = rr.str() if version >= 4 else None
        m["client_id"] = rr.str()
        m["client_host"] = rr.str()
        m["metadata"] = rr.bytes_()
        m["assignment"] = rr.bytes_()
        rr.tags()
        return m

    def group(rr):
        g = {"error_code": rr.int16(), "group_id": rr.str(), "state": rr.str(), "protocol_type": rr.str(),
             "protocol": rr.str(), "members": rr.arr(member)}
        g["authorized_operations"] = rr.int32() if version >= 3 else None
        rr.tags()
        return g
    groups = r.arr(group)
    r.tags()
    assert r.remaining() == 0, f"{r.remaining()} trailing bytes in DescribeGroups v{version}"
    return groups


# ------------------------------------------------------------------------------------ ListGroups

def list_groups(conn, version, states=None, types=None):
    """Returns {error_code, groups: [{group_id, protocol_type, state (v4+), type (v5+)}]}."""
    def enc(w):
        if version >= 4:
            w.array(states or [], lambda ww, s: ww.str(s))
        if version >= 5:
            w.array(types or [], lambda ww, s: ww.str(s))

    r = group_call(conn, API_LIST_GROUPS, version, enc)
    out = {}
    if version >= 1:
        out["throttle_time_ms"] = r.int32()
    out["error_code"] = r.int16()

    def group(rr):
        g = {"group_id": rr.str(), "protocol_type": rr.str()}
        if version >= 4:
            g["state"] = rr.str()
        if version >= 5:
            g["type"] = rr.str()
        rr.tags()
        return g
    out["groups"] = r.arr(group)
    return _finish(r, out)


# ------------------------------------------------------------------------------------ DeleteGroups

def delete_groups(conn, version, group_ids):
    """Returns {group_id: error_code}."""
    r = group_call(conn, API_DELETE_GROUPS, version, lambda w: w.array(group_ids, lambda ww, g: ww.str(g)))
    r.int32()
    out = {}

    def result(rr):
        g = rr.str()
        out[g] = rr.int16()
        rr.tags()
    r.arr(result)
    r.tags()
    assert r.remaining() == 0, f"{r.remaining()} trailing bytes in DeleteGroups v{version}"
    return out


# ------------------------------------------------------------------------------------ ConsumerProtocol

def consumer_subscription(topics, user_data=None, version=0, owned=()):
    """ConsumerProtocolSubscription: version, topics, user_data (v1+: owned partitions)."""
    out = struct.pack(">h", version) + array([string(t) for t in topics]) + nbytes(user_data)
    if version >= 1:
        by_topic = {}
        for t, p in owned:
            by_topic.setdefault(t, []).append(p)
        out += array([string(t) + array([struct.pack(">i", p) for p in ps]) for t, ps in sorted(by_topic.items())])
    return out


def consumer_assignment(assignment, user_data=None, version=0):
    """ConsumerProtocolAssignment from {topic: [partitions]}."""
    return struct.pack(">h", version) + array(
        [string(t) + array([struct.pack(">i", p) for p in ps]) for t, ps in sorted(assignment.items())]) + \
        nbytes(user_data)


def decode_consumer_subscription(data):
    r = Reader(data)
    out = {"version": r.int16(), "topics": r.array(lambda x: x.string())}
    n = r.int32()
    out["user_data"] = None if n < 0 else r._take(n)
    return out


def decode_consumer_assignment(data):
    """Returns {topic: [partitions]} (an empty dict for empty bytes, as Kafka treats them)."""
    if not data:
        return {}
    r = Reader(data)
    r.int16()
    out = {}
    for _ in range(r.int32()):
        t = r.string()
        out[t] = r.array(lambda x: x.int32())
    return out


# ------------------------------------------------------------------------------------ placement

def java_string_hash(s):
    """Java's String.hashCode (UTF-16 code units, int32 arithmetic)."""
    h = 0
    data = s.encode("utf-16-be")
    for i in range(0, len(data), 2):
        h = (31 * h + ((data[i] << 8) | data[i + 1])) & 0xFFFFFFFF
    return h - (1 << 32) if h & 0x80000000 else h


def partition_for_group(group_id, partitions=50):
    h = java_string_hash(group_id)
    return 0 if h == -(1 << 31) else abs(h) % partitions


# ------------------------------------------------------------------------------------ log segments

def decode_batches(data, verify_crc=True):
    """Decodes a .log segment of magic-2 batches (uncompressed, or any codec compress() knows).
    Returns a list of batches: {base_offset, attributes, records: [(offset, timestamp, key, value)]}.
    A torn tail (a partial batch) stops the walk."""
    out = []
    pos = 0
    while pos + 12 <= len(data):
        base_offset, length = struct.unpack_from(">qi", data, pos)
        if length <= 0 or pos + 12 + length > len(data):
            break
        batch = data[pos:pos + 12 + length]
        magic = batch[16]
        if magic != 2:
            raise ValueError(f"batch at {base_offset} has magic {magic}")
        crc = struct.unpack_from(">I", batch, 17)[0]
        if verify_crc and crc32c(batch[21:]) != crc:
            raise ValueError(f"batch at {base_offset}: bad CRC")
        attributes, _last_delta, base_ts, _max_ts, _pid, _epoch, _seq, count = \
            struct.unpack_from(">hiqqqhii", batch, 21)
        payload = batch[61:]
        codec = attributes & 7
        if codec:
            payload = _decompress(codec, payload)
        records = []
        rpos = 0
        for _ in range(count):
            _length, rpos = _read_zigzag(payload, rpos)
            rpos += 1  # attributes
            ts_delta, rpos = _read_zigzag(payload, rpos)
            off_delta, rpos = _read_zigzag(payload, rpos)
            klen, rpos = _read_zigzag(payload, rpos)
            key = None if klen < 0 else payload[rpos:rpos + klen]
            rpos += max(klen, 0)
            vlen, rpos = _read_zigzag(payload, rpos)
            value = None if vlen < 0 else payload[rpos:rpos + vlen]
            rpos += max(vlen, 0)
            nheaders, rpos = _read_zigzag(payload, rpos)
            for _ in range(nheaders):
                hk, rpos = _read_zigzag(payload, rpos)
                rpos += hk
                hv, rpos = _read_zigzag(payload, rpos)
                rpos += max(hv, 0)
            records.append((base_offset + off_delta, base_ts + ts_delta, key, value))
        out.append({"base_offset": base_offset, "attributes": attributes, "records": records})
        pos += 12 + length
    return out


def _read_zigzag(buf, pos):
    v, pos = read_uvarint(buf, pos)
    return (v >> 1) ^ -(v & 1), pos


def _decompress(codec, payload):
    if codec == 1:
        import gzip
        return gzip.decompress(payload)
    if codec == 2:
        import snappy
        if payload.startswith(b"\x82SNAPPY\x00"):
            out, pos = bytearray(), 16
            while pos < len(payload):
                n = struct.unpack_from(">i", payload, pos)[0]
                out += snappy.decompress(payload[pos + 4:pos + 4 + n])
                pos += 4 + n
            return bytes(out)
        return snappy.decompress(payload)
    if codec == 3:
        import lz4.frame
        return lz4.frame.decompress(payload)
    if codec == 4:
        import zstandard
        return zstandard.ZstdDecompressor().decompressobj().decompress(payload)
    raise ValueError(f"codec {codec}")


# ------------------------------------------------------------------------------------ __consumer_offsets records

def decode_offsets_key(key):
    """OffsetCommitKey v0/v1 -> {"type": "offset", version, group, topic, partition};
    GroupMetadataKey v2 -> {"type": "group", version, group}."""
    r = Reader(key)
    version = r.int16()
    if version in (0, 1):
        out = {"type": "offset", "version": version, "group": r.string(), "topic": r.string(),
               "partition": r.int32()}
    elif version == 2:
        out = {"type": "group", "version": version, "group": r.string()}
    else:
        raise ValueError(f"unknown __consumer_offsets key version {version}")
    if r.remaining():
        raise ValueError(f"{r.remaining()} trailing bytes in key v{version}")
    return out


def decode_offset_commit_value(value):
    """OffsetCommitValue v0-v3 (the non-flexible ones Kafka writes)."""
    r = Reader(value)
    version = r.int16()
    out = {"version": version, "offset": r.int64(), "leader_epoch": -1, "expire_timestamp": None}
    if version == 3:
        out["leader_epoch"] = r.int32()
    elif version > 3:
        raise ValueError(f"OffsetCommitValue v{version} is not written by Kafka")
    out["metadata"] = r.string()
    out["commit_timestamp"] = r.int64()
    if version == 1:
        out["expire_timestamp"] = r.int64()
    if r.remaining():
        raise ValueError(f"{r.remaining()} trailing bytes in OffsetCommitValue v{version}")
    return out


def decode_group_metadata_value(value):
    """GroupMetadataValue v0-v3."""
    r = Reader(value)
    version = r.int16()
    if version > 3:
        raise ValueError(f"GroupMetadataValue v{version} is not written by Kafka")
    out = {"version": version, "protocol_type": r.string(), "generation": r.int32(), "protocol": r.string(),
           "leader": r.string(), "current_state_timestamp": r.int64() if version >= 2 else None}

    def member(rr):
        m = {"member_id": rr.string()}
        m["group_instance_id"] = rr.string() if version >= 3 else None
        m["client_id"] = rr.string()
        m["client_host"] = rr.string()
        m["rebalance_timeout_ms"] = rr.int32() if version >= 1 else None
        m["session_timeout_ms"] = rr.int32()
        n = rr.int32()
        m["subscription"] = rr._take(n)
        n = rr.int32()
        m["assignment"] = rr._take(n)
        return m
    out["members"] = r.array(member)
    if r.remaining():
        raise ValueError(f"{r.remaining()} trailing bytes in GroupMetadataValue v{version}")
    return out
