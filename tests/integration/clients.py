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


# ==================================================================================================
# Consumer groups (issue 4): group members driven by real clients, with an event log that lets a
# test check that no record was lost and none was re-read below an offset already committed.

import os  # noqa: E402
import signal  # noqa: E402
import sys  # noqa: E402
import threading  # noqa: E402

# Fast group timings for tests: the broker's default group.min.session.timeout.ms is 6000.
GROUP_TIMINGS = {"session.timeout.ms": 6000, "heartbeat.interval.ms": 500}


class EventLog:
    """Thread-safe list of (monotonic time, member, kind, partition, offset).

    kind "read": the member's application got (partition, offset);
    kind "commit": a synchronous commit of next offset `offset` for partition succeeded;
    kind "commit-failed": it failed (offset = the offset that was to be committed);
    kind "assign" / "revoke": offset is None, one event per partition.
    time.monotonic() is CLOCK_MONOTONIC, shared by every process on the machine, so events from
    subprocess members merge correctly."""

    def __init__(self):
        self._lock = threading.Lock()
        self.events = []

    def add(self, member, kind, partition, offset, t=None):
        with self._lock:
            self.events.append((time.monotonic() if t is None else t, member, kind, partition, offset))

    def snapshot(self):
        with self._lock:
            return sorted(self.events, key=lambda e: e[0])

    def reads(self, member=None):
        return [(p, o) for (_, m, k, p, o) in self.snapshot() if k == "read" and (member is None or m == member)]

    def count(self, kind, member=None):
        return sum(1 for (_, m, k, _, _) in self.snapshot() if k == kind and (member is None or m == member))


def check_group_consumption(log, end_offsets):
    """Asserts, from the event log, that every offset in [0, end) of every partition was read at
    least once (no loss), and that no read happened below the highest offset already committed
    for that partition at the time (no re-read past a committed offset). Returns the number of
    duplicate reads (allowed only at or above the committed offset: uncommitted work of a member
    that was killed or lost its partition before committing)."""
    events = log.snapshot()
    committed = {}
    seen = {}
    duplicates = 0
    violations = []
    for (t, member, kind, p, o) in events:
        if kind == "commit":
            committed[p] = max(committed.get(p, 0), o)
        elif kind == "read":
            if o < committed.get(p, 0) and len(violations) < 10:
                violations.append(f"{member} read {p}/{o} after offset {committed[p]} was committed")
            if o in seen.setdefault(p, set()):
                duplicates += 1
            seen[p].add(o)
    assert not violations, "re-read below a committed offset: " + "; ".join(violations)
    for p, end in sorted(end_offsets.items()):
        missing = sorted(set(range(end)) - seen.get(p, set()))
        assert not missing, f"partition {p}: {len(missing)} offsets never read, first {missing[:10]}"
        extra = sorted(o for o in seen.get(p, set()) if o >= end)
        assert not extra, f"partition {p}: read offsets beyond the end {end}: {extra[:10]}"
    return duplicates


def group_consumer_config(bootstrap, group, extra=None):
    conf = {
        "bootstrap.servers": bootstrap,
        "group.id": group,
        "enable.auto.commit": False,
        "auto.offset.reset": "earliest",
        "fetch.wait.max.ms": 100,
        "topic.metadata.refresh.interval.ms": 2000,
        **GROUP_TIMINGS,
        **QUIET_LOG,
    }
    if extra:
        conf.update(extra)
    return conf


class ConfluentMember(threading.Thread):
    """A confluent-kafka group member in its own thread: subscribe, poll, and (commit=True) commit
    each record synchronously after "processing" it (delay seconds). stop() closes the consumer
    (LeaveGroup, except for static members). Callbacks and errors land in the EventLog."""

    def __init__(self, name, bootstrap, group, topics, log, extra=None, commit=True, delay=0.0):
        super().__init__(name=f"member-{name}", daemon=True)
        self.member = name
        # client.id = the member's name, so that DescribeGroups answers can be matched to members.
        self.conf = group_consumer_config(bootstrap, group, {"client.id": name, **(extra or {})})
        self.topics = topics
        self.log = log
        self.commit = commit
        self.delay = delay
        self.assignment = set()
        self.assign_calls = 0
        self.revoke_calls = 0
        self.lost_calls = 0
        self.errors = []
        self._stop_flag = threading.Event()

    def _on_assign(self, consumer, partitions):
        self.assign_calls += 1
        for tp in partitions:
            self.assignment.add(tp.partition)
            self.log.add(self.member, "assign", tp.partition, None)

    def _on_revoke(self, consumer, partitions):
        self.revoke_calls += 1
        for tp in partitions:
            self.assignment.discard(tp.partition)
            self.log.add(self.member, "revoke", tp.partition, None)

    def _on_lost(self, consumer, partitions):
        self.lost_calls += 1
        self._on_revoke(consumer, partitions)

    def run(self):
        c = Consumer(self.conf)
        try:
            c.subscribe(self.topics, on_assign=self._on_assign, on_revoke=self._on_revoke, on_lost=self._on_lost)
            while not self._stop_flag.is_set():
                m = c.poll(0.1)
                if m is None:
                    continue
                if m.error() is not None:
                    self.errors.append(str(m.error()))
                    continue
                self.log.add(self.member, "read", m.partition(), m.offset())
                if self.delay:
                    time.sleep(self.delay)
                if self.commit:
                    try:
                        c.commit(message=m, asynchronous=False)
                        self.log.add(self.member, "commit", m.partition(), m.offset() + 1)
                    except KafkaException as e:
                        self.log.add(self.member, "commit-failed", m.partition(), m.offset() + 1)
                        self.errors.append(f"commit: {e}")
        except Exception as e:  # noqa: BLE001 - reported through self.errors
            self.errors.append(f"{type(e).__name__}: {e}")
        finally:
            c.close()

    def stop(self, timeout=30):
        self._stop_flag.set()
        self.join(timeout)
        assert not self.is_alive(), f"{self.member} did not close within {timeout}s"


class KafkaPythonMember(threading.Thread):
    """A kafka-python group member (its own group API versions: JoinGroup v2, SyncGroup v1,
    Heartbeat v1, OffsetCommit v2, OffsetFetch v1) with the same behaviour as ConfluentMember."""

    def __init__(self, name, bootstrap, group, topics, log, commit=True, delay=0.0, extra=None):
        super().__init__(name=f"member-{name}", daemon=True)
        self.member = name
        self.bootstrap = bootstrap
        self.group = group
        self.topics = topics
        self.log = log
        self.commit = commit
        self.delay = delay
        self.extra = extra or {}
        self.assignment = set()
        self.assign_calls = 0
        self.errors = []
        self._stop_flag = threading.Event()

    def run(self):
        from kafka import KafkaConsumer, ConsumerRebalanceListener, TopicPartition as KTP
        from kafka.structs import OffsetAndMetadata
        from kafka.errors import KafkaError

        member = self

        class Listener(ConsumerRebalanceListener):
            def on_partitions_revoked(self, revoked):
                for tp in revoked:
                    member.assignment.discard(tp.partition)
                    member.log.add(member.member, "revoke", tp.partition, None)

            def on_partitions_assigned(self, assigned):
                member.assign_calls += 1
                for tp in assigned:
                    member.assignment.add(tp.partition)
                    member.log.add(member.member, "assign", tp.partition, None)

        c = None
        try:
            c = KafkaConsumer(group_id=self.group, enable_auto_commit=False, auto_offset_reset="earliest",
                              session_timeout_ms=6000, heartbeat_interval_ms=500, fetch_max_wait_ms=100,
                              metadata_max_age_ms=2000, **kafka_python_kwargs(self.bootstrap), **self.extra)
            c.subscribe(self.topics, listener=Listener())
            while not self._stop_flag.is_set():
                batches = c.poll(timeout_ms=100)
                for tp, msgs in batches.items():
                    for m in msgs:
                        if self._stop_flag.is_set():
                            break
                        if tp.partition not in self.assignment:
                            break  # revoked during this poll's processing
                        self.log.add(self.member, "read", m.partition, m.offset)
                        if self.delay:
                            time.sleep(self.delay)
                        if self.commit:
                            try:
                                c.commit({KTP(m.topic, m.partition): OffsetAndMetadata(m.offset + 1, None)})
                                self.log.add(self.member, "commit", m.partition, m.offset + 1)
                            except KafkaError as e:
                                self.log.add(self.member, "commit-failed", m.partition, m.offset + 1)
                                self.errors.append(f"commit: {e!r}")
                                break
        except Exception as e:  # noqa: BLE001 - reported through self.errors
            self.errors.append(f"{type(e).__name__}: {e}")
        finally:
            if c is not None:
                c.close(autocommit=False)

    def stop(self, timeout=30):
        self._stop_flag.set()
        self.join(timeout)
        assert not self.is_alive(), f"{self.member} did not close within {timeout}s"


# A confluent-kafka member in a separate process, so that a test can kill -9 it (no LeaveGroup,
# no commit on the way out). It prints one line per event: "<kind> <partition> <offset> <time>".
_MEMBER_PROCESS_SCRIPT = r"""
import json, sys, time
from confluent_kafka import Consumer, KafkaException
conf, topics, delay = json.loads(sys.argv[1]), json.loads(sys.argv[2]), float(sys.argv[3])
def out(kind, p, o):
    sys.stdout.write(f"{kind} {p} {o} {time.monotonic()!r}\n")
    sys.stdout.flush()
def on_assign(c, ps):
    for tp in ps: out("assign", tp.partition, -1)
def on_revoke(c, ps):
    for tp in ps: out("revoke", tp.partition, -1)
c = Consumer(conf)
c.subscribe(topics, on_assign=on_assign, on_revoke=on_revoke, on_lost=on_revoke)
out("ready", -1, -1)
while True:
    m = c.poll(0.1)
    if m is None or m.error() is not None:
        continue
    out("read", m.partition(), m.offset())
    time.sleep(delay)
    try:
        c.commit(message=m, asynchronous=False)
        out("commit", m.partition(), m.offset() + 1)
    except KafkaException:
        out("commit-failed", m.partition(), m.offset() + 1)
"""


class MemberProcess:
    """A confluent-kafka group member in a child process (tracked by PID) feeding an EventLog."""

    def __init__(self, name, bootstrap, group, topics, log, delay=0.0, extra=None):
        import subprocess as sp
        self.member = name
        self.log = log
        self.assignment = set()
        conf = group_consumer_config(bootstrap, group, extra)
        self.proc = sp.Popen([sys.executable, "-c", _MEMBER_PROCESS_SCRIPT, json.dumps(conf), json.dumps(topics),
                              str(delay)], stdout=sp.PIPE, stderr=sp.DEVNULL, text=True, start_new_session=True)
        self.pid = self.proc.pid
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self):
        for line in self.proc.stdout:
            parts = line.split()
            if len(parts) != 4:
                continue
            kind, p, o, t = parts[0], int(parts[1]), int(parts[2]), float(parts[3])
            if kind == "assign":
                self.assignment.add(p)
            elif kind == "revoke":
                self.assignment.discard(p)
            if kind in ("assign", "revoke"):
                self.log.add(self.member, kind, p, None, t)
            elif kind != "ready":
                self.log.add(self.member, kind, p, o, t)

    def kill9(self):
        if self.proc.poll() is None:
            os.kill(self.pid, signal.SIGKILL)
        self.proc.wait(timeout=10)
        self._reader.join(10)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except Exception:  # noqa: BLE001
                self.proc.kill()
                self.proc.wait(timeout=10)
        self._reader.join(10)


def wait_assignments(members, partitions, timeout=60, stable_for=1.5, what="assignments"):
    """Waits until the members' assignments are disjoint, every member has one (non-empty, when
    there are at least as many partitions as members), together they cover `partitions`, and this
    has held for stable_for seconds. Returns {member name: sorted partitions}."""
    want = set(partitions)
    deadline = time.monotonic() + timeout
    since = None
    last = None
    while time.monotonic() < deadline:
        snap = {m.member: set(m.assignment) for m in members}
        union = set().union(*snap.values())
        total = sum(len(s) for s in snap.values())
        ok = union == want and total == len(want) and (
            len(want) < len(members) or all(snap.values()))
        if ok and snap == last:
            if since is None:
                since = time.monotonic()
            if time.monotonic() - since >= stable_for:
                return {k: sorted(v) for k, v in snap.items()}
        else:
            since = time.monotonic() if ok else None
        last = snap
        time.sleep(0.1)
    raise TimeoutError(f"{what}: no stable disjoint cover of {sorted(want)} within {timeout}s; last {last}")


def wait_group_coordinator(bootstrap, group, timeout=60):
    """FindCoordinator (v2, via our wire helpers) until the group has a coordinator; returns
    (node_id, "host:port"). The first call creates __consumer_offsets."""
    import wire

    def probe():
        with wire.Connection(bootstrap) as c:
            [r] = wire.find_coordinator(c, 2, group)
        if r["error_code"] == 0:
            return r["node_id"], f"{r['host']}:{r['port']}"
        return None
    return _wait(probe, timeout, f"a coordinator for {group}")


def _wait(predicate, timeout, what, interval=0.2):
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        try:
            v = predicate()
            if v:
                return v
        except Exception as e:  # noqa: BLE001 - retried until the deadline
            last = e
        time.sleep(interval)
    raise TimeoutError(f"timed out after {timeout}s waiting for {what} (last error: {last!r})")


def committed_offsets(bootstrap, group, topic, partitions, timeout=30):
    """The group's committed offsets via confluent-kafka (OffsetFetch): {partition: offset}, -1 where
    nothing is committed (librdkafka's OFFSET_INVALID, -1001, mapped to the wire's -1)."""
    from confluent_kafka import OFFSET_INVALID
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": group, "enable.auto.commit": False, **QUIET_LOG})
    try:
        res = c.committed([TopicPartition(topic, p) for p in partitions], timeout=timeout)
        bad = [tp for tp in res if tp.error is not None]
        assert not bad, f"OffsetFetch errors: {bad}"
        return {tp.partition: (-1 if tp.offset == OFFSET_INVALID else tp.offset) for tp in res}
    finally:
        c.close()


def commit_offsets(bootstrap, group, topic, offsets, timeout=30):
    """Commits {partition: offset} for `group` as a simple consumer (no group membership)."""
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": group, "enable.auto.commit": False, **QUIET_LOG})
    try:
        tps = [TopicPartition(topic, p, o) for p, o in sorted(offsets.items())]
        res = c.commit(offsets=tps, asynchronous=False)
        bad = [tp for tp in res if tp.error is not None]
        assert not bad, f"commit errors: {bad}"
    finally:
        c.close()


def produce_sequence(bootstrap, topic, partitions, per_partition, tag):
    """Produces per_partition records to each partition (value "<tag>-<p>-<i>"); returns the new
    end offsets {partition: end} from the delivery reports."""
    p = Producer({"bootstrap.servers": bootstrap, "linger.ms": 5, "enable.idempotence": False, **QUIET_LOG})
    ends = {}
    errors = []

    def on_delivery(err, msg):
        if err is not None:
            errors.append(err)
        else:
            ends[msg.partition()] = max(ends.get(msg.partition(), 0), msg.offset() + 1)

    for i in range(per_partition):
        for part in partitions:
            p.produce(topic, value=f"{tag}-{part}-{i}".encode(), partition=part, on_delivery=on_delivery)
        p.poll(0)
    assert p.flush(60) == 0
    assert not errors, errors[:3]
    return ends


# ==================================================================================================
# Replication and durability (issue 6): producers that record exactly what was acknowledged, and
# readers of a whole partition.

def create_topic_with_configs(bootstrap, topic, partitions=1, replication=1, configs=None, replica_assignment=None,
                              timeout=30):
    """CreateTopics through confluent-kafka with topic configs ({"min.insync.replicas": "2", ...})
    and optionally a manual assignment (a list, per partition, of broker ids; then partitions and
    replication come from it)."""
    a = admin(bootstrap)
    if replica_assignment is not None:
        nt = NewTopic(topic, len(replica_assignment), replica_assignment=replica_assignment,
                      config=dict(configs or {}))
    else:
        nt = NewTopic(topic, partitions, replication, config=dict(configs or {}))
    fs = a.create_topics([nt], operation_timeout=timeout, request_timeout=timeout)
    fs[topic].result(timeout)


def high_watermarks(bootstrap, topic, partitions, timeout=10):
    """{partition: high watermark} from the leaders (ListOffsets latest, read_uncommitted)."""
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": "unused-no-commits", "enable.auto.commit": False,
                  **QUIET_LOG})
    try:
        return {p: c.get_watermark_offsets(TopicPartition(topic, p), timeout=timeout, cached=False)[1]
                for p in partitions}
    finally:
        c.close()


def read_partition(bootstrap, topic, partition, end_offset, timeout=120):
    """Every record of one partition from offset 0 up to end_offset (exclusive), read by assign()
    (no group, read_uncommitted): a list of (offset, value). Raises on consumer errors; returns what
    it has when the timeout passes."""
    out = []
    if end_offset <= 0:
        return out
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": "unused-no-commits", "enable.auto.commit": False,
                  "enable.auto.offset.store": False, "auto.offset.reset": "error", "fetch.wait.max.ms": 100,
                  "topic.metadata.refresh.interval.ms": 2000, **QUIET_LOG})
    try:
        c.assign([TopicPartition(topic, partition, 0)])
        deadline = time.monotonic() + timeout
        while (not out or out[-1][0] < end_offset - 1) and time.monotonic() < deadline:
            for m in c.consume(num_messages=10000, timeout=0.5):
                if m.error() is not None:
                    raise KafkaException(m.error())
                if m.offset() < end_offset:
                    out.append((m.offset(), m.value()))
        return out
    finally:
        c.close()


class AckedProducer:
    """A confluent-kafka producer thread sending `rate` records/s round-robin to `partitions` with
    the given acks, values b"<tag>-<seq>", and recording what the client reported: acked is a list
    of (partition, offset, value) in delivery-report order, failed a list of (value, error).

    max.in.flight=1 keeps each partition's records in production order across retries (no
    idempotence: duplicates after a lost response are allowed, reordering is not)."""

    def __init__(self, bootstrap, topic, partitions, tag, rate=200, acks="all", extra=None):
        import threading
        self.topic = topic
        self.partitions = list(partitions)
        self.tag = tag
        self.rate = rate
        self.acked = []
        self.failed = []
        self.sent = 0
        self.undelivered = None
        self._lock = threading.Lock()
        self._stop = threading.Event()
        conf = {"bootstrap.servers": bootstrap, "acks": str(acks), "enable.idempotence": False,
                "max.in.flight.requests.per.connection": 1, "linger.ms": 5, "message.timeout.ms": 60000,
                "request.timeout.ms": 10000, "retry.backoff.ms": 200, "topic.metadata.refresh.interval.ms": 2000,
                **QUIET_LOG}
        conf.update(extra or {})
        self._producer = Producer(conf)
        self._thread = threading.Thread(target=self._run, name=f"producer-{tag}", daemon=True)

    def value(self, seq):
        return f"{self.tag}-{seq:09d}".encode()

    def _on_delivery(self, err, msg):
        with self._lock:
            if err is not None:
                self.failed.append((msg.value(), err))
            else:
                self.acked.append((msg.partition(), msg.offset(), msg.value()))

    def _run(self):
        started = time.monotonic()
        while not self._stop.is_set():
            due = int((time.monotonic() - started) * self.rate)
            while self.sent < due and not self._stop.is_set():
                part = self.partitions[self.sent % len(self.partitions)]
                try:
                    self._producer.produce(self.topic, value=self.value(self.sent), partition=part,
                                           on_delivery=self._on_delivery)
                except BufferError:
                    break
                self.sent += 1
            self._producer.poll(0.01)
        self.undelivered = self._producer.flush(90)

    def start(self):
        self._thread.start()
        return self

    def stop(self):
        self._stop.set()
        self._thread.join(120)
        assert not self._thread.is_alive(), f"producer {self.tag} did not finish flushing"

    def acked_count(self):
        with self._lock:
            return len(self.acked)


import re  # noqa: E402

# kcat -vvv's delivery report line (dr_msg_cb).
_KCAT_DELIVERED = re.compile(rb"Message delivered to partition (\d+) \(offset (\d+)\)")


class KcatChunkProducer:
    """kcat (-P, one process per chunk of `chunk` records, partitions in turn) sending values
    b"<tag>-<chunk>-<i>" with acks=all. A chunk counts as acknowledged only when kcat exited 0 and
    printed a "Message delivered to partition P (offset O)" report for every record of it; then
    acked gets (partition, sorted offsets, values in production order). Other chunks are counted in
    failed_chunks and make no claim. Each kcat runs at most `chunk_timeout` s (killed by PID)."""

    def __init__(self, bootstrap, topic, partitions, tag, chunk=50, pause=0.2, chunk_timeout=60):
        import threading
        self.bootstrap = bootstrap
        self.topic = topic
        self.partitions = list(partitions)
        self.tag = tag
        self.chunk = chunk
        self.pause = pause
        self.chunk_timeout = chunk_timeout
        self.acked = []
        self.failed_chunks = 0
        self.chunks = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"kcat-{tag}", daemon=True)

    def _run(self):
        n = 0
        while not self._stop.is_set():
            part = self.partitions[n % len(self.partitions)]
            values = [f"{self.tag}-{n:06d}-{i:04d}".encode() for i in range(self.chunk)]
            argv = ["kcat", "-P", "-b", self.bootstrap, "-t", self.topic, "-p", str(part), "-vvv",
                    "-X", "acks=all", "-X", "enable.idempotence=false",
                    "-X", "max.in.flight.requests.per.connection=1", "-X", "linger.ms=5",
                    "-X", "message.timeout.ms=30000", "-X", "request.timeout.ms=10000",
                    "-X", "topic.metadata.refresh.interval.ms=2000"]
            proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            try:
                _, err = proc.communicate(b"".join(v + b"\n" for v in values), timeout=self.chunk_timeout)
            except subprocess.TimeoutExpired:
                proc.kill()
                _, err = proc.communicate()
            reports = [(int(p), int(o)) for p, o in _KCAT_DELIVERED.findall(err)]
            if proc.returncode == 0 and len(reports) == len(values) and all(p == part for p, _ in reports):
                self.acked.append((part, sorted(o for _, o in reports), values))
            else:
                self.failed_chunks += 1
            self.chunks += 1
            n += 1
            self._stop.wait(self.pause)

    def start(self):
        self._thread.start()
        return self

    def stop(self):
        self._stop.set()
        self._thread.join(self.chunk_timeout + 30)
        assert not self._thread.is_alive(), f"kcat producer {self.tag} did not finish"

    def acked_records(self):
        return sum(len(v) for _, _, v in self.acked)
