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


def record_batch(records, base_timestamp, attributes=0, codec="none"):
    """records: list of (key, value, timestamp, headers). Returns a v2 batch with a valid CRC, its
    records area compressed with codec (the codec bits are added to attributes)."""
    payload = b"".join(encode_record(i, ts - base_timestamp, k, v, h)
                       for i, (k, v, ts, h) in enumerate(records))
    payload = compress(codec, payload)
    attributes |= CODEC_IDS[codec.split("-")[0]]
    max_ts = max(ts for _, _, ts, _ in records)
    after_crc = struct.pack(">hiqqqhii", attributes, len(records) - 1, base_timestamp, max_ts,
                            -1, -1, -1, len(records)) + payload
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

def list_offsets_v1(conn, topic, partitions_ts):
    """partitions_ts: {partition: timestamp}. Returns {partition: (error, timestamp, offset)}."""
    parts = [struct.pack(">iq", p, ts) for p, ts in sorted(partitions_ts.items())]
    body = struct.pack(">i", -1) + array([string(topic) + array(parts)])
    r = Reader(conn.request(API_LIST_OFFSETS, 1, body))
    out = {}
    for _ in range(r.int32()):
        r.string()
        for _ in range(r.int32()):
            p = r.int32()
            out[p] = (r.int16(), r.int64(), r.int64())
    return out


# ------------------------------------------------------------------------------------ Fetch v4

API_FETCH = 1


def fetch_v4(conn, topic, partition, offset, max_wait_ms=0, max_bytes=1024 * 1024):
    """One-partition Fetch v4 (read_uncommitted). Returns that partition's response, including the
    raw records size field (-1 = null records) and the records bytes."""
    part = struct.pack(">iqi", partition, offset, max_bytes)
    body = struct.pack(">iiiib", -1, max_wait_ms, 1 if max_wait_ms else 0, max_bytes, 0) + \
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
